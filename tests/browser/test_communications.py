import datetime as dt

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from communications import selectors
from communications.models import CalendarEntry, EntryStatus
from core.text import day

from ..communications.builders import contact_of, entry_for, make_account
from ..factories import PASSWORD

pytestmark = pytest.mark.browser


def _next_monday(tenant) -> dt.date:
    today = dt.datetime.now(tenant.zone).date()
    return today + dt.timedelta(days=7 - today.weekday())


def test_a_csm_schedules_an_email_over_the_cap_and_sees_it_deferred_with_its_reason(page, tenant_a, bob):
    hooli = make_account(tenant_a, 1, owner=bob)
    jane = contact_of(tenant_a, hooli, 1, name="Jane Roe")
    monday = _next_monday(tenant_a)
    for n, subject in enumerate(["Welcome to reporting", "Your first dashboard"]):
        entry_for(
            tenant_a,
            hooli,
            at=dt.datetime.combine(monday, dt.time(9 + n), tzinfo=tenant_a.zone),
            contacts=[jane],
            subject=subject,
        )
    with scope(tenant=tenant_a):
        assert CalendarEntry.objects.filter(status=EntryStatus.SCHEDULED).count() == 2

    page.goto("/login/")
    page.get_by_label("Email").fill(bob.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"/communications/entries/new/?account={hooli.pk}")
    form = page.locator("#entry-form")
    form.get_by_label("Jane Roe").check()
    form.get_by_label("Message type").select_option("relationship")
    form.locator("#id_scheduled_on").fill((monday + dt.timedelta(days=2)).isoformat())
    form.locator("#id_scheduled_time").fill("11:00")
    form.locator("#id_subject").fill("How is the rollout going?")
    form.locator("#id_body").fill("Hi {{ contact.first_name }}, how is the rollout going?")
    form.get_by_role("button", name="Schedule").click()

    with scope(tenant=tenant_a):
        entry = CalendarEntry.objects.get(subject="How is the rollout going?")
    next_monday = monday + dt.timedelta(days=7)
    reason = f"Deferred to {day(next_monday)}, 09:00: Jane Roe already has 2 emails this week (cap 2)."
    assert entry.status == EntryStatus.DEFERRED and entry.status_reason == reason
    expect(page.get_by_role("alert").filter(has_text=reason)).to_be_visible()
    expect(page.get_by_test_id("status-reason")).to_have_text(reason)
    expect(page.locator("#entry-status")).to_contain_text("deferred")

    page.goto(f"/communications/calendar/?view=week&date={next_monday.isoformat()}")
    chip = page.get_by_test_id(f"entry-{entry.pk}")
    expect(chip).to_contain_text("How is the rollout going?")
    expect(chip).to_contain_text("deferred")
    expect(chip).to_contain_text(reason)
    with scope(tenant=tenant_a):
        assert selectors.entry_recipients(entry) == [jane]
