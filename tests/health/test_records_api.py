"""Support, financial and relationship records through the REST API: single and bulk writes, upserts,
validation, tenant limits, permissions and query counts."""

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scope

from health.models import Invoice, SupportTicket
from tenancy.models import Role

from ..factories import TenantFactory, UserFactory, add_member
from .builders import book_account, contact, count, record

pytestmark = pytest.mark.django_db

TICKETS, INVOICES, NPS = "/api/v1/support-tickets/", "/api/v1/invoices/", "/api/v1/nps-responses/"
MEETINGS, CHANGES = "/api/v1/meetings/", "/api/v1/subscription-changes/"
OPENED = "2025-03-03T09:30:00+01:00"


def _fields(response) -> dict:
    assert response.status_code == 400, response.json()
    return response.json()["error"]["fields"]


def _ticket(**fields) -> dict:
    return {"account_external_id": "ext-1", "subject": "SSO login fails", "opened_at": OPENED, **fields}


@pytest.fixture
def book(tenant_a, bob):
    """ext-1 owned by bob, with Jane (jane-1); ext-2 owned by nobody, with Max (max-2)."""
    first, second = book_account(tenant_a, 1, owner=bob), book_account(tenant_a, 2)
    return {
        "ext-1": first,
        "ext-2": second,
        "jane": contact(tenant_a, first, "jane-1", email="jane@acme.example"),
        "max": contact(tenant_a, second, "max-2", name="Max Mustermann"),
    }


# --- Tickets, in depth --------------------------------------------------------------------------


def test_ticket_created_by_external_ids_and_read_back(tenant_a, alice, book, api_as):
    client = api_as(alice, tenant_a)
    response = client.post(
        TICKETS,
        _ticket(external_id="zd-1", contact_external_id="jane-1", priority="p1", csat=2, sentiment="negative"),
        format="json",
    )
    assert response.status_code == 201, response.json()
    row = response.json()
    assert (row["account"], row["account_external_id"]) == (book["ext-1"].pk, "ext-1")
    assert (row["contact"], row["contact_external_id"], row["contact_name"]) == (book["jane"].pk, "jane-1", "Jane Roe")
    assert (row["priority"], row["status"], row["csat"], row["sentiment"]) == ("p1", "open", 2, "negative")
    assert row["opened_at"] == "2025-03-03T09:30:00+01:00"  # shown in the tenant's zone (Berlin)
    assert client.get(f"{TICKETS}{row['id']}/").json() == row


def test_ticket_with_a_known_external_id_updates_it(tenant_a, alice, book, api_as):
    client = api_as(alice, tenant_a)
    first = client.post(TICKETS, _ticket(external_id="zd-1"), format="json").json()
    # An update needs only what changes: the record keeps the rest.
    again = client.post(TICKETS, {"external_id": "zd-1", "status": "solved", "csat": 5}, format="json")
    assert again.status_code == 200, again.json()
    assert again.json()["id"] == first["id"]
    assert (again.json()["status"], again.json()["csat"], again.json()["subject"]) == ("solved", 5, "SSO login fails")
    assert count(tenant_a, "ticket") == 1


def test_ticket_rules_answer_in_the_error_format(tenant_a, alice, book, api_as):
    client = api_as(alice, tenant_a)
    closes_early = client.post(TICKETS, _ticket(closed_at="2025-03-01T10:00:00Z"), format="json")
    assert _fields(closes_early) == {"closed_at": ["A ticket cannot close before it was opened."]}
    assert closes_early.json()["error"]["code"] == "invalid"
    assert "csat" in _fields(client.post(TICKETS, _ticket(csat=7), format="json"))
    assert "priority" in _fields(client.post(TICKETS, _ticket(priority="p0"), format="json"))
    other_account = client.post(TICKETS, _ticket(contact=book["max"].pk), format="json")
    assert _fields(other_account) == {"contact": ["Max Mustermann is a contact of another account."]}
    no_account = client.post(TICKETS, {"subject": "x", "opened_at": OPENED}, format="json")
    assert list(_fields(no_account)) == ["account"]
    unknown = client.post(TICKETS, _ticket(account_external_id="nope"), format="json")
    assert _fields(unknown) == {"account_external_id": ["No account has the external id nope."]}
    both = client.post(TICKETS, _ticket(account=book["ext-2"].pk), format="json")
    assert list(_fields(both)) == ["account_external_id"]
    assert count(tenant_a, "ticket") == 0


def test_another_tenants_account_and_contact_are_unknown(tenant_a, alice, book, api_as):
    tenant_b = TenantFactory(slug="bravo")
    theirs = book_account(tenant_b, 9)
    their_contact = contact(tenant_b, theirs, "theirs-1")
    client = api_as(alice, tenant_a)
    by_id = client.post(TICKETS, {"account": theirs.pk, "subject": "x", "opened_at": OPENED}, format="json")
    assert _fields(by_id) == {"account": [f'Invalid pk "{theirs.pk}" - object does not exist.']}
    by_external_id = client.post(TICKETS, _ticket(account_external_id="ext-9"), format="json")
    assert "account_external_id" in _fields(by_external_id)
    their_person = client.post(TICKETS, _ticket(contact=their_contact.pk), format="json")
    assert _fields(their_person) == {"contact": [f'Invalid pk "{their_contact.pk}" - object does not exist.']}
    assert "contact_external_id" in _fields(
        client.post(TICKETS, _ticket(contact_external_id="theirs-1"), format="json")
    )


def test_ticket_filters(tenant_a, alice, book, api_as):
    record(tenant_a, "ticket", account=book["ext-1"], subject="Old", opened_at=dt.datetime(2025, 1, 5, tzinfo=dt.UTC))
    record(
        tenant_a,
        "ticket",
        account=book["ext-1"],
        subject="Urgent",
        priority="p1",
        status="pending",
        opened_at=dt.datetime(2025, 3, 1, 23, 30, tzinfo=dt.UTC),  # 2 March in Berlin
    )
    record(tenant_a, "ticket", account=book["ext-2"], subject="Other", opened_at=dt.datetime(2025, 2, 1, tzinfo=dt.UTC))
    client = api_as(alice, tenant_a)

    def subjects(**params) -> list[str]:
        response = client.get(TICKETS, params)
        assert response.status_code == 200, response.json()
        return [row["subject"] for row in response.json()["results"]]

    assert subjects() == ["Urgent", "Other", "Old"]  # newest first
    assert subjects(account=book["ext-1"].pk) == ["Urgent", "Old"]
    assert subjects(account_external_id="ext-2") == ["Other"]
    assert subjects(priority="p1") == subjects(status="pending") == ["Urgent"]
    assert subjects(date_from="2025-01-06", date_to="2025-03-01") == ["Other"]
    assert subjects(date_from="2025-03-02") == ["Urgent"]
    assert "status" in client.get(TICKETS, {"status": "lost"}).json()["error"]["fields"]


def test_ticket_list_costs_the_same_for_five_or_fifty(tenant_a, alice, book, api_as, django_assert_max_num_queries):
    client = api_as(alice, tenant_a)

    def add(n: int) -> None:
        for i in range(n):
            record(
                tenant_a,
                "ticket",
                account=book["ext-1"],
                contact=book["jane"],
                subject=f"T{i}",
                opened_at=timezone.now(),
            )

    add(5)
    with django_assert_max_num_queries(12) as few:
        assert len(client.get(TICKETS).json()["results"]) == 5
    add(45)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(TICKETS).json()["results"]) == 50


# --- Invoices and NPS, in depth -----------------------------------------------------------------


def test_invoice_paid_date_alone_means_paid_in_full_and_days_late(tenant_a, alice, book, api_as):
    client = api_as(alice, tenant_a)
    invoice = {"account": book["ext-1"].pk, "number": "INV-7", "amount": "1200.00", "issued_on": "2025-01-01"}
    response = client.post(INVOICES, {**invoice, "due_on": "2025-01-31", "paid_on": "2025-02-12"}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["amount_paid"], response.json()["days_late"]) == ("1200.00", 12)
    assert _fields(client.post(INVOICES, {**invoice, "due_on": "2024-12-01"}, format="json")) == {
        "due_on": ["The due date is before the issue date."]
    }
    overpaid = client.post(INVOICES, {**invoice, "due_on": "2025-01-31", "amount_paid": "1300"}, format="json")
    assert list(_fields(overpaid)) == ["amount_paid"]
    assert "amount" in _fields(
        client.post(INVOICES, {**invoice, "amount": "-5", "due_on": "2025-02-01"}, format="json")
    )
    unpaid = client.post(INVOICES, {**invoice, "number": "INV-8", "due_on": "2099-01-01"}, format="json").json()
    assert unpaid["days_late"] == 0
    assert [row["number"] for row in client.get(INVOICES, {"paid": "false"}).json()["results"]] == ["INV-8"]
    assert [row["number"] for row in client.get(INVOICES, {"paid": "true"}).json()["results"]] == ["INV-7"]
    assert [row["number"] for row in client.get(INVOICES, {"date_to": "2025-12-31"}).json()["results"]] == ["INV-7"]


def test_invoice_patch_records_the_payment(tenant_a, alice, book, api_as):
    client = api_as(alice, tenant_a)
    created = client.post(
        INVOICES,
        {"account_external_id": "ext-1", "amount": "500", "issued_on": "2025-01-01", "due_on": "2025-01-31"},
        format="json",
    ).json()
    patched = client.patch(f"{INVOICES}{created['id']}/", {"paid_on": "2025-01-20"}, format="json")
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["amount_paid"], patched.json()["days_late"]) == ("500.00", 0)


def test_nps_response_with_contact_and_category(tenant_a, alice, book, api_as):
    client = api_as(alice, tenant_a)
    response = client.post(
        NPS,
        {
            "account_external_id": "ext-1",
            "contact_external_id": "jane-1",
            "score": 3,
            "comment": "Slow",
            "responded_on": "2025-03-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["category"], response.json()["contact_name"]) == ("detractor", "Jane Roe")
    client.post(NPS, {"account": book["ext-2"].pk, "score": 10, "responded_on": "2025-03-02"}, format="json")
    assert "score" in _fields(
        client.post(NPS, {"account": book["ext-2"].pk, "score": 11, "responded_on": "2025-03-02"}, format="json")
    )
    wrong_person = {
        "account_external_id": "ext-2",
        "contact_external_id": "jane-1",
        "score": 8,
        "responded_on": "2025-03-02",
    }
    assert _fields(client.post(NPS, wrong_person, format="json")) == {
        "contact": ["Jane Roe is a contact of another account."]
    }
    assert [row["score"] for row in client.get(NPS, {"category": "detractor"}).json()["results"]] == [3]
    assert [row["score"] for row in client.get(NPS, {"category": "promoter"}).json()["results"]] == [10]


# --- Bulk --------------------------------------------------------------------------------------


def test_bulk_is_all_or_nothing_by_default(tenant_a, alice, book, api_as):
    items = [
        _ticket(external_id="zd-1"),
        _ticket(external_id="zd-2", csat=9),
        "not an object",
        _ticket(external_id="zd-4", account_external_id="nope"),
    ]
    response = api_as(alice, tenant_a).post(f"{TICKETS}bulk/", items, format="json")
    error = response.json()["error"]
    assert response.status_code == 400 and error["code"] == "invalid"
    assert error["message"].startswith("Nothing was saved: 3 of 4 items have errors, the first is item 1 (csat:")
    assert set(error["fields"]) == {"1", "2", "3"}
    assert "csat" in error["fields"]["1"]
    assert error["fields"]["3"] == {"account_external_id": ["No account has the external id nope."]}
    assert count(tenant_a, "ticket") == 0


def test_bulk_partial_saves_the_valid_items_and_upserts(tenant_a, alice, book, api_as):
    known = record(
        tenant_a, "ticket", account=book["ext-1"], external_id="zd-1", subject="Before", opened_at=timezone.now()
    )
    items = [
        {"external_id": "zd-1", "status": "closed", "closed_at": timezone.now().isoformat()},
        _ticket(external_id="zd-2", account_external_id="ext-2", contact="max-2"),
        _ticket(external_id="zd-3", account_external_id="ext-2", contact_external_id="max-2"),
        _ticket(external_id="zd-4", priority="p9"),
    ]
    response = api_as(alice, tenant_a).post(f"{TICKETS}bulk/?partial=true", items, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["created"], body["updated"], body["rejected"]) == (1, 1, 2)
    assert [(r["index"], r["status"]) for r in body["results"]] == [
        (0, "updated"),
        (1, "rejected"),
        (2, "created"),
        (3, "rejected"),
    ]
    assert body["results"][0]["id"] == known.pk and body["results"][1]["id"] is None
    assert "contact" in body["results"][1]["errors"] and "priority" in body["results"][3]["errors"]
    with scope(tenant=tenant_a):
        known.refresh_from_db()
        assert (known.status, known.subject) == ("closed", "Before")
        assert SupportTicket.objects.get(external_id="zd-3").contact == book["max"]


def test_bulk_refuses_repeated_external_ids_long_lists_and_non_lists(tenant_a, alice, book, api_as):
    client = api_as(alice, tenant_a)
    twice = client.post(
        f"{TICKETS}bulk/?partial=true", [_ticket(external_id="zd-1"), _ticket(external_id="zd-1")], format="json"
    )
    assert [r["status"] for r in twice.json()["results"]] == ["rejected", "rejected"]
    assert twice.json()["results"][0]["errors"]["external_id"] == [
        "The external id zd-1 is also on item 1: send each support ticket once."
    ]
    too_many = client.post(f"{TICKETS}bulk/", [_ticket()] * 1001, format="json")
    assert too_many.status_code == 400
    assert "at most 1,000 items" in too_many.json()["error"]["message"]
    assert client.post(f"{TICKETS}bulk/", _ticket(), format="json").status_code == 400
    assert "partial" in _fields(client.post(f"{TICKETS}bulk/?partial=maybe", [_ticket()], format="json"))
    assert count(tenant_a, "ticket") == 0


def test_bulk_of_invoices_and_nps_reads_a_few_queries_for_a_thousand_items(
    tenant_a, alice, book, api_as, django_assert_max_num_queries
):
    client = api_as(alice, tenant_a)
    invoices = [
        {
            "external_id": f"inv-{i}",
            "account_external_id": "ext-1",
            "amount": "10",
            "issued_on": "2025-01-01",
            "due_on": "2025-01-31",
        }
        for i in range(1000)
    ]
    with django_assert_max_num_queries(25):
        response = client.post(f"{INVOICES}bulk/", invoices, format="json")
    assert response.status_code == 200 and response.json()["created"] == 1000
    # Sent again with payments: every one is an update.
    paid = [{"external_id": item["external_id"], "paid_on": "2025-02-03"} for item in invoices]
    assert client.post(f"{INVOICES}bulk/", paid, format="json").json()["updated"] == 1000
    with scope(tenant=tenant_a):
        assert Invoice.objects.filter(amount_paid=10, paid_on=dt.date(2025, 2, 3)).count() == 1000
    responses = [
        {"account": book["ext-1"].pk, "contact": book["jane"].pk, "score": 6, "responded_on": "2025-03-01"},
        {"account": book["ext-2"].pk, "score": 9, "responded_on": "2025-03-01", "external_id": "nps-2"},
    ]
    assert client.post(f"{NPS}bulk/", responses, format="json").json()["created"] == 2


def test_meetings_and_subscription_changes_create_and_bulk(tenant_a, alice, book, api_as):
    client = api_as(alice, tenant_a)
    qbr = {"account_external_id": "ext-1", "kind": "qbr", "scheduled_at": "2025-03-03T15:00:00Z", "status": "held"}
    response = client.post(MEETINGS, {**qbr, "executive_present": True}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["kind"], response.json()["executive_present"]) == ("qbr", True)
    future = {**qbr, "scheduled_at": (timezone.now() + dt.timedelta(days=2)).isoformat()}
    assert list(_fields(client.post(MEETINGS, future, format="json"))) == ["status"]
    meetings = [{**qbr, "external_id": "m-1"}, {**qbr, "external_id": "m-2", "status": "no_show", "kind": "check_in"}]
    assert client.post(f"{MEETINGS}bulk/", meetings, format="json").json()["created"] == 2
    assert [m["status"] for m in client.get(MEETINGS, {"status": "no_show"}).json()["results"]] == ["no_show"]

    cut = {"account_external_id": "ext-1", "kind": "seats_removed", "effective_on": "2025-03-01", "seats_before": 50}
    response = client.post(CHANGES, {**cut, "seats_after": 40}, format="json")
    assert response.status_code == 201, response.json()
    assert list(_fields(client.post(CHANGES, {**cut, "seats_after": 60}, format="json"))) == ["seats_after"]
    changes = [
        {
            "external_id": "c-1",
            "account_external_id": "ext-2",
            "kind": "downgrade",
            "effective_on": "2025-02-01",
            "plan_after": "Pro",
        },
        {"external_id": "c-2", "account_external_id": "ext-2", "kind": "upgrade", "effective_on": "2025-02-10"},
    ]
    assert client.post(f"{CHANGES}bulk/", changes, format="json").json()["created"] == 2
    assert [c["external_id"] for c in client.get(CHANGES, {"kind": "downgrade"}).json()["results"]] == ["c-1"]


# --- Permissions ---------------------------------------------------------------------------------


def test_viewer_reads_but_writes_nothing(tenant_a, book, member_of, api_as):
    viewer = api_as(member_of(Role.VIEWER), tenant_a)
    record(tenant_a, "ticket", account=book["ext-1"], subject="Seen", opened_at=timezone.now())
    assert viewer.get(TICKETS).status_code == 200
    denied = viewer.post(TICKETS, _ticket(), format="json")
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "permission_denied"
    assert viewer.post(f"{TICKETS}bulk/", [_ticket()], format="json").status_code == 403


def test_csm_writes_for_own_accounts_only_and_never_in_bulk(tenant_a, bob, book, api_as):
    client = api_as(bob, tenant_a)
    assert client.post(TICKETS, _ticket(), format="json").status_code == 201  # ext-1 is bob's
    others = client.post(TICKETS, _ticket(account_external_id="ext-2"), format="json")
    assert others.status_code == 403
    theirs = record(
        tenant_a, "ticket", account=book["ext-2"], external_id="zd-9", subject="x", opened_at=timezone.now()
    )
    assert client.patch(f"{TICKETS}{theirs.pk}/", {"status": "closed"}, format="json").status_code == 403
    # An upsert of another owner's record is an edit of it too.
    assert client.post(TICKETS, _ticket(external_id="zd-9"), format="json").status_code == 403
    mine = client.get(TICKETS, {"account_external_id": "ext-1"}).json()["results"][0]
    # Moving a record to an account bob does not own is an edit of that account.
    assert client.patch(f"{TICKETS}{mine['id']}/", {"account": book["ext-2"].pk}, format="json").status_code == 403
    assert client.patch(f"{TICKETS}{mine['id']}/", {"status": "solved"}, format="json").status_code == 200
    bulk = client.post(f"{TICKETS}bulk/", [_ticket()], format="json")
    assert bulk.status_code == 403 and "leader" in bulk.json()["error"]["message"]


def test_leaders_bulk_with_their_token_and_only_admins_delete(tenant_a, alice, bob, book, api_as, member_of):
    leader = api_as(member_of(Role.LEADER), tenant_a)
    assert leader.post(f"{TICKETS}bulk/", [_ticket(external_id="zd-1")], format="json").json()["created"] == 1
    ticket_id = leader.get(TICKETS).json()["results"][0]["id"]
    assert leader.delete(f"{TICKETS}{ticket_id}/").status_code == 403
    assert api_as(bob, tenant_a).delete(f"{TICKETS}{ticket_id}/").status_code == 403
    assert api_as(alice, tenant_a).delete(f"{TICKETS}{ticket_id}/").status_code == 204
    assert count(tenant_a, "ticket") == 0


def test_another_tenants_admin_sees_none_of_it(tenant_a, alice, book, charlie, tenant_b, api_as):
    ticket = record(
        tenant_a, "ticket", account=book["ext-1"], external_id="zd-1", subject="x", opened_at=timezone.now()
    )
    client = api_as(charlie, tenant_b)
    assert client.get(TICKETS).json()["results"] == []
    assert client.get(f"{TICKETS}{ticket.pk}/").status_code == 404
    # The same external id in another tenant is another record, not an update of tenant A's.
    book_account(tenant_b, 1)
    assert client.post(TICKETS, _ticket(external_id="zd-1"), format="json").status_code == 201
    assert count(tenant_a, "ticket") == 1


def test_a_csm_of_both_tenants_is_limited_by_the_token(tenant_a, book, api_as):
    tenant_b = TenantFactory(slug="bravo")
    both = UserFactory(email="dana@example.com")
    add_member(tenant_a, both, Role.CSM)
    add_member(tenant_b, both, Role.ADMIN)
    # Admin in B, CSM in A: a token of tenant A carries A's role, so bulk is refused there.
    assert api_as(both, tenant_a).post(f"{TICKETS}bulk/", [_ticket()], format="json").status_code == 403
