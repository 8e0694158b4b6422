"""Renewal settings pages: everyone reads them, only an admin changes runway steps, reasons and rules."""

import pytest
from django.urls import reverse
from django_scopes import scope

from renewals import services
from renewals.models import OutcomeReason, RunwayStep
from tenancy.models import Role

pytestmark = pytest.mark.django_db


def step_at(tenant, segment: str, days_before: int) -> RunwayStep:
    with scope(tenant=tenant):
        return next(s for s in services.runway_steps(tenant=tenant, segment=segment) if s.days_before == days_before)


def reason_called(tenant, label: str) -> OutcomeReason:
    with scope(tenant=tenant):
        return next(r for r in services.outcome_reasons(tenant=tenant) if r.label == label)


def test_the_settings_page_shows_the_runway_grid_reasons_and_rules(tenant_a, alice, bob, login):
    body = login(bob).get(reverse("renewals:settings")).content.decode()
    assert 'data-testid="runway-enterprise"' in body and "Internal health and risk review" in body
    assert "T-180" in body and "T-14" in body
    assert "Replaced by a competitor" in body
    assert "60 days: inside it" in body
    assert "Only a tenant admin may change these." in body
    assert reverse("renewals:runway_step_new") not in body
    admin_body = login(alice).get(reverse("renewals:settings")).content.decode()
    assert reverse("renewals:runway_step_edit", args=[step_at(tenant_a, "enterprise", 180).pk]) in admin_body


def test_an_admin_edits_a_runway_step(tenant_a, alice, login):
    step = step_at(tenant_a, "mid_market", 120)
    client = login(alice)
    url = reverse("renewals:runway_step_edit", args=[step.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "segment": "mid_market",
            "days_before": "150",
            "title": "Executive sponsor check-in",
            "description": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        step.refresh_from_db()
    assert (step.days_before, step.title, step.is_active) == (150, "Executive sponsor check-in", True)

    client.post(reverse("renewals:runway_step_active", args=[step.pk]), {"is_active": "0"})
    with scope(tenant=tenant_a):
        step.refresh_from_db()
        assert not step.is_active
        assert 150 not in [s.days_before for s in services.runway_steps(tenant=tenant_a, segment="mid_market")]


def test_a_runway_step_on_a_taken_day_shows_the_services_message(tenant_a, alice, login):
    response = login(alice).post(
        reverse("renewals:runway_step_new"),
        {"segment": "smb", "days_before": "60", "title": "Second proposal", "is_active": "on"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["days_before"] == ["SMB already has a step at T-60."]
    assert "SMB already has a step at T-60." in response.content.decode()


def test_an_admin_adds_and_deletes_a_runway_step(tenant_a, alice, login):
    client = login(alice)
    response = client.post(
        reverse("renewals:runway_step_new"),
        {"segment": "smb", "days_before": "90", "title": "Usage review", "is_active": "on"},
    )
    assert response.status_code == 302
    added = step_at(tenant_a, "smb", 90)
    assert added.title == "Usage review"
    client.post(reverse("renewals:runway_step_delete", args=[added.pk]))
    with scope(tenant=tenant_a):
        assert not RunwayStep.objects.filter(tenant=tenant_a, pk=added.pk).exists()


def test_an_admin_edits_adds_and_deactivates_a_reason(tenant_a, alice, login):
    client = login(alice)
    reason = reason_called(tenant_a, "Price objection")
    response = client.post(
        reverse("renewals:outcome_reason_edit", args=[reason.pk]),
        {"label": "Price too high for the value", "applies_to": "contraction", "position": "3", "is_active": "on"},
    )
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        reason.refresh_from_db()
    assert (reason.label, reason.applies_to) == ("Price too high for the value", "contraction")

    response = client.post(
        reverse("renewals:outcome_reason_new"),
        {"label": "Champion left", "applies_to": "both", "position": "1", "is_active": "on"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["label"] == ["There is already a reason called 'Champion left'."]
    assert (
        client.post(
            reverse("renewals:outcome_reason_new"),
            {"label": "Security review failed", "applies_to": "churn", "position": "9", "is_active": "on"},
        ).status_code
        == 302
    )

    client.post(reverse("renewals:outcome_reason_active", args=[reason.pk]), {"is_active": "0"})
    with scope(tenant=tenant_a):
        assert reason.label not in [r.label for r in services.outcome_reasons(tenant=tenant_a)]
        assert "Security review failed" in [r.label for r in services.outcome_reasons(tenant=tenant_a)]


def test_an_admin_changes_the_rules_and_errors_show_by_field(tenant_a, alice, login):
    client = login(alice)
    url = reverse("renewals:settings_rules")
    response = client.post(
        url, {"review_window_days": "45", "default_notice_days": "60", "expansion_estimate_pct": "900"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["expansion_estimate_pct"]
    response = client.post(
        url, {"review_window_days": "45", "default_notice_days": "60", "expansion_estimate_pct": "25"}
    )
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        rules = services.renewal_settings(tenant=tenant_a)
    assert (rules.review_window_days, rules.product_led_auto_renew, rules.default_notice_days) == (45, False, 60)
    assert rules.expansion_estimate_pct == 25


@pytest.mark.parametrize("role", [Role.CSM, Role.LEADER, Role.VIEWER])
def test_only_an_admin_changes_settings(tenant_a, member_of, login, role):
    step = step_at(tenant_a, "enterprise", 180)
    reason = reason_called(tenant_a, "Champion left")
    client = login(member_of(role))
    assert client.get(reverse("renewals:settings")).status_code == 200
    refused = [
        client.get(reverse("renewals:runway_step_new")),
        client.post(reverse("renewals:runway_step_new"), {"segment": "smb", "days_before": "90", "title": "x"}),
        client.post(
            reverse("renewals:runway_step_edit", args=[step.pk]),
            {"segment": "enterprise", "days_before": "170", "title": "x"},
        ),
        client.post(reverse("renewals:runway_step_active", args=[step.pk]), {"is_active": "0"}),
        client.post(reverse("renewals:runway_step_delete", args=[step.pk])),
        client.post(reverse("renewals:outcome_reason_new"), {"label": "x", "applies_to": "both", "position": "1"}),
        client.post(
            reverse("renewals:outcome_reason_edit", args=[reason.pk]),
            {"label": "y", "applies_to": "both", "position": "1"},
        ),
        client.post(reverse("renewals:outcome_reason_active", args=[reason.pk]), {"is_active": "0"}),
        client.post(
            reverse("renewals:settings_rules"),
            {"review_window_days": "10", "default_notice_days": "1", "expansion_estimate_pct": "1"},
        ),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    with scope(tenant=tenant_a):
        step.refresh_from_db()
        reason.refresh_from_db()
        assert (step.days_before, step.title, step.is_active) == (180, "Internal health and risk review", True)
        assert (reason.label, reason.is_active) == ("Champion left", True)
        assert services.renewal_settings(tenant=tenant_a).review_window_days == 60
