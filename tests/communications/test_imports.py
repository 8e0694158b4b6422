"""Campaign imports: a CSV of sends planned elsewhere becomes calendar entries under the caps; bad rows are
reported with line, column, value and why and skipped; a second import of the same ids updates."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from communications.models import CalendarEntry, CalendarImport, EntrySource, EntryStatus
from communications.services.import_rows import column_mapping, sample_csv
from communications.services.imports import calendar_import_run, calendar_imports_requeue
from tenancy.leases import task_lease
from tenancy.models import Role

from .builders import contact_of, make_account

pytestmark = pytest.mark.django_db

HEADER = "account,contact emails,audience role,type,channel,team,scheduled at,subject,external id\n"


@pytest.fixture
def book(tenant_a, bob):
    acme = make_account(tenant_a, 1, owner=bob)
    globex = make_account(tenant_a, 2)
    jane = contact_of(tenant_a, acme, 1, name="Jane Roe", email="jane@acme.example", roles=["champion"])
    sam = contact_of(tenant_a, acme, 2, name="Sam Lee", email="Sam@Acme.example", roles=["power_user"])
    gina = contact_of(tenant_a, globex, 3, name="Gina", email="gina@globex.example", roles=["power_user"])
    return {"acme": acme, "globex": globex, "jane": jane, "sam": sam, "gina": gina}


def upload(web, text: str, *, name="campaigns.csv", team="marketing", encoding="utf-8", capture=None):
    data = text.encode(encoding)
    with capture(execute=True):
        return web.post(
            reverse("communications:imports"),
            {"team": team, "file": SimpleUploadedFile(name, data, content_type="text/csv")},
        )


def entries(tenant) -> dict[str, CalendarEntry]:
    with scope(tenant=tenant):
        return {
            e.external_ref: e
            for e in CalendarEntry.objects.filter(source=EntrySource.CAMPAIGN_IMPORT).prefetch_related("contacts")
        }


def the_import(tenant) -> CalendarImport:
    with scope(tenant=tenant):
        return CalendarImport.objects.get()


def test_good_rows_are_kept_bad_ones_reported_and_caps_apply(
    tenant_a, alice, book, login, django_capture_on_commit_callbacks
):
    text = HEADER + (
        "ext-1,jane@acme.example;sam@acme.example,,Educational,Email,,2030-12-02T10:00,Five reports,hs-1\n"
        "Account 002,,Power user,Operational,Email,Product,2030-12-03 09:30,New in December,hs-2\n"
        "ext-1,jane@acme.example,,Promotional,Email,,2030-12-03T11:00,Offer,hs-3\n"
        "ext-1,jane@acme.example,,Promotional,Email,,2030-12-04T11:00,Another offer,hs-4\n"
        "ext-404,jane@acme.example,,Educational,Email,,2030-12-04T11:00,Lost,hs-5\n"
        "ext-1,nobody@acme.example,,Educational,Email,,2030-12-04T11:00,Who,hs-6\n"
        "ext-1,,Champion,Newsletter,Email,,2030-12-04T11:00,Bad type,hs-7\n"
        "ext-1,,Champion,Educational,Email,,next tuesday,Bad date,hs-8\n"
        "ext-1,,Champion,Educational,Email,,2030-12-05T11:00,Duplicate id,hs-1\n"
    )
    response = upload(login(alice), text, capture=django_capture_on_commit_callbacks)
    job = the_import(tenant_a)
    assert response.status_code == 302
    assert response["Location"] == reverse("communications:import_detail", kwargs={"import_id": job.pk})
    assert (job.status, job.total_rows, job.processed_rows) == (CalendarImport.Status.DONE, 9, 9)
    assert (job.created_count, job.updated_count, job.rejected_count) == (4, 0, 5)
    assert [(e["line"], e["column"], e["value"]) for e in job.errors] == [
        (6, "account", "ext-404"),
        (7, "contact emails", "nobody@acme.example"),
        (8, "type", "Newsletter"),
        (9, "scheduled at", "next tuesday"),
        (10, "external id", "hs-1"),
    ]
    assert job.errors[0]["reason"] == "No account has this external id or name."
    assert job.errors[4]["reason"] == "Line 2 has the same external id."

    made = entries(tenant_a)
    assert set(made) == {"hs-1", "hs-2", "hs-3", "hs-4"}
    first = made["hs-1"]
    assert first.team == "marketing" and first.calendar_import_id == job.pk and first.created_by_id is None
    # Naive times are in the tenant's zone (Berlin, UTC+1 in December).
    assert first.scheduled_at == dt.datetime(2030, 12, 2, 9, 0, tzinfo=dt.UTC)
    assert {c.pk for c in first.contacts.all()} == {book["jane"].pk, book["sam"].pk}
    assert made["hs-2"].audience_role == "power_user" and made["hs-2"].team == "product"
    assert made["hs-2"].account_id == book["globex"].pk
    # Jane has two emails that week already: the third is deferred by the cap, with its reason.
    assert made["hs-3"].status == EntryStatus.SCHEDULED
    assert made["hs-4"].status == EntryStatus.DEFERRED and "cap" in made["hs-4"].status_reason
    assert "1 of them wait" in job.message and "5 rows were skipped" in job.message

    page = login(alice).get(reverse("communications:import_detail", kwargs={"import_id": job.pk}))
    body = page.content.decode()
    assert "next tuesday" in body and "hx-get" not in body
    skipped_link = reverse("communications:import_rejected_csv", kwargs={"import_id": job.pk})
    assert skipped_link in body

    # The skipped rows come back as a file to fix: their own columns, and why each was skipped.
    download = login(alice).get(skipped_link)
    assert download.status_code == 200 and 'filename="campaigns-rejected.csv"' in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [*HEADER.strip().split(","), "error"]
    assert [row[-2] for row in rows[1:]] == ["hs-5", "hs-6", "hs-7", "hs-8", "hs-1"]
    assert rows[1][-1] == "account: No account has this external id or name."


def test_an_import_without_skipped_rows_offers_no_file(
    tenant_a, alice, book, login, django_capture_on_commit_callbacks
):
    text = HEADER + "ext-1,jane@acme.example,,Educational,Email,,2030-12-02T10:00,Hi,hs-1\n"
    upload(login(alice), text, capture=django_capture_on_commit_callbacks)
    job = the_import(tenant_a)
    assert job.status == CalendarImport.Status.DONE and not job.rejected_file
    skipped = login(alice).get(reverse("communications:import_rejected_csv", kwargs={"import_id": job.pk}))
    assert skipped.status_code == 404


def test_a_run_whose_worker_died_is_taken_over_once_its_lease_ran_out(tenant_a, alice, book, login):
    text = HEADER + "ext-1,jane@acme.example,,Educational,Email,,2030-12-02T10:00,Hi,hs-1\n"
    login(alice).post(
        reverse("communications:imports"), {"team": "marketing", "file": SimpleUploadedFile("c.csv", text.encode())}
    )
    job = the_import(tenant_a)
    with scope(tenant=tenant_a):
        # A run started just now may still be working: a second message leaves it alone.
        CalendarImport.objects.filter(pk=job.pk).update(status=CalendarImport.Status.RUNNING, started_at=timezone.now())
        assert calendar_import_run(tenant=tenant_a, import_id=job.pk) is None
        assert calendar_imports_requeue(tenant=tenant_a) == 0
        # One that started longer ago than a task may run has lost its worker: the sweep sends it again,
        # and the run (in-process here) takes it over.
        stale = timezone.now() - task_lease() - dt.timedelta(seconds=1)
        CalendarImport.objects.filter(pk=job.pk).update(started_at=stale)
        assert calendar_imports_requeue(tenant=tenant_a) == 1
    finished = the_import(tenant_a)
    assert finished.status == CalendarImport.Status.DONE and finished.started_at > stale
    assert set(entries(tenant_a)) == {"hs-1"}


def test_a_second_import_of_the_same_ids_updates(tenant_a, alice, book, login, django_capture_on_commit_callbacks):
    web = login(alice)
    row = "ext-1,jane@acme.example,,Educational,Email,,{at},{subject},hs-1\n"
    upload(web, HEADER + row.format(at="2030-12-02T10:00", subject="Old"), capture=django_capture_on_commit_callbacks)
    before = entries(tenant_a)["hs-1"]
    upload(web, HEADER + row.format(at="2030-12-09T10:00", subject="New"), capture=django_capture_on_commit_callbacks)
    after = entries(tenant_a)
    assert list(after) == ["hs-1"]
    assert after["hs-1"].pk == before.pk and after["hs-1"].subject == "New"
    assert after["hs-1"].scheduled_at == dt.datetime(2030, 12, 9, 9, 0, tzinfo=dt.UTC)
    with scope(tenant=tenant_a):
        second = CalendarImport.objects.order_by("-id").first()
    assert (second.created_count, second.updated_count) == (0, 1)


def test_semicolons_and_windows_1252_are_read(tenant_a, alice, book, login, django_capture_on_commit_callbacks):
    text = HEADER.replace(",", ";") + "ext-1;gina@globex.example;;Educational;E-mail;;2030-12-02;Grüße;x-1\n"
    text += "Account 001;;Champion;Educational;Email;;2030-12-02;Grüße aus Köln;x-2\n"
    upload(login(alice), text, encoding="cp1252", capture=django_capture_on_commit_callbacks)
    job = the_import(tenant_a)
    # Gina is Globex's contact, not Acme's: the row says so.
    assert [(e["line"], e["column"]) for e in job.errors] == [(2, "contact emails")]
    assert entries(tenant_a)["x-2"].subject == "Grüße aus Köln"


def test_a_file_without_the_columns_is_refused_and_nothing_kept(
    tenant_a, alice, book, login, django_capture_on_commit_callbacks
):
    response = upload(login(alice), "name,when\nAcme,tomorrow\n", capture=django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "has no column for" in " ".join(response.context["form"].errors["file"])
    with scope(tenant=tenant_a):
        assert not CalendarImport.objects.exists()


def test_only_leaders_and_admins_import(tenant_a, bob, book, member_of, login, django_capture_on_commit_callbacks):
    text = HEADER + "ext-1,jane@acme.example,,Educational,Email,,2030-12-02T10:00,Hi,hs-1\n"
    assert upload(login(bob), text, capture=django_capture_on_commit_callbacks).status_code == 403
    viewer = login(member_of(Role.VIEWER))
    page = viewer.get(reverse("communications:imports"))
    assert page.status_code == 200 and page.context["form"] is None
    leader = login(member_of(Role.LEADER))
    assert upload(leader, text, capture=django_capture_on_commit_callbacks).status_code == 302
    assert list(entries(tenant_a)) == ["hs-1"]


def test_progress_polls_until_done(tenant_a, alice, book, login):
    text = HEADER + "ext-1,jane@acme.example,,Educational,Email,,2030-12-02T10:00,Hi,hs-1\n"
    web = login(alice)
    # Without running the on-commit task: the import waits for a worker.
    web.post(
        reverse("communications:imports"), {"team": "marketing", "file": SimpleUploadedFile("c.csv", text.encode())}
    )
    job = the_import(tenant_a)
    progress = web.get(reverse("communications:import_progress", kwargs={"import_id": job.pk}))
    assert progress.status_code == 200 and 'hx-trigger="every 1s"' in progress.content.decode()
    assert "Waiting for a worker" in progress.content.decode()


def test_sample_csv_matches_the_columns(login, alice, tenant_a):
    response = login(alice).get(reverse("communications:import_sample"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    header = sample_csv().splitlines()[0].split(",")
    assert set(column_mapping(header)) >= {"account", "contacts", "message_type", "scheduled_at", "external_ref"}


def test_import_list_costs_bounded_queries(
    tenant_a, alice, book, login, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    web = login(alice)
    for n in range(5):
        text = HEADER + f"ext-1,jane@acme.example,,Transactional,Email,,2030-12-02T10:00,Receipt {n},r-{n}\n"
        upload(web, text, capture=django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(15):
        response = web.get(reverse("communications:imports"))
    assert len(response.context["page"].object_list) == 5


@pytest.fixture
def small_head(monkeypatch):
    """An upload reads 256 bytes of a CSV instead of 1 MB: a file of a few dozen rows stands for a large one."""
    from core.imports import reading

    monkeypatch.setattr(reading, "HEAD_BYTES", 256)


def long_file(count: int) -> str:
    return HEADER + "".join(
        f"ext-1,jane@acme.example,,Educational,Email,,2030-12-02T10:00,Send {n},long-{n:03d}\n" for n in range(count)
    )


def test_an_upload_reads_the_head_and_the_run_counts_and_checks_the_rows(tenant_a, alice, book, login, small_head):
    web = login(alice)
    # Without running the on-commit task: what the request did alone.
    response = web.post(
        reverse("communications:imports"),
        {"team": "marketing", "file": SimpleUploadedFile("c.csv", long_file(30).encode())},
    )
    assert response.status_code == 302
    job = the_import(tenant_a)
    assert (job.status, job.total_rows) == (CalendarImport.Status.UPLOADED, 0)
    progress = web.get(reverse("communications:import_progress", kwargs={"import_id": job.pk})).content.decode()
    assert "rows not counted yet" in progress
    with scope(tenant=tenant_a):
        calendar_import_run(tenant=tenant_a, import_id=job.pk)
    job = the_import(tenant_a)
    assert (job.status, job.total_rows, job.processed_rows, job.created_count) == ("done", 30, 30, 30)


def test_a_broken_line_past_the_head_ends_the_import_with_where(
    tenant_a, alice, book, login, small_head, django_capture_on_commit_callbacks
):
    web = login(alice)
    text = long_file(30) + "ext-1,jane@acme.example,,Educational,Email,,2030-12-02T10:00,Broken,x,extra\n"
    # Refused by the request before; now accepted, and the run says what is wrong and where.
    assert upload(web, text, capture=django_capture_on_commit_callbacks).status_code == 302
    job = the_import(tenant_a)
    assert job.status == CalendarImport.Status.FAILED
    assert job.message.startswith("Nothing imported: Line 32 has 10 cells, but the first row names 9 columns.")
    assert not entries(tenant_a)
    page = web.get(reverse("communications:import_detail", kwargs={"import_id": job.pk})).content.decode()
    assert "Line 32 has 10 cells" in page


def test_the_api_accepts_a_long_file_and_the_import_reports_its_bad_rows(
    tenant_a, alice, book, small_head, api_as, django_capture_on_commit_callbacks
):
    api = api_as(alice, tenant_a)
    text = long_file(30) + "ext-1,nobody@acme.example,,Educational,Email,,2030-12-02T10:00,Bad,long-bad\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/calendar-imports/",
            {"team": "marketing", "file": SimpleUploadedFile("c.csv", text.encode())},
            format="multipart",
        )
    assert response.status_code == 201, response.content
    assert response.json()["total_rows"] == 0
    detail = api.get(f"/api/v1/calendar-imports/{response.json()['id']}/").json()
    assert (detail["status"], detail["total_rows"], detail["created_count"], detail["rejected_count"]) == (
        "done",
        31,
        30,
        1,
    )
    assert [(e["line"], e["column"]) for e in detail["errors"]] == [(32, "contact emails")]
