"""Tier assignment by the ACV rule, overrides, and the history of every move."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import Account, TierChange, TierChangeReason, TierOverride

pytestmark = pytest.mark.django_db


def _account(tenant, acv, **fields):
    return services.account_create(
        tenant=tenant,
        by=None,
        external_id=fields.pop("external_id", f"acc-{acv}"),
        name=f"Account {acv}",
        segment="mid_market",
        acv=Decimal(acv),
        arr=Decimal(acv),
        **fields,
    )


def _reasons(account):
    return list(
        TierChange.objects.filter(account=account).order_by("changed_at", "id").values_list("reason", flat=True)
    )


def test_new_account_gets_the_tier_its_acv_calls_for(in_a, tiers):
    assert _account(in_a, 150_000).service_tier == tiers["high"]
    assert _account(in_a, 100_000).service_tier == tiers["high"]  # the band starts at 100,000
    assert _account(in_a, 99_999).service_tier == tiers["low"]
    assert _account(in_a, 9_999).service_tier == tiers["tech"]
    first = TierChange.objects.get(account__external_id="acc-150000")
    assert (first.reason, first.from_tier, first.to_tier, first.actor) == ("initial", None, tiers["high"], None)


def test_acv_change_moves_up_and_contraction_moves_down(in_a, tiers, alice):
    account = _account(in_a, 40_000)
    services.account_update(account=account, by=alice, acv=Decimal(120_000))
    assert account.service_tier == tiers["high"]
    services.account_update(account=account, by=alice, acv=Decimal(8_000))
    assert account.service_tier == tiers["tech"]
    assert _reasons(account) == ["initial", "acv_rule", "contraction"]
    last = TierChange.objects.filter(account=account).latest("changed_at", "id")
    assert (last.from_tier, last.to_tier, last.actor, last.acv) == (tiers["high"], tiers["tech"], alice, Decimal(8_000))


def test_a_change_that_keeps_the_band_records_nothing(in_a, tiers, alice):
    account = _account(in_a, 40_000)
    services.account_update(account=account, by=alice, acv=Decimal(45_000), name="Renamed")
    assert _reasons(account) == ["initial"]


def test_strategic_stays_until_removed(in_a, tiers, alice):
    account = _account(in_a, 40_000)
    services.account_set_tier_override(account=account, kind=TierOverride.STRATEGIC, tier=tiers["high"], by=alice)
    assert account.is_strategic and account.service_tier == tiers["high"]
    services.account_update(account=account, by=alice, acv=Decimal(5_000))
    account.refresh_from_db()
    assert account.service_tier == tiers["high"]
    services.account_remove_tier_override(account=account, by=alice)
    account.refresh_from_db()
    assert account.service_tier == tiers["tech"] and not account.is_strategic
    assert _reasons(account) == ["initial", "strategic", "override_removed"]


def test_at_risk_upgrade_lasts_until_its_expiry(in_a, tiers, alice):
    account = _account(in_a, 40_000)
    today = dt.date(2026, 11, 23)
    services.account_set_tier_override(
        account=account, kind=TierOverride.AT_RISK_UPGRADE, by=alice, today=today, note="Champion left"
    )
    account.refresh_from_db()
    assert account.service_tier == tiers["high"]  # one up from low touch
    assert account.tier_override_until == today + dt.timedelta(days=90)
    assert services.tier_overrides_expire(tenant=in_a, today=account.tier_override_until) == 0
    assert services.tier_overrides_expire(tenant=in_a, today=account.tier_override_until + dt.timedelta(days=1)) == 1
    account.refresh_from_db()
    assert (account.service_tier, account.tier_override) == (tiers["low"], "")
    expired = TierChange.objects.filter(account=account).latest("changed_at", "id")
    assert expired.reason == TierChangeReason.OVERRIDE_EXPIRED and expired.actor is None
    assert "ended 21 Feb 2027" in expired.note


def test_at_risk_upgrade_must_go_up(in_a, tiers, alice):
    account = _account(in_a, 150_000)
    with pytest.raises(ValidationError, match="higher tier"):
        services.account_set_tier_override(account=account, kind=TierOverride.AT_RISK_UPGRADE, by=alice)
    with pytest.raises(ValidationError, match="higher tier"):
        services.account_set_tier_override(
            account=_account(in_a, 40_000, external_id="x"),
            kind=TierOverride.AT_RISK_UPGRADE,
            tier=tiers["tech"],
            by=alice,
        )


def test_manual_override_holds_through_acv_changes(in_a, tiers, alice):
    account = _account(in_a, 150_000)
    services.account_set_tier_override(account=account, kind=TierOverride.MANUAL, tier=tiers["low"], by=alice)
    services.account_update(account=account, by=alice, acv=Decimal(500_000))
    account.refresh_from_db()
    assert account.service_tier == tiers["low"]


def test_changing_tier_bands_moves_rule_accounts_only(in_a, tiers, alice):
    ruled = _account(in_a, 90_000)
    held = _account(in_a, 95_000)
    services.account_set_tier_override(account=held, kind=TierOverride.MANUAL, tier=tiers["low"], by=alice)
    high, low = tiers["high"], tiers["low"]
    # Bands may overlap: the higher-ranked tier wins.
    high.acv_min = Decimal(80_000)
    _tier, moved = services.tier_save(tier=high, by=alice)
    assert moved == 1
    ruled.refresh_from_db()
    held.refresh_from_db()
    assert ruled.service_tier == high and held.service_tier == low
    assert _reasons(ruled)[-1] == "tiers_changed"


def test_tier_bands_are_validated(in_a, tiers, alice):
    tier = tiers["low"]
    tier.acv_max = Decimal(5_000)
    with pytest.raises(ValidationError, match="upper ACV bound"):
        services.tier_save(tier=tier, by=alice)
    tier.refresh_from_db()
    tier.rank = tiers["high"].rank
    with pytest.raises(ValidationError, match="Another tier has rank"):
        services.tier_save(tier=tier, by=alice)


def test_accounts_are_unique_by_external_id_per_tenant(in_a, tiers):
    _account(in_a, 1_000, external_id="dup")
    with pytest.raises(ValidationError, match="external id 'dup'"):
        _account(in_a, 2_000, external_id="dup")
    assert Account.objects.filter(external_id="dup").count() == 1


def test_the_beat_task_ends_expired_overrides_in_each_tenant(in_a, tiers, alice, tenant_b):
    from accounts.tasks import tier_overrides_expire_all

    account = _account(in_a, 40_000)
    services.account_set_tier_override(
        account=account,
        kind=TierOverride.AT_RISK_UPGRADE,
        by=alice,
        until=dt.date(2020, 1, 2),
        today=dt.date(2020, 1, 1),
    )
    assert tier_overrides_expire_all.delay().get() == 2  # one task for each tenant
    account.refresh_from_db()
    assert account.tier_override == "" and account.service_tier == tiers["low"]
