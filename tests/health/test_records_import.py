"""CSV and Excel import of tickets, invoices, subscription changes, meetings and NPS: the upload checks the
header and queues a job (accounts' ImportJob), the job checks every row: columns by name, row errors with
line, column, value and reason, both modes, upserts, limits, the pages, isolation and the requeue sweep."""

import csv
import io
from datetime import timedelta

import pandas as pd
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from accounts.models import ImportJob, ImportKind, ImportMode, ImportStatus
from accounts.services import imports as account_imports
from accounts.tasks import imports_requeue_all
from core.imports import reading
from health.models import Invoice, Meeting, NpsResponse, SubscriptionChange, SupportTicket
from health.services import record_imports as import_jobs
from tenancy.leases import task_lease
from tenancy.models import Role

from .builders import book_account, contact, count

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
    first, second = book_account(tenant_a, 1), book_account(tenant_a, 2)
    return {"ext-1": first, "ext-2": second, "jane": contact(tenant_a, first, "jane-1", email="jane@acme.example")}


def upload(tenant, kind: str, data: str | bytes, mode: str = ALL, name: str = "signals.csv", by=None) -> ImportJob:
    content = data.encode() if isinstance(data, str) else data
    with scope(tenant=tenant):
        return import_jobs.record_import_create(
            tenant=tenant, kind=kind, mode=mode, uploaded_file=SimpleUploadedFile(name, content), by=by
        )


@pytest.fixture
def run(tenant_a, django_capture_on_commit_callbacks):
    """Upload and let the queued job run (its task runs on commit, in-process); the finished job."""

    def run(tenant, kind: str, data: str | bytes, mode: str = ALL, name: str = "signals.csv") -> ImportJob:
        with django_capture_on_commit_callbacks(execute=True):
            job = upload(tenant, kind, data, mode, name)
        with scope(tenant=tenant):
            return ImportJob.objects.get(pk=job.pk)

    return run


def errors(job: ImportJob) -> list[tuple[int, str, str, str]]:
    return [(e["line"], e["column"], e["value"], e["reason"]) for e in job.errors]


def counts(job: ImportJob) -> tuple[int, int, int]:
    return job.created_count, job.updated_count, job.rejected_count


def test_tickets_all_or_nothing_names_the_bad_cell_and_saves_nothing(tenant_a, book, run):
    job = run(tenant_a, "ticket", TICKETS_CSV)
    assert job.status == ImportStatus.REJECTED
    assert errors(job) == [(3, "CSAT", "9", "9 is above the maximum of 5.")]
    assert counts(job) == (0, 0, 1)
    assert job.message.startswith("Nothing imported: 1 of 3 rows have errors.")
    assert count(tenant_a, "ticket") == 0


def test_tickets_valid_rows_mode_saves_the_others_and_a_second_run_updates(tenant_a, book, run):
    job = run(tenant_a, "ticket", TICKETS_CSV, VALID)
    assert counts(job) == (2, 0, 1)
    assert job.message == (
        "Imported 2 support tickets: 2 created, 0 updated. 1 rows were rejected: download them, fix them and import "
        "that file."
    )
    assert job.status == ImportStatus.DONE and (job.total_rows, job.processed_rows, job.progress_pct) == (3, 3, 100)
    with job.rejected_file.open("rb") as stored:
        rejected = list(csv.DictReader(io.StringIO(stored.read().decode("utf-8-sig"))))
    assert [(row["External ID"], row["error"]) for row in rejected] == [("zd-2", "CSAT: 9 is above the maximum of 5.")]
    with scope(tenant=tenant_a):
        urgent = SupportTicket.objects.get(external_id="zd-1")
        assert (urgent.priority, urgent.contact, urgent.account) == ("p1", book["jane"], book["ext-1"])
        # Naive times are the tenant's (Berlin, UTC+1 in March).
        assert urgent.opened_at.isoformat() == "2025-03-03T08:30:00+00:00"
    fixed = TICKETS_CSV.replace(",9,", ",4,")
    again = run(tenant_a, "ticket", fixed)
    assert counts(again) == (1, 2, 0)
    assert count(tenant_a, "ticket") == 3


def test_ticket_rows_break_the_same_rules_as_the_api(tenant_a, book, run):
    data = (
        "account_external_id,subject,opened_at,closed_at,contact_external_id,priority\n"
        "ext-1,Closes early,2025-03-03,2025-03-01,,\n"
        "ext-2,Wrong person,2025-03-03,,jane-1,\n"
        "nope,No account,2025-03-03,,,\n"
        "ext-1,,2025-03-03,,,p7\n"
    )
    job = run(tenant_a, "ticket", data, VALID)
    assert errors(job) == [
        (2, "closed_at", "2025-03-01", "A ticket cannot close before it was opened."),
        (3, "contact_external_id", "jane-1", "Jane Roe is a contact of another account."),
        (4, "account_external_id", "nope", "No account has the external id nope; import the accounts first."),
        (5, "subject", "", "subject is required."),
        (5, "priority", "p7", "'p7' is not one of: P1 (urgent), P2 (high), P3 (normal), P4 (low)."),
    ]
    assert job.created_count == 0


def test_invoices_with_a_bad_row(tenant_a, book, run):
    data = (
        "account_external_id;external_id;number;amount;issued_on;due_on;paid_on\n"
        "ext-1;inv-1;INV-1;1200,50;2025-01-01;2025-01-31;2025-02-12\n"
        "ext-2;inv-2;INV-2;lots;2025-01-01;2025-01-31;\n"
        "ext-2;inv-3;INV-3;300;2025-02-01;2025-01-01;\n"
    )
    job = run(tenant_a, "invoice", data, VALID)
    assert errors(job) == [
        (3, "amount", "lots", "'lots' is not a number."),
        (4, "due_on", "2025-01-01", "The due date is before the issue date."),
    ]
    with scope(tenant=tenant_a):
        invoice = Invoice.objects.get(external_id="inv-1")
        assert (str(invoice.amount), str(invoice.amount_paid)) == ("1200.50", "1200.50")


def test_subscription_changes_with_a_bad_row(tenant_a, book, run):
    data = (
        "account_external_id,kind,effective_on,seats_before,seats_after,plan_before,plan_after\n"
        "ext-1,Plan downgrade,2025-03-01,,,Enterprise,Pro\n"
        "ext-1,seats_added,2025-03-02,50,40,,\n"
        "ext-2,cancelled,2025-03-03,,,,\n"
    )
    job = run(tenant_a, "subscription_change", data, VALID)
    assert [(line, column) for line, column, _value, _reason in errors(job)] == [(3, "seats_after"), (4, "kind")]
    assert errors(job)[0][3] == "Seats added, but there are not more seats after than before."
    with scope(tenant=tenant_a):
        assert SubscriptionChange.objects.get().kind == "downgrade"


def test_meetings_with_a_bad_row(tenant_a, book, run):
    data = (
        "account_external_id,kind,title,scheduled_at,status,executive_present\n"
        "ext-1,QBR,Q1 review,2025-03-03 15:00,Held,yes\n"
        "ext-1,Check-in,,2025-03-04 10:00,No-show,\n"
        "ext-2,Check-in,,2025-03-05 10:00,held,perhaps\n"
    )
    job = run(tenant_a, "meeting", data, VALID)
    assert errors(job) == [(4, "executive_present", "perhaps", "'perhaps' is not yes or no.")]
    with scope(tenant=tenant_a):
        assert sorted(Meeting.objects.values_list("kind", "status", "executive_present")) == [
            ("check_in", "no_show", False),
            ("qbr", "held", True),
        ]


def test_nps_with_a_bad_row(tenant_a, book, run):
    data = (
        "ACCOUNT_EXTERNAL_ID,SCORE,COMMENT,RESPONDED_ON,CONTACT_EXTERNAL_ID\n"
        "ext-1,3,Too slow,2025-03-01,jane-1\n"
        "ext-2,11,Great,2025-03-01,\n"
    )
    job = run(tenant_a, "nps", data)
    assert errors(job) == [(3, "SCORE", "11", "11 is above the maximum of 10.")]
    assert count(tenant_a, "nps") == 0
    job = run(tenant_a, "nps", data, VALID)
    with scope(tenant=tenant_a):
        assert NpsResponse.objects.get().contact == book["jane"]


def test_repeated_external_ids_are_rejected_by_line(tenant_a, book, run):
    data = "account_external_id,external_id,score,responded_on\next-1,n-1,9,2025-03-01\next-1,n-1,3,2025-03-02\n"
    job = run(tenant_a, "nps", data, VALID)
    assert errors(job) == [
        (2, "external_id", "n-1", "The external id n-1 is also on line 3: send each NPS response once."),
        (3, "external_id", "n-1", "The external id n-1 is also on line 2: send each NPS response once."),
    ]


def test_a_file_or_header_that_cannot_be_imported_is_refused_at_upload(tenant_a, book):
    with pytest.raises(ValidationError, match="has no column responded_on"):
        upload(tenant_a, "nps", "account_external_id,score\next-1,9\n")
    with pytest.raises(ValidationError, match="appears twice"):
        upload(tenant_a, "nps", "score,Score\n1,2\n")
    with pytest.raises(ValidationError, match="PDF"):
        upload(tenant_a, "nps", b"%PDF-1.4 whatever")
    with scope(tenant=tenant_a):
        assert not ImportJob.objects.exists()


def test_a_file_over_the_row_limit_is_rejected_by_its_job(tenant_a, book, run, monkeypatch):
    monkeypatch.setattr(import_jobs, "MAX_ROWS", 2)
    job = run(tenant_a, "nps", "account_external_id,score,responded_on\n" + "ext-1,9,2025-03-01\n" * 3)
    assert job.status == ImportStatus.REJECTED
    assert job.message.startswith("Nothing imported: The file has 3 rows; an import of signals takes up to 2.")
    assert count(tenant_a, "nps") == 0


def test_excel_and_windows_csv_with_unknown_columns(tenant_a, book, run):
    frame = pd.DataFrame(
        {"Account external id": ["ext-1"], "Score": ["10"], "Responded on": ["2025-03-01"], "Survey": ["Q1"]}
    )
    workbook = io.BytesIO()
    frame.to_excel(workbook, index=False)
    job = run(tenant_a, "nps", workbook.getvalue(), name="nps.xlsx")
    assert (job.created_count, import_jobs.ignored_columns(job)) == (1, ["Survey"])
    windows = "account_external_id;score;comment;responded_on\r\next-1;7;Schön;01.03.2025\r\n".encode("cp1252")
    assert run(tenant_a, "nps", windows).created_count == 1
    with scope(tenant=tenant_a):
        assert NpsResponse.objects.filter(comment="Schön").exists()


# --- The upload reads the head; the job reads the file ---------------------------------------------


def test_the_upload_reads_only_the_head_and_the_job_rejects_a_bad_row_far_down_by_line(
    tenant_a, book, monkeypatch, django_capture_on_commit_callbacks
):
    # An upload reads 256 bytes instead of 1 MB: 60 rows stand for a file of many megabytes.
    monkeypatch.setattr(reading, "HEAD_BYTES", 256)
    rows = "".join(f"ext-1,n-{n:02d},9,2025-03-01\n" for n in range(60))
    data = "account_external_id,external_id,score,responded_on\n" + rows + "ext-2,n-bad,11,2025-03-01\n"
    broken = data + "ext-2,n-broken,7,2025-03-01,one cell too many\n"
    # Line 63 breaks the CSV: were the upload to read the whole file, it would refuse it here.
    queued = upload(tenant_a, "nps", broken)
    assert (queued.status, queued.total_rows) == (ImportStatus.QUEUED, 0)
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(tenant_a, "nps", data, VALID)
    with scope(tenant=tenant_a):
        job = ImportJob.objects.get(pk=job.pk)
        account_imports.import_job_run(job_id=queued.pk, tenant=tenant_a)
        queued = ImportJob.objects.get(pk=queued.pk)
    assert (job.status, job.total_rows, counts(job)) == (ImportStatus.DONE, 61, (60, 0, 1))
    assert errors(job) == [(62, "score", "11", "11 is above the maximum of 10.")]
    assert queued.status == ImportStatus.REJECTED
    assert "Line 63 has 5 cells, but the first row names 4 columns." in queued.message


# --- The pages ---------------------------------------------------------------------------------------


def test_upload_redirects_to_the_job_whose_page_shows_progress_then_counts_and_errors(
    tenant_a, alice, book, login, django_capture_on_commit_callbacks
):
    web = login(alice)
    upload_file = SimpleUploadedFile("tickets.csv", TICKETS_CSV.encode())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = web.post(reverse("health:signal_import"), {"kind": "ticket", "mode": VALID, "file": upload_file})
    with scope(tenant=tenant_a):
        job = ImportJob.objects.get()
    assert (job.kind, job.status, job.created_by) == (ImportKind.TICKETS, ImportStatus.QUEUED, alice)
    assert response.status_code == 302
    assert response["Location"] == reverse("health:signal_import_job", args=[job.pk])
    waiting = web.get(response["Location"]).content.decode()
    progress_url = reverse("health:signal_import_progress", args=[job.pk])
    assert f'hx-get="{progress_url}" hx-trigger="every 1s"' in waiting
    assert "Waiting for a worker to start the import" in waiting
    assert count(tenant_a, "ticket") == 0
    for callback in callbacks:
        callback()
    done = web.get(progress_url).content.decode()
    assert "hx-trigger" not in done
    assert "Imported 2 support tickets: 2 created, 0 updated." in done
    assert 'id="import-errors"' in done and "9 is above the maximum of 5." in done
    assert reverse("health:signal_import_rejected", args=[job.pk]) in done
    rejected = web.get(reverse("health:signal_import_rejected", args=[job.pk]))
    assert b"".join(rejected.streaming_content).decode("utf-8-sig").splitlines()[1].startswith("ext-1,zd-2,")
    listing = web.get(reverse("health:signal_import")).content.decode()
    assert reverse("health:signal_import_job", args=[job.pk]) in listing and "Support tickets" in listing
    assert count(tenant_a, "ticket") == 2


def test_import_page_explains_a_bad_file_on_the_form(tenant_a, alice, book, login):
    upload_file = SimpleUploadedFile("nps.csv", b"account_external_id,score\next-1,9\n")
    response = login(alice).post(reverse("health:signal_import"), {"kind": "nps", "mode": ALL, "file": upload_file})
    assert response.status_code == 200
    assert "The file has no column responded_on." in response.content.decode()
    with scope(tenant=tenant_a):
        assert not ImportJob.objects.exists()


def test_only_leaders_and_admins_import_and_every_member_follows_the_jobs(
    tenant_a, alice, bob, book, login, member_of, django_capture_on_commit_callbacks
):
    page = login(bob).get(reverse("health:signal_import"))
    assert page.status_code == 200 and "Only a CS leader or an admin may import signals" in page.content.decode()
    upload_file = SimpleUploadedFile("tickets.csv", TICKETS_CSV.encode())
    denied = login(bob).post(reverse("health:signal_import"), {"kind": "ticket", "mode": VALID, "file": upload_file})
    assert denied.status_code == 403
    with scope(tenant=tenant_a):
        assert not ImportJob.objects.exists()
    leader = login(member_of(Role.LEADER))
    upload_file = SimpleUploadedFile("tickets.csv", TICKETS_CSV.encode())
    with django_capture_on_commit_callbacks(execute=True):
        response = leader.post(reverse("health:signal_import"), {"kind": "ticket", "mode": VALID, "file": upload_file})
    assert response.status_code == 302
    assert count(tenant_a, "ticket") == 2
    assert "Imported 2 support tickets" in login(bob).get(response["Location"]).content.decode()


def test_another_tenants_job_is_a_404_and_each_app_serves_only_its_own_kinds(
    tenant_a, alice, charlie, book, login, run
):
    job = run(tenant_a, "ticket", TICKETS_CSV, VALID)
    with scope(tenant=tenant_a):
        account_job = account_imports.import_job_create(
            tenant=tenant_a,
            kind=ImportKind.ACCOUNTS,
            uploaded_file=SimpleUploadedFile("book.csv", b"external_id,name\nx-1,X\n"),
            by=alice,
        )
    other, owner = login(charlie), login(alice)
    for name in ("health:signal_import_job", "health:signal_import_progress", "health:signal_import_rejected"):
        url = reverse(name, args=[job.pk])
        assert owner.get(url).status_code == 200, name
        assert other.get(url).status_code == 404, name
        # An account import is not a record import: its id is a 404 here, and the other way round.
        assert owner.get(reverse(name, args=[account_job.pk])).status_code == 404, name
    assert owner.get(reverse("accounts:import_detail", args=[job.pk])).status_code == 404
    assert "tickets.csv" not in other.get(reverse("health:signal_import")).content.decode()
    assert "signals.csv" not in owner.get(reverse("accounts:import_list")).content.decode()


def test_the_job_list_costs_the_same_for_few_or_many_jobs(tenant_a, alice, book, login, django_assert_max_num_queries):
    web = login(alice)
    for _ in range(3):
        upload(tenant_a, "ticket", TICKETS_CSV, by=alice)
    with django_assert_max_num_queries(15) as few:
        web.get(reverse("health:signal_import"))
    for _ in range(22):
        upload(tenant_a, "ticket", TICKETS_CSV, by=alice)
    with django_assert_max_num_queries(len(few.captured_queries)):
        first = web.get(reverse("health:signal_import")).content.decode()
    assert first.count("signals.csv") == 20 and "Page 1 of 2" in first


# --- Background work -------------------------------------------------------------------------------


def test_the_beats_sweep_sends_a_record_import_queued_while_the_broker_was_down(tenant_a, book):
    # Uploaded, but its task never reached the broker: its on-commit message is not sent in this test.
    job = upload(tenant_a, "ticket", TICKETS_CSV, VALID)
    assert imports_requeue_all() == 0  # just queued: its message may still be on its way
    with scope(tenant=tenant_a):
        ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert imports_requeue_all() == 1
    with scope(tenant=tenant_a):
        job = ImportJob.objects.get(pk=job.pk)
    assert (job.status, counts(job)) == (ImportStatus.DONE, (2, 0, 1))
    assert imports_requeue_all() == 0


def test_a_run_whose_worker_died_is_taken_over_once_its_lease_ran_out(tenant_a, book):
    job = upload(tenant_a, "nps", "account_external_id,score,responded_on\next-1,9,2025-03-01\n")
    with scope(tenant=tenant_a):
        stale = timezone.now() - task_lease() - timedelta(seconds=1)
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, started_at=stale)
        finished = account_imports.import_job_run(job_id=job.pk, tenant=tenant_a)
        assert account_imports.import_job_run(job_id=job.pk, tenant=tenant_a) is None
    assert (finished.status, finished.created_count) == (ImportStatus.DONE, 1)
    assert count(tenant_a, "nps") == 1
