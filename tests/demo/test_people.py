"""The demo's people: its tenants come with their defaults, and Acme's members page shows one pending
invitation (an address only) next to its members."""

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope

from accounts.models import ServiceTier
from demo import tenancy as demo_people
from tenancy.models import Invitation, InvitationStatus, User

pytestmark = pytest.mark.django_db


def test_demo_people_have_tiers_and_one_pending_invitation(client):
    people = demo_people.seed_people()
    for tenant in (people.tenant, people.second_tenant):
        with scope(tenant=tenant):
            assert ServiceTier.objects.filter(tenant=tenant).count() == 3
    with scope(tenant=people.tenant):
        invitation = Invitation.objects.get(tenant=people.tenant)
    assert (invitation.email, invitation.status) == (demo_people.PENDING_INVITEE, InvitationStatus.PENDING)
    assert not User.objects.filter(email=demo_people.PENDING_INVITEE).exists()
    assert mail.outbox == []  # the demo's addresses are not real: nothing is mailed
    client.force_login(people.admin)
    page = client.get(reverse("tenancy:member_list")).content.decode()
    assert 'data-testid="pending-invitations"' in page and demo_people.PENDING_INVITEE in page
