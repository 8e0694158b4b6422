import re

import pytest
from playwright.sync_api import expect

from ..factories import PASSWORD, UserFactory, add_member

pytestmark = pytest.mark.browser


def test_sign_in_switch_tenant_and_see_its_name(page, tenant_a, tenant_b):
    consultant = UserFactory(email="consultant@example.com", full_name="Casey Consultant")
    add_member(tenant_a, consultant, "admin")
    add_member(tenant_b, consultant, "viewer")

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    page.get_by_label("Email").fill("consultant@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    current = page.get_by_test_id("current-tenant")
    expect(current).to_have_text("Tenant Alpha")
    expect(page.get_by_role("heading", name="Good to see you, Casey")).to_be_visible()
    admin_link = page.get_by_role("link", name="Admin", exact=True)
    expect(admin_link).to_have_count(1)

    current.click()
    page.get_by_role("button", name="Tenant Bravo").click()

    expect(current).to_have_text("Tenant Bravo")
    expect(page.get_by_role("alert")).to_contain_text("Switched to Tenant Bravo.")
    # Admin in Alpha but a viewer in Bravo: the Admin section is no longer offered.
    expect(admin_link).to_have_count(0)


def test_wrong_password_is_explained(page, tenant_a, alice):
    page.goto("/login/")
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Please enter a correct email and password")).to_be_visible()
