"""Background work: a real Celery worker (with Redis) runs tenant tasks inside the right scope."""

import pytest
from django.conf import settings
from django.core import mail
from django_scopes import scope

from tenancy import services
from tenancy.models import Membership, Role, Team
from tenancy.tasks import membership_send_invitation_task

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _run(result):
    # With a worker, wait for its result through the Redis result backend.
    return result.get(timeout=60, propagate=False) if settings.REDIS_URL else result.result


def _invite(tenant, email, by):
    with scope(tenant=tenant):
        return Membership.objects.create(
            tenant=tenant,
            user=services.user_create(email=email),
            role=Role.CSM,
            team=Team.CUSTOMER_SUCCESS,
            invited_by=by,
        )


def test_task_runs_in_the_tenant_it_was_given(worker, tenant_a, alice):
    membership = _invite(tenant_a, "new.csm@alpha.example", alice)
    result = membership_send_invitation_task.delay(tenant_id=tenant_a.pk, membership_id=membership.pk)
    assert _run(result) == membership.pk
    assert result.successful()
    with scope(tenant=tenant_a):
        assert Membership.objects.get(pk=membership.pk).invitation_sent_at is not None
    assert [m.to for m in mail.outbox] == [["new.csm@alpha.example"]]
    assert "Tenant Alpha" in mail.outbox[0].subject


def test_task_cannot_reach_another_tenants_rows(worker, tenant_a, tenant_b, alice):
    membership = _invite(tenant_a, "new.csm@alpha.example", alice)
    # Told it works for tenant B, the task must not find tenant A's membership.
    if settings.REDIS_URL:
        result = membership_send_invitation_task.delay(tenant_id=tenant_b.pk, membership_id=membership.pk)
        _run(result)
        assert result.failed()
        assert type(result.result).__name__ == "DoesNotExist"
    else:
        with pytest.raises(Membership.DoesNotExist):
            membership_send_invitation_task.delay(tenant_id=tenant_b.pk, membership_id=membership.pk)
    with scope(tenant=tenant_a):
        assert Membership.objects.get(pk=membership.pk).invitation_sent_at is None
    assert mail.outbox == []


def test_task_without_tenant_refuses_to_run(worker, tenant_a, alice):
    membership = _invite(tenant_a, "new.csm@alpha.example", alice)
    with pytest.raises(TypeError, match="tenant_id"):
        membership_send_invitation_task.delay(membership_id=membership.pk)


def test_inviting_a_member_sends_the_invitation_after_commit(worker, finished_tasks, tenant_a, alice):
    with scope(tenant=tenant_a):
        membership = services.membership_invite(
            tenant=tenant_a,
            email="late@alpha.example",
            full_name="Late Joiner",
            role=Role.VIEWER,
            team=Team.SALES,
            by=alice,
        )
    name, state = finished_tasks.get(timeout=60)
    assert (name, state) == (membership_send_invitation_task.name, "SUCCESS")
    with scope(tenant=tenant_a):
        membership.refresh_from_db()
    assert membership.invitation_sent_at is not None
    assert mail.outbox[0].to == ["late@alpha.example"]
    assert "/password-reset/" in mail.outbox[0].body
