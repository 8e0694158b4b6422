"""Whether an account meets a playbook's conditions, tested against the account as it is when the trigger
fires. The facts of many accounts are read at once (a constant number of queries per batch), so a night
that raises two thousand signals costs what a handful does; every clause's verdict is kept on the run, so
a CSM can see why a playbook ran or did not."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Max

from accounts.models import Account, CustomFieldDefinition, CustomFieldType
from journeys.peers import accounts_stages
from renewals.peers import accounts_next_renewal
from tenancy.models import Tenant

from ..models import PlaybookRun, RunStatus

# Runs that count as "had this playbook": it acted (a held or skipped run did nothing for the account).
ACTED = (RunStatus.DONE, RunStatus.PARTIAL, RunStatus.RUNNING)


@dataclass
class AccountFacts:
    """What the conditions can ask of an account, read once per batch."""

    account_id: int
    name: str
    segment: str
    tier: str  # the touch model of its service tier, "" without one
    arr: Decimal
    acv: Decimal
    owner_id: int | None
    health_band: str
    health_score: int | None
    stages: set[str] = field(default_factory=set)
    days_to_renewal: int | None = None
    custom: dict[str, Any] = field(default_factory=dict)
    is_active: bool = True


def account_facts(*, tenant: Tenant, account_ids, today: dt.date) -> dict[int, AccountFacts]:
    """The facts of every account in `account_ids` (that exists in the tenant): three queries whatever
    their number."""
    ids = list(account_ids)
    accounts = Account.objects.filter(tenant=tenant, pk__in=ids).select_related("service_tier")
    stages = accounts_stages(tenant=tenant, account_ids=ids)
    renewals = accounts_next_renewal(tenant=tenant, account_ids=ids)
    return {
        account.pk: AccountFacts(
            account_id=account.pk,
            name=account.name,
            segment=account.segment,
            tier=account.service_tier.touch_model if account.service_tier else "",
            arr=account.arr,
            acv=account.acv,
            owner_id=account.owner_id,
            health_band=account.health_band,
            health_score=account.health_score,
            stages=stages.get(account.pk, set()),
            days_to_renewal=(renewals[account.pk] - today).days if account.pk in renewals else None,
            custom=dict(account.custom_fields or {}),
            is_active=account.status == "active",
        )
        for account in accounts
    }


def last_runs(*, tenant: Tenant, playbook_id: int, account_ids) -> dict[int, dt.datetime]:
    """Per account, when this playbook last acted for it."""
    rows = (
        PlaybookRun.objects.filter(
            tenant=tenant, playbook_id=playbook_id, account_id__in=list(account_ids), status__in=ACTED
        )
        .values("account_id")
        .annotate(last=Max("fired_at"))
    )
    return {row["account_id"]: row["last"] for row in rows}


def custom_field_types(*, tenant: Tenant) -> dict[str, str]:
    """The tenant's custom fields and their types, so a clause compares a yes/no field as true/false."""
    return dict(CustomFieldDefinition.objects.filter(tenant=tenant).values_list("key", "field_type"))


def _number(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


YES = {"yes", "true", "1", "ja", "y"}
NO = {"no", "false", "0", "nein", "n"}


def _typed(value: Any, field_type: str | None) -> Any:
    """A clause's value as the field stores it: "Yes" means True for a yes/no field (a rule written
    `= Yes` must match a stored true), numbers compare as numbers."""
    if field_type == CustomFieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        return True if text in YES else False if text in NO else value
    if field_type == CustomFieldType.NUMBER:
        number = _number(value)
        return value if number is None else number
    return value


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op in ("in", "not_in"):
        options = expected if isinstance(expected, list) else [expected]
        options = [str(option) for option in options]
        if isinstance(actual, set):
            hit = any(str(item) in options for item in actual)
        else:
            hit = actual is not None and str(actual) in options
        return hit if op == "in" else not hit
    if op in ("gte", "lte"):
        left, right = _number(actual), _number(expected)
        if left is None or right is None:
            return False
        return left >= right if op == "gte" else left <= right
    if op in ("eq", "neq"):
        left_number, right_number = _number(actual), _number(expected)
        if left_number is not None and right_number is not None:
            same = left_number == right_number
        elif isinstance(actual, bool) or isinstance(expected, bool):
            same = actual is expected or actual == expected
        else:
            same = actual is not None and str(actual).strip().lower() == str(expected).strip().lower()
        return same if op == "eq" else not same
    if op == "contains":
        return actual is not None and str(expected).strip().lower() in str(actual).lower()
    raise ValueError(f"Unknown operator {op!r}")


def _actual(clause_field: str, facts: AccountFacts) -> Any:
    if clause_field.startswith("custom:"):
        return facts.custom.get(clause_field.split(":", 1)[1])
    return {
        "segment": facts.segment,
        "tier": facts.tier,
        "arr": facts.arr,
        "acv": facts.acv,
        "owner": facts.owner_id,
        "health_band": facts.health_band,
        "health_score": facts.health_score,
        "journey_stage": facts.stages,
        "days_to_renewal": facts.days_to_renewal,
    }[clause_field]


def _shown(value: Any) -> Any:
    """A value as the run keeps it (JSON)."""
    if isinstance(value, set):
        return sorted(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def conditions_evaluate(
    *,
    conditions: list[dict],
    facts: AccountFacts,
    last_run_at: dt.datetime | None,
    now: dt.datetime,
    field_types: dict[str, str] | None = None,
) -> tuple[bool, list[dict]]:
    """(all hold, each clause with the account's value and its verdict). A clause that names something the
    account does not have (no renewal, no score, an empty custom field) does not hold."""
    verdicts = []
    for clause in conditions:
        name, op, expected = clause.get("field", ""), clause.get("op", ""), clause.get("value")
        if name == "playbook_history":
            days = int(_number(expected) or 0)
            recent = last_run_at is not None and last_run_at >= now - dt.timedelta(days=days)
            held = recent if op == "within" else not recent
            actual: Any = last_run_at
        else:
            actual = _actual(name, facts)
            if name.startswith("custom:"):
                field_type = (field_types or {}).get(name.split(":", 1)[1])
                actual = _typed(actual, field_type)
                expected = (
                    [_typed(item, field_type) for item in expected]
                    if isinstance(expected, list)
                    else _typed(expected, field_type)
                )
            held = _compare(op, actual, expected)
        verdicts.append(
            {"field": name, "op": op, "value": _shown(clause.get("value")), "actual": _shown(actual), "held": held}
        )
    return all(verdict["held"] for verdict in verdicts), verdicts
