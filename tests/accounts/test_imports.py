"""Bulk imports of accounts and contacts: bad files, row errors, both modes, upserts, the pages and 100,000 rows."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pandas as pd
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from accounts import services
from accounts.imports.mapping import guess_mapping, target_fields
from accounts.models import (
    Account,
    Contact,
    ImportJob,
    ImportKind,
    ImportMapping,
    ImportMode,
    ImportStatus,
    TierChange,
    TierChangeReason,
)
from accounts.selectors import imports as selectors
from accounts.services import imports
from accounts.tasks import import_job_run_task
from core.imports.safety import safe_cell
from tenancy.leases import task_lease

from .builders import keep_arr_by_contracts, make_account

pytestmark = pytest.mark.django_db

ACCOUNTS_CSV = (
    "Account ID,Company,Segment,ARR,ACV,Seats,CSM email,Parent account id\n"
    "A-2,Acme Europe,Mid-market,40000,40000,120,bob@alpha.example,A-1\n"
    "A-1,Acme Holding,ENTERPRISE,250000,250000,900,,\n"
    "A-3,Tiny Ltd,smb,2400,2400,5,,\n"
)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Uploads and rejected-rows files of these tests go away with them.
    settings.MEDIA_ROOT = tmp_path


def upload(tenant, data: bytes | str, *, name: str = "book.csv", kind: str = ImportKind.ACCOUNTS, by=None):
    content = data.encode() if isinstance(data, str) else data
    with scope(tenant=tenant):
        return imports.import_job_create(
            tenant=tenant, kind=kind, uploaded_file=SimpleUploadedFile(name, content), by=by
        )


@pytest.fixture
def run_import(tenant_a, alice, django_capture_on_commit_callbacks):
    """Upload, configure (the task runs on commit, in-process) and return the finished job."""

    def run(data, *, kind=ImportKind.ACCOUNTS, mode=ImportMode.ALL_OR_NOTHING, mapping=None, name="book.csv"):
        job = upload(tenant_a, data, name=name, kind=kind, by=alice)
        with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
            imports.import_job_configure(job=job, mapping=mapping or job.mapping, mode=mode, by=alice)
        with scope(tenant=tenant_a):
            return ImportJob.objects.get(pk=job.pk)

    return run


def accounts_of(tenant) -> dict[str, Account]:
    with scope(tenant=tenant):
        return {a.external_id: a for a in Account.objects.filter(tenant=tenant).select_related("service_tier")}


def rejected_rows(job: ImportJob) -> list[dict]:
    with job.rejected_file.open("rb") as stored:
        return list(csv.DictReader(io.StringIO(stored.read().decode("utf-8-sig"))))


# --- Reading the file and guessing the columns -----------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV or Excel file. It looks like a PNG image."),
        (bytes(range(256)) * 4, "This is not a CSV or Excel file."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "It looks like an Excel 97-2003 workbook (.xls)"),
        (b"", "The file is empty."),
        (b",,\nA-1,Acme,smb\n", "The first row is empty. It must hold the column names"),
        (b"1,2,3\n4,5,6\n", "The first row holds numbers, not column names."),
        (b"Name,Segment,name\nAcme,smb,x\n", "The column name 'name' appears twice in the first row (columns 1 and 3)"),
        (b"Account ID,Name,Segment\n", "The file has a header row but no data rows."),
        (b"Account ID,Name\nA-1,Acme,extra\n", "Line 2 has 3 cells, but the first row names 2 columns."),
        (b'Account ID,Name\nA-1,"Acme\n', "A quoted cell on line 2 is never closed."),
    ],
)
def test_a_bad_file_is_refused_with_a_clear_error_and_changes_nothing(tenant_a, content, message):
    with pytest.raises(ValidationError) as refused:
        upload(tenant_a, content)
    assert message in " ".join(refused.value.messages)
    with scope(tenant=tenant_a):
        assert not ImportJob.objects.exists()


class UnreadableUpload(SimpleUploadedFile):
    def read(self, *args):
        raise AssertionError("the file was read")


def test_a_file_over_the_limit_is_refused_before_reading_with_its_size(tenant_a, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    big = UnreadableUpload("big.csv", b"Account ID,Name,Segment\n" + b"A-1,Acme,smb\n" * 100_000)
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as refused:
        imports.import_job_create(tenant=tenant_a, kind=ImportKind.ACCOUNTS, uploaded_file=big, by=None)
    assert refused.value.messages == [
        "The file is 1.24 MB; imports are limited to 1 MB. "
        "Split it into smaller files and import them one after the other."
    ]
    with scope(tenant=tenant_a):
        assert not ImportJob.objects.exists()


def test_windows_1252_file_with_umlauts_and_semicolons_imports_correctly(tenant_a, run_import):
    data = "Account ID;Name;Segment;Region\nA-1;Müller Ölwerke GmbH;SMB;Süd\n".encode("cp1252")
    job = run_import(data)
    assert (job.status, job.encoding, job.created_count) == (ImportStatus.DONE, "cp1252", 1)
    account = accounts_of(tenant_a)["A-1"]
    assert (account.name, account.region) == ("Müller Ölwerke GmbH", "Süd")


def test_utf8_with_bom_reads_the_first_header_without_the_bom(tenant_a, run_import):
    job = run_import("\ufeffAccount ID,Name,Segment\nA-1,Café Zoë,smb\n".encode())
    assert job.encoding == "utf-8-sig"
    assert job.headers == ["Account ID", "Name", "Segment"]
    assert accounts_of(tenant_a)["A-1"].name == "Café Zoë"


def test_unicode_text_from_excel_utf16_and_tab_separated_imports(tenant_a, run_import):
    job = run_import("Account ID\tName\tSegment\r\nA-1\tZoë Ltd\tsmb\r\n".encode("utf-16"), name="book.txt")
    assert (job.encoding, job.created_count) == ("utf-16", 1)
    assert accounts_of(tenant_a)["A-1"].name == "Zoë Ltd"


def test_columns_are_guessed_from_names_and_synonyms():
    headers = ["groupId", "Account name", "Segment", "ARR", "ACV", "Seats", "Owner", "Parent account id", "Notes"]
    mapping = guess_mapping(targets=target_fields(kind=ImportKind.ACCOUNTS, custom_fields=[]), headers=headers)
    assert mapping == {
        "external_id": "groupId",
        "name": "Account name",
        "segment": "Segment",
        "arr": "ARR",
        "acv": "ACV",
        "seats_purchased": "Seats",
        "owner_email": "Owner",
        "parent_external_id": "Parent account id",
    }
    contacts = guess_mapping(
        targets=target_fields(kind=ImportKind.CONTACTS, custom_fields=[]),
        headers=["userId", "Account ID", "Full name", "E-mail", "Role"],
    )
    assert contacts == {
        "external_id": "userId",
        "account_external_id": "Account ID",
        "name": "Full name",
        "email": "E-mail",
        "roles": "Role",
    }


def test_the_saved_mapping_of_the_tenant_wins_over_guessing(tenant_a, run_import):
    data = "Legal name,Name,Key,Segment\nAcme Inc.,ACME,A-1,smb\n"
    mapping = {"external_id": "Key", "name": "Legal name", "segment": "Segment"}
    run_import(data, mapping=mapping)
    with scope(tenant=tenant_a):
        assert ImportMapping.objects.get(tenant=tenant_a, kind=ImportKind.ACCOUNTS).mapping == mapping
    again = upload(tenant_a, data)
    assert again.mapping == mapping
    assert accounts_of(tenant_a)["A-1"].name == "Acme Inc."


def test_the_mapping_must_fill_required_fields_with_columns_of_the_file(tenant_a):
    job = upload(tenant_a, "Account ID,Company,Segment\nA-1,Acme,smb\n")
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as refused:
        imports.import_job_configure(
            job=job,
            mapping={"external_id": "Account ID", "segment": "Company", "industry": "Company"},
            mode="valid_rows",
            by=None,
        )
    assert refused.value.messages == [
        "Choose the column for Name: it is required.",
        "The column 'Company' is chosen for Segment and Industry; a column fills one field.",
    ]
    with scope(tenant=tenant_a):
        assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.UPLOADED


# --- Checking rows ---------------------------------------------------------------------------------


def test_row_errors_say_line_column_value_and_reason_and_all_or_nothing_writes_nothing(tenant_a, bob, run_import):
    data = (
        "Account ID,Company,Segment,ARR,Seats,CSM email,Parent account id\n"
        "A-1,Acme,smb,1000,10,bob@alpha.example,\n"
        "A-2,Beta,smb,-5,10,,\n"
        "\n"
        "A-3,Gamma,smb,100,1000000000,ghost@alpha.example,\n"
        "A-4,,galaxy,100,1,,Z-9\n"
    )
    job = run_import(data)
    assert job.status == ImportStatus.REJECTED
    assert job.errors == [
        {"line": 3, "column": "ARR", "value": "-5", "reason": "-5 is below the minimum of 0."},
        {"line": 5, "column": "Seats", "value": "1000000000", "reason": "1000000000 is above the maximum of 10000000."},
        {
            "line": 5,
            "column": "CSM email",
            "value": "ghost@alpha.example",
            "reason": "No active CSM, leader or admin of this tenant has the email ghost@alpha.example.",
        },
        {"line": 6, "column": "Company", "value": "", "reason": "Name is required."},
        {
            "line": 6,
            "column": "Segment",
            "value": "galaxy",
            "reason": "'galaxy' is not one of: Enterprise, Mid-market, SMB, Product-led.",
        },
    ]
    assert (job.rejected_count, job.created_count, job.processed_rows, job.total_rows) == (3, 0, 4, 4)
    assert job.message.startswith("Nothing imported: 3 of 4 rows have errors.")
    assert accounts_of(tenant_a) == {}


def test_duplicate_external_ids_reject_the_whole_file_listing_the_lines(tenant_a, run_import):
    data = "Account ID,Name,Segment\nA-1,Acme,smb\nA-2,Beta,smb\nA-1,Acme again,smb\nA-1,Acme thrice,smb\n"
    job = run_import(data, mode=ImportMode.VALID_ROWS)
    assert job.status == ImportStatus.REJECTED
    assert job.errors == [
        {
            "line": 4,
            "column": "Account ID",
            "value": "A-1",
            "reason": "The external id A-1 appears on lines 2, 4 and 5: each account may appear only once.",
        }
    ]
    assert accounts_of(tenant_a) == {}


def test_a_parent_must_exist_and_must_not_make_a_loop(tenant_a, run_import):
    with scope(tenant=tenant_a):
        top = services.account_create(tenant=tenant_a, by=None, external_id="TOP", name="Top", segment="enterprise")
        services.account_create(tenant=tenant_a, by=None, external_id="MID", name="Mid", segment="smb", parent=top)
    data = "Account ID,Name,Segment,Parent\nTOP,Top,enterprise,MID\nNEW,New,smb,GONE\nKID,Kid,smb,NEW\n"
    job = run_import(data, mode=ImportMode.VALID_ROWS)
    assert [(e["line"], e["reason"]) for e in job.errors] == [
        (2, "MID is below TOP already: making it the parent would be a loop."),
        (3, "No account has the external id GONE, neither in this tenant nor in this file."),
        (4, "The parent account NEW on line 3 was rejected."),
    ]
    assert accounts_of(tenant_a)["TOP"].parent_id is None


# --- Writing ---------------------------------------------------------------------------------------


def test_accounts_import_sets_tier_owner_parent_and_custom_fields(tenant_a, bob, tiers, run_import, alice):
    with scope(tenant=tenant_a):
        services.custom_field_define(tenant=tenant_a, label="Data residency", field_type="choice", choices=["EU", "US"])
    data = ACCOUNTS_CSV.replace("Parent account id\n", "Parent account id,Data residency\n")
    data = data.replace("bob@alpha.example,A-1\n", "BOB@alpha.example,A-1,eu\n").replace(",,\n", ",,,\n")
    job = run_import(data)
    assert (job.status, job.created_count, job.updated_count, job.rejected_count) == (ImportStatus.DONE, 3, 0, 0)
    assert job.message == "Imported 3 accounts: 3 created, 0 updated."
    accounts = accounts_of(tenant_a)
    europe, holding, tiny = accounts["A-2"], accounts["A-1"], accounts["A-3"]
    assert (europe.segment, holding.segment, tiny.segment) == ("mid_market", "enterprise", "smb")
    assert europe.owner == bob and europe.parent_id == holding.pk and europe.custom_fields == {"data_residency": "EU"}
    assert (europe.arr, europe.seats_purchased) == (Decimal("40000.00"), 120)
    assert (holding.service_tier, europe.service_tier, tiny.service_tier) == (
        tiers["high"],
        tiers["low"],
        tiers["tech"],
    )
    with scope(tenant=tenant_a):
        changes = TierChange.objects.filter(tenant=tenant_a)
        assert sorted(changes.values_list("account__external_id", "reason", "actor")) == [
            ("A-1", TierChangeReason.INITIAL, alice.pk),
            ("A-2", TierChangeReason.INITIAL, alice.pk),
            ("A-3", TierChangeReason.INITIAL, alice.pk),
        ]


def test_custom_field_errors_name_their_column_and_required_ones_bind_new_accounts(tenant_a, run_import):
    with scope(tenant=tenant_a):
        services.custom_field_define(
            tenant=tenant_a, label="Data residency", field_type="choice", choices=["EU", "US"], required=True
        )
        services.account_create(
            tenant=tenant_a,
            by=None,
            external_id="OLD",
            name="Old",
            segment="smb",
            custom_fields={"data_residency": "EU"},
        )
    data = "Account ID,Name,Segment,Residency\nOLD,Old Co,smb,\nNEW,New,smb,\nBAD,Bad,galaxy,Mars\nUS,Us,smb,us\n"
    mapping = {"external_id": "Account ID", "name": "Name", "segment": "Segment", "cf_data_residency": "Residency"}
    job = run_import(data, mapping=mapping, mode=ImportMode.VALID_ROWS)
    assert [(e["line"], e["column"], e["value"], e["reason"]) for e in job.errors] == [
        (3, "Residency", "", "Data residency is required."),
        (4, "Segment", "galaxy", "'galaxy' is not one of: Enterprise, Mid-market, SMB, Product-led."),
        (4, "Residency", "Mars", "'Mars' is not one of: EU, US."),
    ]
    accounts = accounts_of(tenant_a)
    assert accounts["OLD"].custom_fields == {"data_residency": "EU"} and accounts["OLD"].name == "Old Co"
    assert accounts["US"].custom_fields == {"data_residency": "US"}
    assert (job.created_count, job.updated_count, job.rejected_count) == (1, 1, 2)


def test_importing_again_updates_by_external_id_and_an_acv_change_moves_the_tier(tenant_a, bob, tiers, run_import):
    run_import(ACCOUNTS_CSV)
    data = "Account ID,Company,Segment,ACV,Industry\nA-3,Tiny Ltd,smb,150000,\nA-4,Newco,smb,,Retail\n"
    job = run_import(data)
    assert (job.created_count, job.updated_count) == (1, 1)
    accounts = accounts_of(tenant_a)
    assert len(accounts) == 4
    tiny = accounts["A-3"]
    # The empty industry and the ARR column missing altogether leave what was there.
    assert (tiny.acv, tiny.arr, tiny.service_tier) == (Decimal("150000.00"), Decimal("2400.00"), tiers["high"])
    with scope(tenant=tenant_a):
        move = TierChange.objects.filter(account=tiny).first()
    assert (move.from_tier, move.to_tier, move.reason) == (tiers["tech"], tiers["high"], TierChangeReason.ACV_RULE)
    assert accounts["A-4"].acv == 0 and accounts["A-4"].industry == "Retail"


def test_valid_rows_mode_writes_the_good_rows_and_returns_the_rest_as_csv(tenant_a, run_import):
    data = "Account ID,Name,Segment,ARR\nA-1,Acme,smb,100\nA-2,Beta,smb,lots\nA-3,Gamma,smb,300\n"
    job = run_import(data, mode=ImportMode.VALID_ROWS)
    assert (job.status, job.created_count, job.rejected_count) == (ImportStatus.DONE, 2, 1)
    assert job.message == (
        "Imported 2 accounts: 2 created, 0 updated. 1 rows were rejected: download them, fix them and import that file."
    )
    assert sorted(accounts_of(tenant_a)) == ["A-1", "A-3"]
    assert rejected_rows(job) == [
        {"Account ID": "A-2", "Name": "Beta", "Segment": "smb", "ARR": "lots", "error": "ARR: 'lots' is not a number."}
    ]


def test_a_row_retyping_an_arr_kept_by_contracts_is_an_error_of_that_row(tenant_a, tiers, run_import):
    keep_arr_by_contracts(tenant_a, make_account(tenant_a, 1), 12_000)
    keep_arr_by_contracts(tenant_a, make_account(tenant_a, 2), 8_000)
    make_account(tenant_a, 3, acv=5_000)
    data = (
        "Account ID,Name,Segment,ARR,Industry\n"
        "ext-1,Account 001,mid_market,15000,Retail\n"
        'ext-2,Account 002,mid_market,"8,000.00",Retail\n'
        "ext-3,Account 003,mid_market,6000,Retail\n"
        "ext-1b,New,smb,100,\n"
    )
    kept = (
        "This account's ARR is the sum of its active contracts (currently 12,000 EUR); "
        "change it with a contract amendment."
    )
    job = run_import(data)
    assert job.status == ImportStatus.REJECTED
    assert job.errors == [{"line": 2, "column": "ARR", "value": "15000", "reason": kept}]
    assert accounts_of(tenant_a)["ext-1"].industry == ""
    job = run_import(data, mode=ImportMode.VALID_ROWS)
    assert (job.status, job.created_count, job.updated_count, job.rejected_count) == (ImportStatus.DONE, 1, 2, 1)
    assert rejected_rows(job)[0]["error"] == f"ARR: {kept}"
    accounts = accounts_of(tenant_a)
    assert (accounts["ext-1"].arr, accounts["ext-1"].industry) == (Decimal(12_000), "")
    # The same ARR and an ARR no contract keeps go through.
    assert (accounts["ext-2"].arr, accounts["ext-2"].industry) == (Decimal(8_000), "Retail")
    assert (accounts["ext-3"].arr, accounts["ext-3"].arr_from_contracts) == (Decimal(6_000), False)


def test_rejected_rows_are_escaped_against_spreadsheet_formulas(tenant_a, alice, login, run_import):
    data = (
        "Account ID,Name,Segment\n"
        'A-1,"=HYPERLINK(""http://evil.example"")",galaxy\n'
        "A-2,@SUM(A1),smb\n"
        "+49 30,Plus,moon\n"
    )
    job = run_import(data, mode=ImportMode.VALID_ROWS)
    response = login(alice).get(reverse("accounts:import_rejected_csv", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="book-rejected.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[1][:2] == ["A-1", '\'=HYPERLINK("http://evil.example")']
    assert rows[2][0] == "'+49 30"
    assert accounts_of(tenant_a)["A-2"].name == "@SUM(A1)"  # stored as given; only the CSV is escaped


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_safe_cell(value, safe):
    assert safe_cell(value) == safe


def test_contacts_import_with_roles_upserts_by_external_id_then_by_email(tenant_a, run_import):
    with scope(tenant=tenant_a):
        acme = services.account_create(tenant=tenant_a, by=None, external_id="A-1", name="Acme", segment="smb")
        hand_made = services.contact_create(tenant=tenant_a, account=acme, name="Jane R.", email="jane@acme.example")
    data = (
        "userId,groupId,Full name,Email,Roles,Active,Last seen\n"
        "u-1,A-1,Jane Roe,JANE@acme.example,Champion; power_user,yes,2026-11-02 09:30\n"
        ",A-1,Max Mustermann,max@acme.example,Executive sponsor|decision_maker,no,2026-10-01\n"
        "u-3,A-9,Nobody,,,,\n"
        "u-4,A-1,Boss,,boss,,\n"
    )
    job = run_import(data, kind=ImportKind.CONTACTS, mode=ImportMode.VALID_ROWS)
    assert (job.created_count, job.updated_count, job.rejected_count) == (1, 1, 2)
    assert [(e["line"], e["column"], e["reason"]) for e in job.errors] == [
        (4, "groupId", "No account has the external id A-9; import the accounts first."),
        (5, "Roles", "'boss' is not one of: Champion, Executive sponsor, Decision maker, Power user, Admin, End user."),
    ]
    with scope(tenant=tenant_a):
        jane = Contact.objects.get(pk=hand_made.pk)
        max_ = Contact.objects.get(email="max@acme.example")
    assert (jane.external_id, jane.name, jane.roles) == ("u-1", "Jane Roe", "champion,power_user")
    assert jane.last_seen_at.isoformat() == "2026-11-02T08:30:00+00:00"  # 09:30 in Berlin
    assert (max_.roles, max_.is_active) == ("executive_sponsor,decision_maker", False)
    again = run_import("userId,groupId,Full name\nu-1,A-1,Jane Roe-Smith\n", kind=ImportKind.CONTACTS)
    assert (again.created_count, again.updated_count) == (0, 1)
    with scope(tenant=tenant_a):
        assert Contact.objects.filter(tenant=tenant_a).count() == 2
        assert Contact.objects.get(pk=hand_made.pk).roles == "champion,power_user"


def test_excel_workbook_imports_like_csv(tenant_a, run_import, bob):
    frame = pd.DataFrame(
        {
            "Account ID": ["X-1", "X-2"],
            "Company": ["Excel AG", "Sheet GmbH"],
            "Segment": ["Enterprise", "SMB"],
            "ARR": [120000.5, 900],
            "Seats": [40, 3],
            "Signed": [pd.Timestamp("2025-03-01"), None],
            "CSM email": ["bob@alpha.example", None],
        }
    )
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    job = run_import(buffer.getvalue(), name="book.xlsx")
    assert (job.status, job.created_count, job.encoding) == (ImportStatus.DONE, 2, "")
    excel = accounts_of(tenant_a)["X-1"]
    assert (excel.arr, excel.seats_purchased, str(excel.signed_on), excel.owner) == (
        Decimal("120000.50"),
        40,
        "2025-03-01",
        bob,
    )


def test_a_job_runs_once_however_often_its_task_is_delivered(tenant_a, bob, run_import):
    job = run_import(ACCOUNTS_CSV)
    assert job.created_count == 3
    import_job_run_task.delay(tenant_id=tenant_a.pk, import_job_id=job.pk)
    with scope(tenant=tenant_a):
        assert imports.import_job_run(job_id=job.pk, tenant=tenant_a) is None
        again = ImportJob.objects.get(pk=job.pk)
        assert (again.status, again.created_count, again.finished_at) == (ImportStatus.DONE, 3, job.finished_at)
        assert Account.objects.filter(tenant=tenant_a).count() == 3
        assert TierChange.objects.filter(tenant=tenant_a).count() == 0  # no tiers defined in this test


def test_an_unexpected_error_fails_the_job_with_its_reason_and_reraises(
    tenant_a, alice, django_capture_on_commit_callbacks
):
    job = upload(tenant_a, ACCOUNTS_CSV, by=alice)
    # The stored upload disappears before the run (a volume lost between web and worker).
    job.file.storage.delete(job.file.name)
    with scope(tenant=tenant_a), pytest.raises(FileNotFoundError), django_capture_on_commit_callbacks(execute=True):
        imports.import_job_configure(job=job, mapping=job.mapping, mode=ImportMode.ALL_OR_NOTHING, by=alice)
    with scope(tenant=tenant_a):
        job = ImportJob.objects.get()
        assert not Account.objects.exists()
    assert job.status == ImportStatus.FAILED
    assert job.message.startswith("The import stopped after 0 of ")
    assert "importing the file again is safe" in job.message


def test_a_redelivered_run_takes_over_a_job_whose_worker_died(tenant_a, alice, bob):
    job = upload(tenant_a, ACCOUNTS_CSV, by=alice)
    with scope(tenant=tenant_a):
        # A run claimed the job and its worker died: the job is RUNNING, and nothing works on it.
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.RUNNING,
            mode=ImportMode.ALL_OR_NOTHING,
            started_at=timezone.now() - task_lease() - timedelta(seconds=1),
        )
        finished = imports.import_job_run(job_id=job.pk, tenant=tenant_a)
        assert finished.status == ImportStatus.DONE and finished.created_count == 3
        assert Account.objects.count() == 3


def test_a_run_waits_while_another_may_still_hold_the_job(tenant_a, alice):
    job = upload(tenant_a, ACCOUNTS_CSV, by=alice)
    with scope(tenant=tenant_a):
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, started_at=timezone.now())
        with pytest.raises(imports.ImportJobBusy) as busy:
            imports.import_job_run(job_id=job.pk, tenant=tenant_a)
        assert 0 < busy.value.retry_in <= task_lease().total_seconds() + 1
        assert not Account.objects.exists()


def test_one_hundred_thousand_rows_import_completely(tenant_a, tiers, run_import):
    # How fast is bench/import_accounts.py's question: wall-clock time is no test's to assert.
    n = 100_000
    frame = pd.DataFrame(
        {
            "Account ID": [f"ACC-{i:06d}" for i in range(n)],
            "Company": [f"Company {i}" for i in range(n)],
            "Segment": ["SMB", "Mid-market", "Enterprise", "product_led"] * (n // 4),
            "ARR": [str(1000 + i) for i in range(n)],
            "ACV": [str((i % 200) * 1000) for i in range(n)],
            "Seats": [str(i % 500) for i in range(n)],
            "Parent account id": [""] * 10 + [f"ACC-{i % 10:06d}" for i in range(10, n)],
        }
    )
    job = run_import(frame.to_csv(index=False), name="big.csv")
    assert (job.status, job.created_count, job.processed_rows, job.total_rows) == (ImportStatus.DONE, n, n, n)
    with scope(tenant=tenant_a):
        assert Account.objects.filter(tenant=tenant_a, parent__isnull=False).count() == n - 10
        assert TierChange.objects.filter(tenant=tenant_a).count() == n


# --- The pages -------------------------------------------------------------------------------------


def test_upload_map_preview_run_and_see_results_in_the_browser(
    tenant_a, alice, bob, login, django_capture_on_commit_callbacks
):
    web = login(alice)
    response = web.post(
        reverse("accounts:import_list"),
        {"kind": "accounts", "file": SimpleUploadedFile("book.csv", ACCOUNTS_CSV.encode())},
    )
    with scope(tenant=tenant_a):
        job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("accounts:import_detail", args=[job.pk])
    page = web.get(response["Location"]).content.decode()
    assert '<option value="Company" selected>Company</option>' in page
    assert "Acme Europe" in page and "Tiny Ltd" in page  # the preview
    preview = web.get(reverse("accounts:import_detail", args=[job.pk]), {"name": "Account ID"}).content.decode()
    assert "<td>A-2</td>" in preview.split('id="preview"')[1]
    progress_url = reverse("accounts:import_progress", args=[job.pk])
    form = {**job.mapping, "mode": ImportMode.ALL_OR_NOTHING}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert web.post(reverse("accounts:import_detail", args=[job.pk]), form).status_code == 302
    assert 'hx-trigger="every 1s"' in web.get(progress_url).content.decode()
    for callback in callbacks:
        callback()
    done = web.get(progress_url).content.decode()
    assert "hx-trigger" not in done
    assert "Imported 3 accounts: 3 created, 0 updated." in done
    assert reverse("accounts:index") in done
    listing = login(bob).get(reverse("accounts:import_list")).content.decode()
    assert "book.csv" in listing and "Only a CS leader or an admin may import" in listing


def test_an_upload_error_shows_on_the_form(tenant_a, alice, login):
    response = login(alice).post(
        reverse("accounts:import_list"), {"kind": "accounts", "file": SimpleUploadedFile("x.csv", b"\x00\x01\x02")}
    )
    assert response.status_code == 200
    assert "This is not a CSV or Excel file." in response.content.decode()


def test_a_csm_may_not_import_and_another_tenant_sees_nothing(tenant_a, alice, bob, charlie, login):
    csm = login(bob)
    upload_response = csm.post(
        reverse("accounts:import_list"),
        {"kind": "accounts", "file": SimpleUploadedFile("b.csv", ACCOUNTS_CSV.encode())},
    )
    assert upload_response.status_code == 403
    job = upload(tenant_a, ACCOUNTS_CSV, by=alice)
    assert (
        csm.post(reverse("accounts:import_detail", args=[job.pk]), {**job.mapping, "mode": "valid_rows"}).status_code
        == 403
    )
    assert csm.get(reverse("accounts:import_detail", args=[job.pk])).status_code == 200
    other = login(charlie)
    for name in ("accounts:import_detail", "accounts:import_progress", "accounts:import_rejected_csv"):
        assert other.get(reverse(name, args=[job.pk])).status_code == 404
    with scope(tenant=tenant_a):
        assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.UPLOADED


def test_import_list_paginates_and_costs_the_same_for_few_or_many(
    tenant_a, alice, login, django_assert_max_num_queries
):
    web = login(alice)
    for _ in range(3):
        upload(tenant_a, ACCOUNTS_CSV, by=alice)
    with django_assert_max_num_queries(15) as few:
        web.get(reverse("accounts:import_list"))
    for _ in range(22):
        upload(tenant_a, ACCOUNTS_CSV, by=alice)
    with django_assert_max_num_queries(len(few.captured_queries)):
        first = web.get(reverse("accounts:import_list")).content.decode()
    assert first.count("book.csv") == 20 and "Page 1 of 2" in first


def test_the_isolation_maker_makes_a_job_that_every_import_route_serves(tenant_a, alice, charlie, login):
    from ..factories import CANARY, OBJECT_MAKERS, make_membership

    make_membership(tenant_a)
    job_id = OBJECT_MAKERS["import_job_id"](tenant_a)
    owner, other = login(alice), login(charlie)
    for name in ("accounts:import_detail", "accounts:import_progress", "accounts:import_rejected_csv"):
        url = reverse(name, args=[job_id])
        assert owner.get(url).status_code == 200, name
        assert other.get(url).status_code == 404, name
        for method in ("post", "put", "patch", "delete"):
            assert getattr(other, method)(url).status_code in (404, 405), (name, method)
    listing = other.get(reverse("accounts:import_list")).content.decode()
    assert CANARY not in listing and "Tenant Alpha" not in listing


WIDE_UPLOADS = [
    ("accounts:import_list", {"kind": ImportKind.ACCOUNTS}),
    ("communications:imports", {"team": "marketing"}),
    ("health:signal_import", {"kind": "ticket", "mode": ImportMode.ALL_OR_NOTHING}),
]


@pytest.mark.parametrize(("url", "fields"), WIDE_UPLOADS)
def test_every_upload_refuses_a_header_with_too_many_columns_naming_the_limit(
    tenant_a, alice, login, settings, url, fields
):
    settings.IMPORT_MAX_COLUMNS = 50
    header = ",".join(f"Column {i}" for i in range(1, 52))
    data = f"{header}\n{','.join('x' * 51)}\n".encode()
    page = login(alice).post(reverse(url), {**fields, "file": SimpleUploadedFile("wide.csv", data)})
    assert "The first row names 51 columns; an import reads at most 50." in page.content.decode()


@pytest.mark.parametrize(("url", "fields"), WIDE_UPLOADS)
def test_every_upload_refuses_a_5_mb_first_row_after_reading_its_start(tenant_a, alice, login, url, fields):
    # 5 MB of column names and no line break: a web worker was killed at 120 s parsing it.
    data = ",".join(f"c{i}" for i in range(600_000)).encode()[: 5 * 1024 * 1024]
    page = login(alice).post(reverse(url), {**fields, "file": SimpleUploadedFile("wide.csv", data)})
    refusal = "The first row is longer than 125 KB, the most an import reads for its column names (up to 500 columns)."
    assert refusal in page.content.decode()
    with scope(tenant=tenant_a):
        assert not ImportJob.objects.exists()


def test_a_wide_excel_sheet_is_refused_from_its_first_row(tenant_a, settings):
    settings.IMPORT_MAX_COLUMNS = 20
    workbook = io.BytesIO()
    pd.DataFrame([["x"] * 21], columns=[f"Column {i}" for i in range(21)]).to_excel(workbook, index=False)
    with pytest.raises(ValidationError) as refused:
        upload(tenant_a, workbook.getvalue(), name="wide.xlsx")
    assert refused.value.messages == [
        "The first row names 21 columns; an import reads at most 20. "
        "Remove the columns you do not import and upload the file again."
    ]


def test_a_header_at_the_limit_is_read(tenant_a, settings):
    settings.IMPORT_MAX_COLUMNS = 8
    job = upload(tenant_a, ACCOUNTS_CSV)
    assert len(job.headers) == 8


# --- The upload reads the header; the run reads the file -------------------------------------------


@pytest.fixture
def small_head(monkeypatch):
    """An upload reads 256 bytes of a CSV instead of 1 MB: a file of a few dozen rows stands for a large one."""
    from core.imports import reading

    monkeypatch.setattr(reading, "HEAD_BYTES", 256)


def many_rows(count: int) -> str:
    return "Account ID,Company,Segment\n" + "".join(f"L-{n:03d},Long File {n},smb\n" for n in range(count))


def test_an_upload_reads_only_the_head_and_the_run_counts_the_rows(tenant_a, alice, small_head, run_import):
    job = upload(tenant_a, many_rows(40), by=alice)
    # The request read the header and the first rows: nobody counted the rest.
    assert (job.status, job.total_rows, job.headers) == (ImportStatus.UPLOADED, 0, ["Account ID", "Company", "Segment"])
    with scope(tenant=tenant_a):
        mapping = {"external_id": "Account ID", "name": "Company", "segment": "Segment"}
        targets = selectors.import_targets(tenant=tenant_a, kind=ImportKind.ACCOUNTS)
        preview = selectors.import_job_preview(job=job, targets=targets, mapping=mapping)
    assert preview[0][0] == 2 and "L-000" in preview[0][1]
    done = run_import(many_rows(40))
    assert (done.status, done.total_rows, done.processed_rows, done.created_count) == (ImportStatus.DONE, 40, 40, 40)


def test_a_broken_line_past_the_head_is_reported_by_the_run(tenant_a, alice, small_head, run_import, login):
    text = many_rows(40) + "L-999,Broken,smb,extra\n"
    # Refused by the request before; now accepted, and the run says what is wrong and where.
    job = run_import(text)
    assert job.status == ImportStatus.REJECTED
    assert job.message.startswith("Nothing imported: Line 42 has 4 cells, but the first row names 3 columns.")
    assert not accounts_of(tenant_a)
    page = login(alice).get(reverse("accounts:import_detail", kwargs={"import_job_id": job.pk}))
    assert "Line 42 has 4 cells" in page.content.decode()


def test_windows_1252_past_the_head_is_found_by_the_run(tenant_a, alice, small_head, run_import):
    job = run_import((many_rows(40) + "L-100,Müller GmbH,smb\n").encode("cp1252"))
    assert (job.status, job.encoding, job.total_rows) == (ImportStatus.DONE, "cp1252", 41)
    assert accounts_of(tenant_a)["L-100"].name == "Müller GmbH"


def test_a_file_larger_than_the_head_is_stored_without_being_parsed(tenant_a, alice):
    # About 1.6 MB: more than an upload reads, with a broken last line only the run would find.
    text = many_rows(1) + "".join(f"B-{n:06d},Big File {n},smb\n" for n in range(70_000)) + "B-x,Broken,smb,extra\n"
    job = upload(tenant_a, text, by=alice)
    assert (job.status, job.total_rows) == (ImportStatus.UPLOADED, 0)
    with scope(tenant=tenant_a):
        mapping = {"external_id": "Account ID", "name": "Company"}
        targets = [t for t in selectors.import_targets(tenant=tenant_a, kind=ImportKind.ACCOUNTS) if t.key in mapping]
        preview = selectors.import_job_preview(job=job, targets=targets, mapping=mapping)
    assert preview == [
        (2, ["L-000", "Long File 0"]),
        (3, ["B-000000", "Big File 0"]),
        (4, ["B-000001", "Big File 1"]),
        (5, ["B-000002", "Big File 2"]),
        (6, ["B-000003", "Big File 3"]),
    ]


def test_an_import_that_adds_rows_refreshes_the_planners_statistics(tenant_a, run_import, db_vendor):
    """Ingestion right after a big import must not run on the planner's guess that the table is empty."""
    if db_vendor != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")
    rows = "\n".join(f"acme-{n},Acme {n},smb" for n in range(30))  # under autovacuum's threshold of 50 rows
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_account")
        before = cursor.fetchone()[0]
    job = run_import(f"Account ID,Name,Segment\n{rows}\n")
    assert job.status == ImportStatus.DONE and job.created_count == 30
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'accounts_account'")
        assert cursor.fetchone()[0] == before + 30
