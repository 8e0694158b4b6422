"""The cadence pages from the outside: who sees and changes what, enrolling by hand and exiting with a reason."""

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scope

from communications.models import Cadence, CadenceStep, CalendarEntry, Enrollment, EnrollmentStatus, EntryStatus
from communications.services import cadences, enrollment_end
from core import tenant_time
from tenancy.models import Role

from .builders import contact_of, make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    contact_of(tenant_a, account, 1, name="Jane Roe")
    return account


@pytest.fixture
def defaults(tenant_a):
    with scope(tenant=tenant_a):
        cadences.cadences_ensure_defaults(tenant=tenant_a)
        return {c.key: c for c in Cadence.objects.filter(tenant=tenant_a)}


def today(tenant) -> dt.date:
    return tenant_time.today(tenant)


def enrolled(tenant, cadence, account, anchor_on=None, ref=""):
    with scope(tenant=tenant):
        return cadences.enrollment_enrol(
            cadence=cadence, account=account, anchor_on=anchor_on or today(tenant), anchor_ref=ref
        )


STEP = {
    "step-offset_days": "3",
    "step-send_hour": "9",
    "step-message_type": "educational",
    "step-channel": "email",
    "step-team": "customer_success",
    "step-audience_role": "",
    "step-subject": "A tip for {{ account.name }}",
    "step-body": "Hi {{ contact.first_name }}",
    "step-fallbacks": "contact.first_name = there",
}


def test_the_list_shows_the_seeds_cadences_to_every_member(tenant_a, member_of, login):
    viewer = member_of(Role.VIEWER)
    response = login(viewer).get(reverse("communications:cadences"))

    body = response.content.decode()
    assert response.status_code == 200
    for name in ("Onboarding", "Adoption nurture", "Retention touchpoints", "Renewal", "Expansion ask", "Advocacy ask"):
        assert name in body
    assert "health green only" in body and 'id="communications-nav"' in body


def test_a_cadence_shows_its_steps_and_only_admins_get_the_forms(tenant_a, defaults, alice, bob, login):
    url = reverse("communications:cadence", args=[defaults["renewal"].pk])

    as_bob = login(bob).get(url).content.decode()
    as_alice = login(alice).get(url).content.decode()

    assert "T-90" in as_bob and "T-7" in as_bob and "Leadership" in as_bob
    assert 'id="step-new"' not in as_bob and 'id="step-new"' in as_alice
    assert "{{ contact.first_name }}" in as_alice  # the merge-field reference


def test_an_admin_adds_edits_and_deletes_a_step(tenant_a, defaults, alice, login):
    cadence = defaults["adoption"]
    client = login(alice)

    response = client.post(reverse("communications:cadence_step_new", args=[cadence.pk]), STEP)
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        step = CadenceStep.objects.get(cadence=cadence, offset_days=3)
    assert (step.send_hour, step.fallbacks) == (9, {"contact.first_name": "there"})

    edit = {k.removeprefix("step-"): v for k, v in STEP.items()} | {"offset_days": "4", "send_hour": "15"}
    assert client.post(reverse("communications:cadence_step_edit", args=[step.pk]), edit).status_code == 302
    with scope(tenant=tenant_a):
        step.refresh_from_db()
    assert (step.offset_days, step.send_hour) == (4, 15)

    assert client.post(reverse("communications:cadence_step_delete", args=[step.pk])).status_code == 302
    with scope(tenant=tenant_a):
        assert not CadenceStep.objects.filter(pk=step.pk).exists()


def test_a_step_with_a_field_outside_the_context_is_refused(tenant_a, defaults, alice, login):
    response = login(alice).post(
        reverse("communications:cadence_step_new", args=[defaults["adoption"].pk]),
        STEP | {"step-subject": "{{ settings.SECRET_KEY }}"},
    )

    assert response.status_code == 400
    assert "{{ settings.SECRET_KEY }}: not a merge field" in response.content.decode()


def test_an_admin_switches_a_cadence_off(tenant_a, defaults, alice, login):
    cadence = defaults["advocacy"]
    response = login(alice).post(
        reverse("communications:cadence", args=[cadence.pk]),
        {"cadence-name": "Advocacy ask", "cadence-description": "", "cadence-trigger": "advocacy"},
    )
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        cadence.refresh_from_db()
    assert not cadence.is_active


@pytest.mark.parametrize("role", [Role.CSM, Role.LEADER, Role.VIEWER])
def test_only_admins_configure_cadences(tenant_a, defaults, member_of, login, role):
    client = login(member_of(role))
    cadence = defaults["adoption"]
    with scope(tenant=tenant_a):
        step = CadenceStep.objects.filter(cadence=cadence).first()

    assert client.post(reverse("communications:cadence_step_new", args=[cadence.pk]), STEP).status_code == 403
    assert client.post(reverse("communications:cadence_step_delete", args=[step.pk])).status_code == 403
    assert client.get(reverse("communications:cadence_step_edit", args=[step.pk])).status_code == 403
    assert client.post(reverse("communications:cadence", args=[cadence.pk]), {"cadence-name": "x"}).status_code == 403
    with scope(tenant=tenant_a):
        assert CadenceStep.objects.filter(pk=step.pk).exists()


def test_a_csm_enrols_their_account_by_hand(tenant_a, defaults, account, bob, login):
    client = login(bob)
    url = reverse("communications:enrol", args=[account.pk])
    assert "Enrol Account 001" in client.get(url).content.decode()

    anchor = today(tenant_a) + dt.timedelta(days=1)
    response = client.post(url, {"cadence": defaults["adoption"].pk, "anchor_on": anchor.isoformat()}, follow=True)

    with scope(tenant=tenant_a):
        enrollment = Enrollment.objects.get(tenant=tenant_a, account=account)
        planned = CalendarEntry.objects.filter(enrollment=enrollment).count()
    assert (enrollment.enrolled_by_id, enrollment.anchor_on, planned) == (bob.pk, anchor, 4)
    assert f"Enrolled Account 001 in Adoption nurture from {anchor:%-d %b %Y}: 4 messages planned" in (
        response.content.decode()
    )
    again = client.post(url, {"cadence": defaults["adoption"].pk, "anchor_on": anchor.isoformat()}, follow=True)
    assert "is already in Adoption nurture by hand" in again.content.decode()


def test_a_csm_may_not_enrol_or_exit_someone_elses_account(tenant_a, defaults, account, member_of, login):
    other_csm = login(member_of(Role.CSM))
    enrollment = enrolled(tenant_a, defaults["adoption"], account)

    post = {"cadence": defaults["adoption"].pk, "anchor_on": today(tenant_a).isoformat()}
    assert other_csm.post(reverse("communications:enrol", args=[account.pk]), post).status_code == 403
    exit_url = reverse("communications:enrollment_exit", args=[enrollment.pk])
    assert other_csm.post(exit_url, {"reason": "Mine now"}).status_code == 403
    with scope(tenant=tenant_a):
        enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE


def test_exit_with_a_reason_cancels_the_planned_messages(tenant_a, defaults, account, bob, login):
    enrollment = enrolled(tenant_a, defaults["adoption"], account)
    client = login(bob)
    url = reverse("communications:enrollment_exit", args=[enrollment.pk])
    assert "4 messages not sent yet will be cancelled" in client.get(url).content.decode()

    assert client.post(url, {"reason": ""}).status_code == 400
    response = client.post(url, {"reason": "The customer asked for fewer emails"})

    assert response.status_code == 302
    with scope(tenant=tenant_a):
        statuses = set(CalendarEntry.objects.filter(enrollment=enrollment).values_list("status", "status_reason"))
    assert statuses == {
        (EntryStatus.CANCELLED, "Bob Csm ended the enrolment in Adoption nurture: The customer asked for fewer emails")
    }


def test_enrolments_filter_by_cadence_status_and_account(tenant_a, defaults, account, alice, login):
    other = make_account(tenant_a, 2)
    contact_of(tenant_a, other, 2)
    first = enrolled(tenant_a, defaults["adoption"], account)
    second = enrolled(tenant_a, defaults["advocacy"], other)
    with scope(tenant=tenant_a):
        enrollment_end.enrollment_exit(enrollment=second, reason="Not a promoter after all")
    client = login(alice)

    def shown(**params):
        return [e.pk for e in client.get(reverse("communications:enrollments"), params).context["page"].object_list]

    assert set(shown()) == {first.pk, second.pk}
    assert shown(cadence=defaults["adoption"].pk) == [first.pk]
    assert shown(status="exited") == [second.pk]
    assert shown(account=other.pk) == [second.pk]
    body = client.get(reverse("communications:enrollments"), {"account": account.pk}).content.decode()
    assert "Enrol Account 001" in body


def test_the_enrolment_list_costs_the_same_for_many_rows(
    tenant_a, defaults, account, alice, login, django_assert_max_num_queries
):
    for n in range(2, 14):
        other = make_account(tenant_a, n)
        contact_of(tenant_a, other, n)
        enrolled(tenant_a, defaults["expansion"], other)
    client = login(alice)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("communications:enrollments"))
    assert len(response.context["page"].object_list) == 12

    with django_assert_max_num_queries(12):
        assert client.get(reverse("communications:cadences")).status_code == 200


def test_other_tenants_cadences_and_enrolments_are_404(tenant_a, defaults, account, charlie, login):
    enrollment = enrolled(tenant_a, defaults["adoption"], account)
    with scope(tenant=tenant_a):
        step = CadenceStep.objects.filter(cadence=defaults["adoption"]).first()
    client = login(charlie)

    for url in (
        reverse("communications:cadence", args=[defaults["adoption"].pk]),
        reverse("communications:cadence_step_edit", args=[step.pk]),
        reverse("communications:enrol", args=[account.pk]),
        reverse("communications:enrollment_exit", args=[enrollment.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"reason": "x"}).status_code == 404, url
    assert client.post(reverse("communications:cadence_step_delete", args=[step.pk])).status_code == 404
    body = client.get(reverse("communications:enrollments")).content.decode()
    assert "Account 001" not in body
