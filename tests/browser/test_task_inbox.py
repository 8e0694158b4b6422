"""A CSM works the inbox from the keyboard: completes a task with a note, and finds the note on the account's
timeline."""

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from activities.models import Note, Task, TaskStatus

from ..activities.builders import make_account, make_task
from ..factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_csm_completes_a_task_with_a_note_and_sees_it_on_the_timeline(page, tenant_a, bob):
    hooli = make_account(tenant_a, 1, owner=bob)
    call = make_task(tenant_a, owner=bob, account=hooli, title="Call the new VP", kind="call", due_in=-1)
    later = make_task(tenant_a, owner=bob, account=hooli, title="Plan the QBR", due_in=10)

    page.goto("/login/")
    page.get_by_label("Email").fill(bob.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="Tasks", exact=True).click()
    overdue = page.get_by_test_id("section-overdue")
    expect(overdue).to_contain_text("Call the new VP")
    expect(page.get_by_test_id(f"task-{later.pk}")).to_be_visible()

    # j moves to the first row (the overdue call), c puts the cursor in its note, Enter completes it.
    page.locator("body").press("j")
    expect(page.get_by_test_id(f"task-{call.pk}")).to_be_focused()
    page.keyboard.press("c")
    note = page.get_by_label("Note on Call the new VP")
    expect(note).to_be_focused()
    note.fill("She wants a roadmap review before renewing")
    note.press("Enter")

    expect(page.get_by_test_id("task-message")).to_contain_text("Completed: Call the new VP")
    # The sections reloaded without a full page load: the call moved to "Recently done".
    expect(page.get_by_test_id("section-overdue")).to_have_count(0)
    expect(page.get_by_test_id(f"closed-{call.pk}")).to_contain_text("She wants a roadmap review")
    with scope(tenant=tenant_a):
        assert Task.objects.get(pk=call.pk).status == TaskStatus.DONE
        assert Note.objects.get(tenant=tenant_a, task_id=call.pk).kind == "call"

    page.get_by_test_id(f"task-{later.pk}").get_by_role("link", name=hooli.name).click()
    timeline = page.locator("#account-timeline")
    expect(timeline).to_contain_text("Call logged by Bob Csm: Call the new VP")
    expect(timeline).to_contain_text("She wants a roadmap review before renewing")
    # The account's card lists what is still open, and logs a note in place.
    card = page.locator("#activities-card")
    expect(card).to_contain_text("Plan the QBR")
    card.locator("summary", has_text="Log a note").click()
    card.get_by_label("What happened").fill("Sent the roadmap deck")
    card.get_by_role("button", name="Log it").click()
    expect(timeline).to_contain_text("Sent the roadmap deck")
