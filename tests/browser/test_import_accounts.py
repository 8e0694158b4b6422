import pytest
from django_scopes import scope
from playwright.sync_api import expect

from accounts import services

from ..factories import PASSWORD

pytestmark = pytest.mark.browser

CSV = (
    "Account ID,Company,Segment,ARR,ACV,Seats,CSM email\n"
    "imp-001,Umbrella Analytics,Mid-market,48000,48000,120,alice@alpha.example\n"
    "imp-002,Wayne Logistics,Enterprise,abc,250000,800,alice@alpha.example\n"
    "imp-003,Stark Retail,SMB,9000,9000,15,\n"
)


def test_import_a_csv_with_one_bad_row(page, tenant_a, alice):
    with scope(tenant=tenant_a):
        services.tiers_create_defaults(tenant=tenant_a)
    page.goto("/login/")
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto("/accounts/")
    page.get_by_role("link", name="Import", exact=True).click()
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "book.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    page.get_by_role("button", name="Upload").click()

    # The columns were guessed from the headers; the preview shows the first rows.
    expect(page.get_by_text("Umbrella Analytics").first).to_be_visible()
    page.get_by_label("Import the valid rows and give me the rejected ones as a CSV").check()
    # The rows are counted by the import, not by the upload: the button does not claim a number.
    page.get_by_role("button", name="Import", exact=True).click()

    errors = page.locator("table", has=page.get_by_role("columnheader", name="Reason"))
    expect(errors).to_contain_text("abc")
    expect(errors.locator("tbody tr")).to_have_count(1)
    row = errors.locator("tbody tr").first
    expect(row.locator("td").first).to_have_text("3")  # the header is line 1
    expect(row).to_contain_text("ARR")
    expect(row).to_contain_text("is not a number")
    expect(page.get_by_role("link", name="Download the rejected rows (CSV)")).to_be_visible()

    page.get_by_role("link", name="Go to the accounts").click()
    book = page.locator("#book-table")
    expect(book).to_contain_text("Umbrella Analytics")
    expect(book).to_contain_text("Stark Retail")
    expect(book).not_to_contain_text("Wayne Logistics")
    page.get_by_role("link", name="Umbrella Analytics").click()
    expect(page.get_by_test_id("economics")).to_contain_text("3,200")
