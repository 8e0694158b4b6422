"""A new tenant works from its first day: however it is made (the UI, `createtenant`, the service), it
has the seed's service tiers, health model, renewal runways, journey expectations, cadences, caps and send
permissions; and asking again for the defaults creates nothing twice and keeps an admin's changes."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_scopes import scope

from accounts.models import ServiceModelSettings, ServiceTier
from communications.defaults import cadences as cadence_defaults
from communications.models import (
    BlackoutRule,
    Cadence,
    CadenceStep,
    CommunicationSettings,
    FrequencyCap,
    SendPermission,
)
from health.models import HealthModel
from journeys.models import ExitCriterion, StageExpectation
from renewals.models import OutcomeReason, RenewalSettings, RunwayStep
from tenancy import services
from tenancy.models import Tenant

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

COUNTED = [
    ServiceTier,
    ServiceModelSettings,
    HealthModel,
    RunwayStep,
    OutcomeReason,
    RenewalSettings,
    ExitCriterion,
    StageExpectation,
    Cadence,
    CadenceStep,
    CommunicationSettings,
    FrequencyCap,
    BlackoutRule,
    SendPermission,
]


def _counts(tenant: Tenant) -> dict[str, int]:
    with scope(tenant=tenant):
        return {model.__name__: model.objects.filter(tenant=tenant).count() for model in COUNTED}


def _assert_ready(tenant: Tenant) -> None:
    counts = _counts(tenant)
    assert not [name for name, n in counts.items() if n == 0], counts
    assert counts["ServiceTier"] == 3
    assert counts["Cadence"] == len(cadence_defaults.CADENCES)
    with scope(tenant=tenant):
        assert HealthModel.objects.filter(tenant=tenant, segment="", is_current=True).count() == 1
        assert set(RunwayStep.objects.filter(tenant=tenant).values_list("segment", flat=True)) == {
            "enterprise",
            "mid_market",
            "smb",
            "product_led",
        }
        # Cost to serve needs a tier with its economics.
        assert all(tier.accounts_per_csm_max for tier in ServiceTier.objects.filter(tenant=tenant))


def test_a_tenant_created_in_the_browser_has_its_defaults(alice, login):
    response = login(alice).post(
        reverse("tenancy:tenant_list"),
        {"name": "Alpha EMEA", "slug": "alpha-emea", "time_zone": "Europe/Paris", "currency": "eur"},
    )
    assert response.status_code == 302
    _assert_ready(Tenant.objects.get(slug="alpha-emea"))


def test_a_tenant_created_with_createtenant_has_its_defaults():
    call_command("createtenant", "Initech", "--admin-email", "ops@initech.example", "--admin-password", "x" * 16)
    _assert_ready(Tenant.objects.get(slug="initech"))


def test_the_service_makes_them_and_a_second_call_makes_nothing_twice():
    tenant = services.tenant_create(name="Hooli", slug="hooli", admin=UserFactory())
    _assert_ready(tenant)
    before = _counts(tenant)
    with scope(tenant=tenant):
        tier = ServiceTier.objects.filter(tenant=tenant).order_by("rank").first()
        tier.name = "Digital"
        tier.save()
    services.tenant_defaults_ensure(tenant=tenant)
    services.tenant_defaults_ensure(tenant=tenant)
    assert _counts(tenant) == before
    with scope(tenant=tenant):
        assert ServiceTier.objects.filter(tenant=tenant, name="Digital").exists()


def test_an_older_tenant_without_defaults_gets_them_once(tenant_a):
    # A tenant made before the defaults existed (the test factory makes them bare).
    assert _counts(tenant_a)["ServiceTier"] == 0
    services.tenant_defaults_ensure(tenant=tenant_a)
    _assert_ready(tenant_a)


def test_ensuretenantdefaults_fills_older_tenants_and_names_an_unknown_one(tenant_a, tenant_b, capsys):
    call_command("ensuretenantdefaults", "alpha")
    _assert_ready(tenant_a)
    assert _counts(tenant_b)["ServiceTier"] == 0
    call_command("ensuretenantdefaults")
    _assert_ready(tenant_b)
    assert "bravo: defaults in place." in capsys.readouterr().out
    with pytest.raises(CommandError, match="No tenant with the slug nowhere"):
        call_command("ensuretenantdefaults", "nowhere")
