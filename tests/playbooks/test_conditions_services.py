"""A playbook's conditions against accounts as they are: each clause's verdict, read for many accounts in a
constant number of queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope

from accounts.services.custom_fields import custom_field_define
from playbooks.services.conditions import account_facts, conditions_evaluate, custom_field_types

from ..accounts.builders import make_account

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 7)


def facts_of(tenant, account):
    with scope(tenant=tenant):
        return account_facts(tenant=tenant, account_ids=[account.pk], today=TODAY)[account.pk]


def test_segment_arr_and_owner_clauses_each_say_why(tenant_a, bob):
    account = make_account(tenant_a, 1, acv=80_000, segment="enterprise", owner=bob)
    facts = facts_of(tenant_a, account)
    held, verdicts = conditions_evaluate(
        conditions=[
            {"field": "segment", "op": "in", "value": ["enterprise"]},
            {"field": "arr", "op": "gte", "value": 50_000},
            {"field": "owner", "op": "in", "value": [bob.pk]},
        ],
        facts=facts,
        last_run_at=None,
        now=timezone.now(),
    )
    assert held is True
    assert [v["actual"] for v in verdicts] == ["enterprise", 80_000.0, bob.pk]
    held, verdicts = conditions_evaluate(
        conditions=[
            {"field": "segment", "op": "in", "value": ["enterprise"]},
            {"field": "arr", "op": "lte", "value": 50_000},
        ],
        facts=facts,
        last_run_at=None,
        now=timezone.now(),
    )
    assert held is False
    assert [v["held"] for v in verdicts] == [True, False]


def test_a_missing_value_never_holds(tenant_a):
    account = make_account(tenant_a, 2)
    facts = facts_of(tenant_a, account)
    assert facts.health_score is None and facts.days_to_renewal is None
    for clause in (
        {"field": "health_score", "op": "lte", "value": 50},
        {"field": "days_to_renewal", "op": "lte", "value": 90},
        {"field": "health_band", "op": "in", "value": ["red"]},
    ):
        held, _ = conditions_evaluate(conditions=[clause], facts=facts, last_run_at=None, now=timezone.now())
        assert held is False, clause
    held, _ = conditions_evaluate(
        conditions=[{"field": "health_band", "op": "not_in", "value": ["red"]}],
        facts=facts,
        last_run_at=None,
        now=timezone.now(),
    )
    assert held is True


def test_a_yes_no_custom_field_matches_yes_against_a_stored_true(tenant_a):
    with scope(tenant=tenant_a):
        custom_field_define(tenant=tenant_a, label="Has SSO", key="has_sso", field_type="boolean")
        custom_field_define(tenant=tenant_a, label="Seats used", key="seats_used", field_type="number")
    yes = make_account(tenant_a, 3, custom_fields={"has_sso": True, "seats_used": 40})
    no = make_account(tenant_a, 4, custom_fields={"has_sso": False, "seats_used": 4})
    with scope(tenant=tenant_a):
        types = custom_field_types(tenant=tenant_a)
    rule = [
        {"field": "custom:has_sso", "op": "eq", "value": "Yes"},
        {"field": "custom:seats_used", "op": "gte", "value": "10"},
    ]
    now = timezone.now()
    assert conditions_evaluate(
        conditions=rule, facts=facts_of(tenant_a, yes), last_run_at=None, now=now, field_types=types
    )[0]
    assert not conditions_evaluate(
        conditions=rule, facts=facts_of(tenant_a, no), last_run_at=None, now=now, field_types=types
    )[0]


def test_playbook_history_looks_back_the_given_days(tenant_a):
    account = make_account(tenant_a, 5)
    facts = facts_of(tenant_a, account)
    now = timezone.now()
    not_within = [{"field": "playbook_history", "op": "not_within", "value": 30}]
    assert conditions_evaluate(conditions=not_within, facts=facts, last_run_at=None, now=now)[0]
    assert not conditions_evaluate(conditions=not_within, facts=facts, last_run_at=now - dt.timedelta(days=3), now=now)[
        0
    ]
    assert conditions_evaluate(conditions=not_within, facts=facts, last_run_at=now - dt.timedelta(days=45), now=now)[0]


def test_facts_of_many_accounts_cost_what_one_does(tenant_a, django_assert_max_num_queries):
    ids = [make_account(tenant_a, n, acv=1000 * n).pk for n in range(10, 40)]
    with scope(tenant=tenant_a), django_assert_max_num_queries(3):
        facts = account_facts(tenant=tenant_a, account_ids=ids, today=TODAY)
    assert sorted(facts) == sorted(ids)
    assert facts[ids[5]].acv == Decimal(15_000)


def test_another_tenants_accounts_have_no_facts(tenant_a, tenant_b):
    theirs = make_account(tenant_b, 1)
    with scope(tenant=tenant_a):
        assert account_facts(tenant=tenant_a, account_ids=[theirs.pk], today=TODAY) == {}
