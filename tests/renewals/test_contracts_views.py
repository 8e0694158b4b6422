"""The contracts pages from the outside: the list and its filters, a contract's page, and creating,
amending, cancelling and editing one, with who may do what."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from core.text import day
from renewals import services
from renewals.models import Contract, ContractAmendment, Renewal
from tenancy.models import Role

from .builders import contract_for, make_account, reload_contract, today_of

pytestmark = pytest.mark.django_db

LIST = reverse("renewals:contracts")
NEW = reverse("renewals:contract_new")


def rows(response) -> list[int]:
    """The contract ids of the list's rows, in order."""
    return [contract.pk for contract in response.context["page"].object_list]


def amend_url(contract):
    return reverse("renewals:contract_amend", args=[contract.pk])


def cancel_url(contract):
    return reverse("renewals:contract_cancel", args=[contract.pk])


def edit_url(contract):
    return reverse("renewals:contract_edit", args=[contract.pk])


def new_contract_data(account, **overrides) -> dict:
    data = {
        "account": account.pk,
        "start_on": "2026-01-01",
        "end_on": "2026-12-31",
        "term_months": "",
        "arr": "24000",
        "seats": "40",
        "auto_renew": "default",
        "notice_days": "",
        "reference": "CRM-1001",
    }
    return data | overrides


# The list


def test_list_shows_each_contracts_columns(tenant_a, alice, bob, login):
    account = make_account(tenant_a, 1, owner=bob)
    contract = contract_for(tenant_a, account, days_to_end=45, arr=30_000, seats=25, auto_renew=True, reference="H-7")

    response = login(alice).get(LIST)

    assert response.status_code == 200
    body = response.content.decode()
    assert rows(response) == [contract.pk]
    assert "Account 001" in body and "H-7" in body
    assert f"{contract.start_on:%-d %b %Y} \u2013 {contract.end_on:%-d %b %Y}" in body
    assert "12 months" in body and "30,000" in body
    assert f"Yes, notice by {contract.notice_on:%-d %b %Y}" in body
    assert reverse("renewals:contract", args=[contract.pk]) in body
    with scope(tenant=tenant_a):
        renewal = Renewal.objects.get(contract=contract)
    assert reverse("renewals:renewal", args=[renewal.pk]) in body
    assert f"due {renewal.due_on:%-d %b %Y}" in body


def test_list_filters_sorts_and_searches(tenant_a, alice, bob, login):
    mine = contract_for(tenant_a, make_account(tenant_a, 1, owner=bob, segment="smb"), days_to_end=20, arr=10_000)
    later = contract_for(
        tenant_a, make_account(tenant_a, 2, owner=alice), days_to_end=200, arr=90_000, auto_renew=True, reference="ZX-9"
    )
    plg = contract_for(tenant_a, make_account(tenant_a, 3, segment="product_led"), days_to_end=60)
    web = login(alice)

    assert rows(web.get(LIST)) == [mine.pk, plg.pk, later.pk]  # ending soonest first
    assert rows(web.get(LIST, {"sort": "-arr"})) == [later.pk, plg.pk, mine.pk]
    assert rows(web.get(LIST, {"sort": "account"})) == [mine.pk, later.pk, plg.pk]
    assert rows(web.get(LIST, {"segment": "smb"})) == [mine.pk]
    assert rows(web.get(LIST, {"owner": str(bob.pk)})) == [mine.pk]
    assert rows(web.get(LIST, {"owner": "me"})) == [later.pk]
    # Product-led contracts auto-renew by default.
    assert rows(web.get(LIST, {"auto_renew": "yes"})) == [plg.pk, later.pk]
    assert rows(web.get(LIST, {"auto_renew": "no"})) == [mine.pk]
    assert rows(web.get(LIST, {"ending_within": "60"})) == [mine.pk, plg.pk]
    assert rows(web.get(LIST, {"q": "zx-"})) == [later.pk]
    assert rows(web.get(LIST, {"q": "count 003"})) == [plg.pk]
    assert rows(web.get(LIST, {"status": "renewed"})) == []


def test_a_csm_sees_their_own_accounts_first(tenant_a, alice, bob, login):
    own = contract_for(tenant_a, make_account(tenant_a, 1, owner=bob))
    contract_for(tenant_a, make_account(tenant_a, 2, owner=alice))

    response = login(bob).get(LIST)

    assert rows(response) == [own.pk]
    assert "show everyone" in response.content.decode()
    assert len(rows(login(bob).get(LIST, {"owner": "all"}))) == 2


def test_an_invalid_filter_is_said_and_ignored(tenant_a, alice, login):
    contract_for(tenant_a, make_account(tenant_a, 1))

    response = login(alice).get(LIST, {"ending_within": "-3"})

    assert response.status_code == 200
    assert len(rows(response)) == 1
    assert 'data-testid="filter-errors"' in response.content.decode()


def test_list_paginates_by_25(tenant_a, alice, login):
    for n in range(1, 28):
        contract_for(tenant_a, make_account(tenant_a, n), days_to_end=10 + n)

    web = login(alice)
    assert len(rows(web.get(LIST))) == 25
    assert len(rows(web.get(LIST, {"page": 2}))) == 2


@pytest.mark.parametrize("count", [5, 30])
def test_list_queries_do_not_grow_with_rows(tenant_a, alice, bob, login, count, django_assert_max_num_queries):
    for n in range(1, count + 1):
        contract_for(tenant_a, make_account(tenant_a, n, owner=bob if n % 2 else alice), days_to_end=10 + n)
    web = login(alice)
    web.get(LIST)  # warm the session and the site's caches

    with django_assert_max_num_queries(10):
        response = web.get(LIST)

    assert len(rows(response)) == min(count, 25)


# A contract's page


def test_contract_page_shows_facts_chain_amendments_and_renewal(tenant_a, alice, login):
    account = make_account(tenant_a, 1)
    first = contract_for(tenant_a, account, days_to_end=-5, reference="H-1")
    second = contract_for(tenant_a, account, days_to_end=360, reference="H-2", renews=first)
    with scope(tenant=tenant_a):
        services.contract_amend(
            contract=second,
            kind="seats_added",
            effective_on=today_of(tenant_a),
            arr_change=Decimal(5000),
            seats_change=10,
            note="Finance team joined",
        )
        renewal = Renewal.objects.get(contract=second)

    response = login(alice).get(reverse("renewals:contract", args=[second.pk]))

    assert response.status_code == 200
    body = response.content.decode()
    assert "55,000 EUR" in body  # ARR now: 50,000 signed + 5,000
    assert 'data-testid="renews"' in body and reverse("renewals:contract", args=[first.pk]) in body
    assert "Finance team joined" in body and "+5,000 EUR" in body
    assert reverse("renewals:renewal", args=[renewal.pk]) in body
    first_page = login(alice).get(reverse("renewals:contract", args=[first.pk])).content.decode()
    assert 'data-testid="renewed-by"' in first_page and reverse("renewals:contract", args=[second.pk]) in first_page


def test_another_tenant_gets_404(tenant_a, alice, charlie, login):
    contract = contract_for(tenant_a, make_account(tenant_a, 1))

    assert login(charlie).get(reverse("renewals:contract", args=[contract.pk])).status_code == 404
    assert login(charlie).post(amend_url(contract), {}).status_code == 404


# Creating


def test_create_redirects_to_the_new_contract_with_its_renewal(tenant_a, alice, login):
    account = make_account(tenant_a, 1, segment="enterprise")

    response = login(alice).post(NEW, new_contract_data(account))

    with scope(tenant=tenant_a):
        contract = Contract.objects.get(tenant=tenant_a, account=account)
        assert Renewal.objects.filter(contract=contract).exists()
    assert response.status_code == 302
    assert response["Location"] == reverse("renewals:contract", args=[contract.pk])
    assert contract.end_on == dt.date(2026, 12, 31)
    assert contract.arr == Decimal(24000) and contract.seats == 40 and contract.reference == "CRM-1001"
    assert contract.auto_renew is False  # enterprise's default
    assert contract.created_by == alice


def test_create_from_the_term_and_the_segments_default(tenant_a, alice, login):
    account = make_account(tenant_a, 1, segment="product_led")

    login(alice).post(NEW, new_contract_data(account, end_on="", term_months="24", notice_days="45"))

    with scope(tenant=tenant_a):
        contract = Contract.objects.get(tenant=tenant_a, account=account)
    assert contract.end_on == dt.date(2027, 12, 31)
    assert contract.auto_renew is True and contract.notice_days == 45


def test_create_presets_the_account_from_the_query(tenant_a, alice, login):
    account = make_account(tenant_a, 1)

    response = login(alice).get(NEW, {"account": account.pk})

    assert response.status_code == 200
    assert response.context["form"]["account"].value() == account.pk
    assert "New contract for Account 001" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"end_on": "2025-12-01"}, "end_on", "before it starts"),
        ({"arr": "-10"}, "arr", "greater than or equal to 0"),
        ({"start_on": ""}, "start_on", "required"),
    ],
)
def test_create_shows_errors_field_by_field(tenant_a, alice, login, overrides, field, message):
    account = make_account(tenant_a, 1)

    response = login(alice).post(NEW, new_contract_data(account, **overrides))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    with scope(tenant=tenant_a):
        assert not Contract.objects.filter(tenant=tenant_a).exists()


def test_create_refuses_another_tenants_account(tenant_a, tenant_b, alice, login):
    theirs = make_account(tenant_b, 1)

    response = login(alice).post(NEW, new_contract_data(theirs))

    assert response.status_code == 200
    assert "account" in response.context["form"].errors
    with scope(tenant=tenant_b):
        assert not Contract.objects.filter(tenant=tenant_b).exists()
    assert login(alice).get(NEW, {"account": theirs.pk}).status_code == 404


# Amending, cancelling, editing


def test_amend_records_the_change_and_shows_it(tenant_a, alice, login):
    contract = contract_for(tenant_a, make_account(tenant_a, 1), arr=40_000, seats=20)
    web = login(alice)

    response = web.post(
        amend_url(contract),
        {
            "amend-kind": "price_decrease",
            "amend-effective_on": today_of(tenant_a).isoformat(),
            "amend-arr_change": "-4000",
            "amend-seats_change": "0",
            "amend-note": "Discount for the multi-year term",
        },
    )

    assert response.status_code == 302
    contract = reload_contract(tenant_a, contract)
    assert contract.current_arr == Decimal(36000)
    page = web.get(contract.get_absolute_url()).content.decode()
    assert "Discount for the multi-year term" in page and "-4,000 EUR" in page


def test_amend_shows_the_services_refusal_on_the_form(tenant_a, alice, login):
    contract = contract_for(tenant_a, make_account(tenant_a, 1), arr=40_000)

    response = login(alice).post(
        amend_url(contract),
        {
            "amend-kind": "seats_added",
            "amend-effective_on": today_of(tenant_a).isoformat(),
            "amend-arr_change": "-100",
        },
    )

    assert response.status_code == 200
    assert "give the change as a positive amount" in response.content.decode()
    assert response.context["open_form"] == "amend_form"
    with scope(tenant=tenant_a):
        assert not ContractAmendment.objects.filter(tenant=tenant_a).exists()


def test_cancel_before_the_notice_date(tenant_a, alice, login):
    contract = contract_for(tenant_a, make_account(tenant_a, 1), days_to_end=90, auto_renew=True, notice_days=30)

    response = login(alice).post(
        cancel_url(contract),
        {"cancel-cancelled_on": today_of(tenant_a).isoformat(), "cancel-note": "Moving to a competitor"},
    )

    assert response.status_code == 302
    contract = reload_contract(tenant_a, contract)
    assert contract.cancelled_on == today_of(tenant_a)
    page = login(alice).get(contract.get_absolute_url()).content.decode()
    assert 'data-testid="cancellation"' in page and "Moving to a competitor" in page


def test_cancel_after_the_notice_date_is_refused_on_the_form(tenant_a, alice, login):
    contract = contract_for(tenant_a, make_account(tenant_a, 1), days_to_end=20, auto_renew=True, notice_days=30)

    response = login(alice).post(cancel_url(contract), {"cancel-cancelled_on": today_of(tenant_a).isoformat()})

    assert response.status_code == 200
    assert f"The notice date was {day(contract.notice_on)}" in " ".join(
        response.context["cancel_form"].errors["cancelled_on"]
    )
    assert "renews itself on" in response.content.decode()
    assert reload_contract(tenant_a, contract).cancelled_on is None


def test_edit_changes_reference_auto_renew_and_notice(tenant_a, alice, login):
    contract = contract_for(tenant_a, make_account(tenant_a, 1), reference="OLD")

    response = login(alice).post(
        edit_url(contract), {"edit-reference": "NEW-42", "edit-auto_renew": "on", "edit-notice_days": "60"}
    )

    assert response.status_code == 302
    contract = reload_contract(tenant_a, contract)
    assert (contract.reference, contract.auto_renew, contract.notice_days) == ("NEW-42", True, 60)


def test_edit_errors_stay_on_the_page(tenant_a, alice, login):
    contract = contract_for(tenant_a, make_account(tenant_a, 1), reference="OLD")

    response = login(alice).post(edit_url(contract), {"edit-reference": "X", "edit-notice_days": "-1"})

    assert response.status_code == 200
    assert "notice_days" in response.context["edit_form"].errors
    assert reload_contract(tenant_a, contract).reference == "OLD"


# Who may


def test_a_csm_changes_only_their_own_accounts_contracts(tenant_a, alice, bob, login):
    theirs = contract_for(tenant_a, make_account(tenant_a, 1, owner=alice))
    own = contract_for(tenant_a, make_account(tenant_a, 2, owner=bob))
    web = login(bob)
    today = today_of(tenant_a).isoformat()

    assert web.post(cancel_url(theirs), {"cancel-cancelled_on": today}).status_code == 403
    assert web.post(edit_url(theirs), {"edit-reference": "X", "edit-notice_days": "30"}).status_code == 403
    assert web.get(NEW, {"account": theirs.account_id}).status_code == 403
    # A CSM picks among their own accounts only.
    refused = web.post(NEW, new_contract_data(theirs.account))
    assert refused.status_code == 200 and "account" in refused.context["form"].errors
    assert list(web.get(NEW).context["form"].fields["account"].queryset) == [own.account]
    assert reload_contract(tenant_a, theirs).cancelled_on is None
    # The page reads, without the forms.
    page = web.get(theirs.get_absolute_url())
    assert page.status_code == 200 and "amend_form" not in page.context
    assert "amend_form" in web.get(own.get_absolute_url()).context
    assert web.post(edit_url(own), {"edit-reference": "MINE", "edit-notice_days": "30"}).status_code == 302


def test_a_viewer_reads_and_may_not_post(tenant_a, member_of, login):
    viewer = member_of(Role.VIEWER)
    account = make_account(tenant_a, 1)
    contract = contract_for(tenant_a, account)
    web = login(viewer)
    today = today_of(tenant_a).isoformat()

    assert web.get(LIST).status_code == 200
    assert web.get(contract.get_absolute_url()).status_code == 200
    assert web.get(NEW).status_code == 403
    assert web.post(NEW, new_contract_data(account)).status_code == 403
    amend = {"amend-kind": "seats_added", "amend-effective_on": today, "amend-arr_change": "100"}
    assert web.post(amend_url(contract), amend).status_code == 403
    assert web.post(cancel_url(contract), {"cancel-cancelled_on": today}).status_code == 403
    assert web.post(edit_url(contract), {"edit-notice_days": "10"}).status_code == 403
    with scope(tenant=tenant_a):
        assert Contract.objects.filter(tenant=tenant_a).count() == 1
        assert not ContractAmendment.objects.filter(tenant=tenant_a).exists()
