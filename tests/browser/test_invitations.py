"""An admin invites a new colleague in the browser, and the colleague joins through the emailed link."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from ..factories import PASSWORD

pytestmark = pytest.mark.browser


def _sign_in(page, email):
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_invite_then_accept_as_a_new_person(browser, live_server, tenant_a, alice):
    admin = browser.new_context(base_url=live_server.url).new_page()
    _sign_in(admin, alice.email)
    admin.goto("/admin/members/")
    admin.get_by_role("link", name="Invite a member").click()
    admin.get_by_label("Email").fill("Nia@alpha.example")
    admin.get_by_label("Role").select_option("csm")
    admin.get_by_label("Team").select_option("support")
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_role("alert")).to_contain_text("Invited nia@alpha.example as CSM")
    pending = admin.get_by_test_id("pending-invitations")
    expect(pending).to_contain_text("nia@alpha.example")

    link = re.search(r"https?://\S+(/invitations/\S+/)", mail.outbox[-1].body).group(1)
    invitee = browser.new_context(base_url=live_server.url).new_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name="Join Tenant Alpha")).to_be_visible()
    invitee.get_by_label("Your name").fill("Nia Newcomer")
    invitee.locator("#id_password1").fill(PASSWORD)
    invitee.get_by_label("Password again").fill(PASSWORD)
    invitee.get_by_role("button", name="Create my account and join").click()
    expect(invitee.get_by_test_id("current-tenant")).to_have_text("Tenant Alpha")

    admin.reload()
    expect(admin.get_by_test_id("pending-invitations")).to_have_count(0)
    expect(admin.get_by_role("row", name=re.compile("Nia Newcomer"))).to_contain_text("nia@alpha.example")
    # The link worked once.
    invitee.goto(link)
    expect(invitee.get_by_test_id("invitation-problem")).to_contain_text("a link works only once")
    admin.context.close()
    invitee.context.close()
