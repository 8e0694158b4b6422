"""The book as CSV: columns, custom fields, formula-safe cells, streaming, and the API export with its filters."""

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django_scopes import scope

from accounts import selectors, services
from accounts.models import Account
from accounts.selectors import exports
from accounts.selectors.custom_fields import custom_field_definitions
from core import tenant_time
from core.imports.safety import safe_cell
from tenancy.models import Role

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/accounts/export/"


def _account(tenant, n, *, acv=40_000, segment="mid_market", name: str = "", **fields) -> Account:
    with scope(tenant=tenant):
        return services.account_create(
            tenant=tenant,
            by=None,
            external_id=f"ext-{n}",
            name=name or f"Account {n:03d}",
            segment=segment,
            acv=Decimal(acv),
            arr=Decimal(acv),
            **fields,
        )


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _streamed(response) -> str:
    assert response.status_code == 200
    assert response.streaming, "the export must stream, not build the file in memory"
    return b"".join(response.streaming_content).decode()


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (None, ""),
        ("Acme", "Acme"),
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+49 30 1234", "'+49 30 1234"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        (Decimal("-1200.50"), "-1200.50"),
        (-3, "-3"),
        (dt.date(2025, 1, 2), "2025-01-02"),
    ],
)
def test_safe_cell(value, cell):
    assert safe_cell(value) == cell


def test_columns_values_and_custom_fields(tenant_a, tiers, bob):
    with scope(tenant=tenant_a):
        services.custom_field_define(tenant=tenant_a, label="Data residency", field_type="choice", choices=["EU"])
        services.custom_field_define(tenant=tenant_a, label="Net change", field_type="number")
    parent = _account(tenant_a, 1, acv=250_000, segment="enterprise")
    _account(
        tenant_a,
        2,
        owner=bob,
        parent=parent,
        signed_on=dt.date(2025, 3, 1),
        custom_fields={"data_residency": "eu", "net_change": -5},
    )
    with scope(tenant=tenant_a):
        lines = exports.accounts_csv(
            accounts=selectors.account_list(tenant=tenant_a),
            definitions=custom_field_definitions(tenant=tenant_a),
            currency="EUR",
        )
        assert isinstance(lines, Iterator) and not isinstance(lines, list | tuple)
        text = "".join(lines)
    header = text.splitlines()[0].split(",")
    assert header == [*exports.COLUMNS, "cf_data_residency", "cf_net_change"]
    holding, child = _rows(text)
    assert child["parent_external_id"] == "ext-1" and holding["parent_external_id"] == ""
    assert (child["owner_email"], child["service_tier"], child["currency"]) == (bob.email, "Low touch", "EUR")
    assert (child["acv"], child["signed_on"], child["status"]) == ("40000.00", "2025-03-01", "active")
    assert (child["cf_data_residency"], child["cf_net_change"]) == ("EU", "-5")  # a negative number stays a number
    assert holding["cf_data_residency"] == "" and holding["owner_email"] == ""


def test_formula_cells_are_escaped(tenant_a, tiers):
    with scope(tenant=tenant_a):
        services.custom_field_define(tenant=tenant_a, label="Notes", field_type="text")
    _account(
        tenant_a, 1, name='=HYPERLINK("http://evil.example","Click")', industry="@SUM(1)", custom_fields={"notes": "+1"}
    )
    with scope(tenant=tenant_a):
        definitions = custom_field_definitions(tenant=tenant_a)
        (row,) = _rows(
            "".join(
                exports.accounts_csv(
                    accounts=selectors.account_list(tenant=tenant_a), definitions=definitions, currency="EUR"
                )
            )
        )
    assert row["name"].startswith("'=HYPERLINK(")
    assert (row["industry"], row["cf_notes"]) == ("'@SUM(1)", "'+1")


def test_rows_stream_in_a_fixed_number_of_queries(tenant_a, tiers, bob, django_assert_num_queries, monkeypatch):
    parent = _account(tenant_a, 0, acv=200_000)
    for n in range(1, 31):
        _account(tenant_a, n, owner=bob, parent=parent)
    monkeypatch.setattr(exports, "CHUNK_SIZE", 7)
    with scope(tenant=tenant_a):
        lines = exports.accounts_csv(accounts=selectors.account_list(tenant=tenant_a), definitions=[], currency="EUR")
        with django_assert_num_queries(0):
            next(lines)  # the header needs no query: nothing is read before the first row is asked for
        # One query for the rows, however many chunks it is fetched in; owners, tiers and parents come with it.
        with django_assert_num_queries(1):
            assert len(list(lines)) == 31


def test_api_export_honours_the_filters(tenant_a, tiers, bob, member_of, api_as):
    with scope(tenant=tenant_a):
        services.custom_field_define(tenant=tenant_a, label="Data residency", field_type="choice", choices=["EU", "US"])
    _account(tenant_a, 1, segment="smb", acv=5_000, owner=bob, custom_fields={"data_residency": "EU"})
    _account(tenant_a, 2, segment="smb", acv=6_000, custom_fields={"data_residency": "US"})
    _account(tenant_a, 3, segment="enterprise", acv=150_000, owner=bob)
    client = api_as(member_of(Role.VIEWER), tenant_a)  # reading the book is enough to export it
    response = client.get(EXPORT, {"segment": "smb", "sort": "-acv"})
    assert response["Content-Type"].startswith("text/csv")
    today = tenant_time.today(tenant_a)
    assert response["Content-Disposition"] == f'attachment; filename="accounts-alpha-{today:%Y-%m-%d}.csv"'
    assert [row["external_id"] for row in _rows(_streamed(response))] == ["ext-2", "ext-1"]
    by_field = _rows(_streamed(client.get(EXPORT, {"cf_data_residency": "EU"})))
    assert [(row["external_id"], row["cf_data_residency"]) for row in by_field] == [("ext-1", "EU")]
    mine = _rows(_streamed(api_as(bob, tenant_a).get(EXPORT, {"owner": "me", "external_id": "ext-3"})))
    assert [row["name"] for row in mine] == ["Account 003"]


def test_api_export_answers_csv_clients_and_explains_bad_filters(tenant_a, tiers, alice, api_as):
    _account(tenant_a, 1)
    client = api_as(alice, tenant_a)
    assert _streamed(client.get(EXPORT, HTTP_ACCEPT="text/csv")).startswith("external_id,name,")
    assert _streamed(client.get("/api/v1/accounts/export.csv")).count("\n") == 2
    bad = client.get(EXPORT, {"segment": "galactic"}, HTTP_ACCEPT="text/csv")
    assert bad.status_code == 400 and bad["Content-Type"] == "application/json"
    assert "segment" in bad.json()["error"]["fields"]


def test_api_export_shows_only_the_callers_tenant(tenant_a, tenant_b, tiers, charlie, api_as):
    _account(tenant_a, 1, name="Alpha Secret")
    assert _rows(_streamed(api_as(charlie, tenant_b).get(EXPORT))) == []
