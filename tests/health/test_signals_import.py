"""CSV and Excel import of tickets, invoices, subscription changes, meetings and NPS: columns by name,
row errors with line, column, value and reason, both modes, upserts, limits, and the page."""

import io

import pandas as pd
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scope

from accounts.models import ImportMode
from health.models import Invoice, Meeting, NpsResponse, SubscriptionChange, SupportTicket
from health.signals import imports
from health.signals.kinds import KINDS
from tenancy.models import Role

from .signal_helpers import account, contact, count

pytestmark = pytest.mark.django_db

ALL, VALID = ImportMode.ALL_OR_NOTHING, ImportMode.VALID_ROWS

TICKETS_CSV = (
    "Account External ID,External ID,Subject,Priority,Status,Opened at,Closed at,CSAT,Contact email\n"
    "ext-1,zd-1,SSO login fails,urgent,open,2025-03-03 09:30,,,jane@acme.example\n"
    "ext-1,zd-2,Export slow,P3,solved,2025-03-01,2025-03-04,9,\n"
    "ext-2,zd-3,Invoice question,low,closed,2025-02-01T10:00:00Z,2025-02-02,5,\n"
)


@pytest.fixture
def book(tenant_a):
    first, second = account(tenant_a, 1), account(tenant_a, 2)
    return {"ext-1": first, "ext-2": second, "jane": contact(tenant_a, first, "jane-1", email="jane@acme.example")}


def run(tenant, kind: str, data: str | bytes, mode: str = ALL, name: str = "signals.csv") -> imports.ImportOutcome:
    content = data.encode() if isinstance(data, str) else data
    with scope(tenant=tenant):
        return imports.signal_import(
            tenant=tenant, kind=KINDS[kind], uploaded_file=SimpleUploadedFile(name, content), mode=mode
        )


def errors(outcome) -> list[tuple[int, str, str, str]]:
    return [(e.line, e.column, e.value, e.reason) for e in outcome.errors]


def test_tickets_all_or_nothing_names_the_bad_cell_and_saves_nothing(tenant_a, book):
    outcome = run(tenant_a, "ticket", TICKETS_CSV)
    assert errors(outcome) == [(3, "CSAT", "9", "9 is above the maximum of 5.")]
    assert (outcome.created, outcome.updated, outcome.rejected) == (0, 0, 1)
    assert outcome.message.startswith("Nothing imported: 1 of 3 rows have errors.")
    assert count(tenant_a, "ticket") == 0


def test_tickets_valid_rows_mode_saves_the_others_and_a_second_run_updates(tenant_a, book):
    outcome = run(tenant_a, "ticket", TICKETS_CSV, VALID)
    assert (outcome.created, outcome.updated, outcome.rejected) == (2, 0, 1)
    assert outcome.message == (
        "Imported 2 support tickets: 2 created, 0 updated. 1 rows were rejected: fix them and import those rows again."
    )
    with scope(tenant=tenant_a):
        urgent = SupportTicket.objects.get(external_id="zd-1")
        assert (urgent.priority, urgent.contact, urgent.account) == ("p1", book["jane"], book["ext-1"])
        # Naive times are the tenant's (Berlin, UTC+1 in March).
        assert urgent.opened_at.isoformat() == "2025-03-03T08:30:00+00:00"
    fixed = TICKETS_CSV.replace(",9,", ",4,")
    again = run(tenant_a, "ticket", fixed)
    assert (again.created, again.updated, again.rejected) == (1, 2, 0)
    assert count(tenant_a, "ticket") == 3


def test_ticket_rows_break_the_same_rules_as_the_api(tenant_a, book):
    data = (
        "account_external_id,subject,opened_at,closed_at,contact_external_id,priority\n"
        "ext-1,Closes early,2025-03-03,2025-03-01,,\n"
        "ext-2,Wrong person,2025-03-03,,jane-1,\n"
        "nope,No account,2025-03-03,,,\n"
        "ext-1,,2025-03-03,,,p7\n"
    )
    outcome = run(tenant_a, "ticket", data, VALID)
    assert errors(outcome) == [
        (2, "closed_at", "2025-03-01", "A ticket cannot close before it was opened."),
        (3, "contact_external_id", "jane-1", "Jane Roe is a contact of another account."),
        (4, "account_external_id", "nope", "No account has the external id nope; import the accounts first."),
        (5, "subject", "", "subject is required."),
        (5, "priority", "p7", "'p7' is not one of: P1 (urgent), P2 (high), P3 (normal), P4 (low)."),
    ]
    assert outcome.created == 0


def test_invoices_with_a_bad_row(tenant_a, book):
    data = (
        "account_external_id;external_id;number;amount;issued_on;due_on;paid_on\n"
        "ext-1;inv-1;INV-1;1200,50;2025-01-01;2025-01-31;2025-02-12\n"
        "ext-2;inv-2;INV-2;lots;2025-01-01;2025-01-31;\n"
        "ext-2;inv-3;INV-3;300;2025-02-01;2025-01-01;\n"
    )
    outcome = run(tenant_a, "invoice", data, VALID)
    assert errors(outcome) == [
        (3, "amount", "lots", "'lots' is not a number."),
        (4, "due_on", "2025-01-01", "The due date is before the issue date."),
    ]
    with scope(tenant=tenant_a):
        invoice = Invoice.objects.get(external_id="inv-1")
        assert (str(invoice.amount), str(invoice.amount_paid)) == ("1200.50", "1200.50")


def test_subscription_changes_with_a_bad_row(tenant_a, book):
    data = (
        "account_external_id,kind,effective_on,seats_before,seats_after,plan_before,plan_after\n"
        "ext-1,Plan downgrade,2025-03-01,,,Enterprise,Pro\n"
        "ext-1,seats_added,2025-03-02,50,40,,\n"
        "ext-2,cancelled,2025-03-03,,,,\n"
    )
    outcome = run(tenant_a, "subscription_change", data, VALID)
    assert [(line, column) for line, column, _value, _reason in errors(outcome)] == [(3, "seats_after"), (4, "kind")]
    assert errors(outcome)[0][3] == "Seats added, but there are not more seats after than before."
    with scope(tenant=tenant_a):
        assert SubscriptionChange.objects.get().kind == "downgrade"


def test_meetings_with_a_bad_row(tenant_a, book):
    data = (
        "account_external_id,kind,title,scheduled_at,status,executive_present\n"
        "ext-1,QBR,Q1 review,2025-03-03 15:00,Held,yes\n"
        "ext-1,Check-in,,2025-03-04 10:00,No-show,\n"
        "ext-2,Check-in,,2025-03-05 10:00,held,perhaps\n"
    )
    outcome = run(tenant_a, "meeting", data, VALID)
    assert errors(outcome) == [(4, "executive_present", "perhaps", "'perhaps' is not yes or no.")]
    with scope(tenant=tenant_a):
        assert sorted(Meeting.objects.values_list("kind", "status", "executive_present")) == [
            ("check_in", "no_show", False),
            ("qbr", "held", True),
        ]


def test_nps_with_a_bad_row(tenant_a, book):
    data = (
        "ACCOUNT_EXTERNAL_ID,SCORE,COMMENT,RESPONDED_ON,CONTACT_EXTERNAL_ID\n"
        "ext-1,3,Too slow,2025-03-01,jane-1\n"
        "ext-2,11,Great,2025-03-01,\n"
    )
    outcome = run(tenant_a, "nps", data)
    assert errors(outcome) == [(3, "SCORE", "11", "11 is above the maximum of 10.")]
    assert count(tenant_a, "nps") == 0
    outcome = run(tenant_a, "nps", data, VALID)
    with scope(tenant=tenant_a):
        assert NpsResponse.objects.get().contact == book["jane"]


def test_repeated_external_ids_are_rejected_by_line(tenant_a, book):
    data = "account_external_id,external_id,score,responded_on\next-1,n-1,9,2025-03-01\next-1,n-1,3,2025-03-02\n"
    outcome = run(tenant_a, "nps", data, VALID)
    assert errors(outcome) == [
        (2, "external_id", "n-1", "The external id n-1 is also on line 3: send each NPS response once."),
        (3, "external_id", "n-1", "The external id n-1 is also on line 2: send each NPS response once."),
    ]


def test_a_file_that_cannot_be_imported_says_why(tenant_a, book, monkeypatch):
    with pytest.raises(ValidationError, match="has no column responded_on"):
        run(tenant_a, "nps", "account_external_id,score\next-1,9\n")
    with pytest.raises(ValidationError, match="appears twice"):
        run(tenant_a, "nps", "score,Score\n1,2\n")
    with pytest.raises(ValidationError, match="PDF"):
        run(tenant_a, "nps", b"%PDF-1.4 whatever")
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    with pytest.raises(ValidationError, match=r"The file has 3 rows; an import of signals takes up to 2\."):
        run(tenant_a, "nps", "account_external_id,score,responded_on\n" + "ext-1,9,2025-03-01\n" * 3)


def test_excel_and_windows_csv_with_unknown_columns(tenant_a, book):
    frame = pd.DataFrame(
        {"Account external id": ["ext-1"], "Score": ["10"], "Responded on": ["2025-03-01"], "Survey": ["Q1"]}
    )
    workbook = io.BytesIO()
    frame.to_excel(workbook, index=False)
    outcome = run(tenant_a, "nps", workbook.getvalue(), name="nps.xlsx")
    assert (outcome.created, outcome.ignored_columns) == (1, ["Survey"])
    windows = "account_external_id;score;comment;responded_on\r\next-1;7;Schön;01.03.2025\r\n".encode("cp1252")
    assert run(tenant_a, "nps", windows).created == 1
    with scope(tenant=tenant_a):
        assert NpsResponse.objects.filter(comment="Schön").exists()


def test_import_page_shows_counts_and_the_error_table(tenant_a, alice, book, login):
    upload = SimpleUploadedFile("tickets.csv", TICKETS_CSV.encode())
    response = login(alice).post(reverse("health:signal_import"), {"kind": "ticket", "mode": VALID, "file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Imported 2 support tickets: 2 created, 0 updated." in page
    assert 'id="import-errors"' in page and "9 is above the maximum of 5." in page
    assert count(tenant_a, "ticket") == 2


def test_import_page_explains_a_bad_file_on_the_form(tenant_a, alice, book, login):
    upload = SimpleUploadedFile("nps.csv", b"account_external_id,score\next-1,9\n")
    response = login(alice).post(reverse("health:signal_import"), {"kind": "nps", "mode": ALL, "file": upload})
    assert response.status_code == 200
    assert "The file has no column responded_on." in response.content.decode()


def test_only_leaders_and_admins_import(tenant_a, bob, book, login, member_of):
    page = login(bob).get(reverse("health:signal_import"))
    assert page.status_code == 200 and "Only a CS leader or an admin may import signals" in page.content.decode()
    upload = SimpleUploadedFile("tickets.csv", TICKETS_CSV.encode())
    denied = login(bob).post(reverse("health:signal_import"), {"kind": "ticket", "mode": VALID, "file": upload})
    assert denied.status_code == 403
    assert count(tenant_a, "ticket") == 0
    leader = login(member_of(Role.LEADER))
    upload = SimpleUploadedFile("tickets.csv", TICKETS_CSV.encode())
    assert (
        leader.post(reverse("health:signal_import"), {"kind": "ticket", "mode": VALID, "file": upload}).status_code
        == 200
    )
    assert count(tenant_a, "ticket") == 2
