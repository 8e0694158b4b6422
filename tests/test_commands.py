import pytest
from django.core.management import CommandError, call_command
from django_scopes import scope, scopes_disabled

from tenancy.demo import DEMO_PASSWORD
from tenancy.models import Membership, Role, Tenant, User

pytestmark = pytest.mark.django_db


def test_createtenant_bootstraps_tenant_and_admin(capsys):
    call_command("createtenant", "Initech", "--admin-email", "Ops@Initech.example", "--currency", "gbp")
    tenant = Tenant.objects.get(slug="initech")
    assert tenant.currency == "GBP"
    with scope(tenant=tenant):
        membership = Membership.objects.get()
    assert membership.user.email == "ops@initech.example"
    assert membership.role == Role.ADMIN
    out = capsys.readouterr().out
    password = out.split("Password for ops@initech.example: ")[1].strip()
    assert membership.user.check_password(password)


def test_createtenant_refuses_a_taken_slug():
    call_command("createtenant", "Initech", "--admin-email", "a@initech.example", "--admin-password", "x" * 12)
    with pytest.raises(CommandError, match="exists already"):
        call_command("createtenant", "Initech", "--admin-email", "b@initech.example")


def test_seed_demo_loads_two_tenants_once(capsys):
    # A week of score history is enough here; `make run` loads 90 days.
    call_command("seed_demo", "--score-days", "8")
    call_command("seed_demo")
    acme = Tenant.objects.get(slug="acme-analytics")
    assert acme.name == "Acme Analytics"
    assert Tenant.objects.count() == 2
    with scope(tenant=acme):
        roles = sorted(Membership.objects.values_list("role", flat=True))
    assert roles.count(Role.CSM) == 3
    assert Role.ADMIN in roles and Role.LEADER in roles
    leader = User.objects.get(email="leader@acme.example")
    assert leader.check_password(DEMO_PASSWORD)
    with scopes_disabled():
        assert Membership.objects.filter(user=leader).count() == 2
    assert "nothing to do" in capsys.readouterr().out
    with scope(tenant=acme):
        _assert_demo_health(acme)


def _assert_demo_health(acme):
    """The demo's stories come out as bands, signals and explanations."""
    from accounts.models import Account
    from health.models import HealthScore, HealthSignal

    active = Account.objects.filter(tenant=acme, status="active")
    bands = set(active.values_list("health_band", flat=True))
    assert {"green", "yellow", "red"} <= bands
    assert HealthScore.objects.filter(tenant=acme).values("day").distinct().count() == 9
    kinds = set(HealthSignal.objects.filter(tenant=acme, status="open").values_list("kind", flat=True))
    assert {"power_user_inactive", "expansion", "late_payment", "nps_detractor"} <= kinds
    silent = HealthSignal.objects.filter(tenant=acme, kind="power_user_inactive").select_related("contact").first()
    assert silent.contact.name in silent.message and "inactive" in silent.message
    latest = HealthScore.objects.filter(tenant=acme, account=silent.account).order_by("-day").first()
    assert latest.measures["power_users"]["raw"] >= 21


def test_createtenant_explains_a_bad_currency():
    with pytest.raises(CommandError, match="is not a currency code"):
        call_command("createtenant", "Initech", "--admin-email", "a@initech.example", "--currency", "euros")
    assert not Tenant.objects.filter(slug="initech").exists()
    assert not User.objects.filter(email="a@initech.example").exists()
