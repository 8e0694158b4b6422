"""An admin builds "health turns red for an enterprise account -> a call task due in 2 business days and the
re-engagement cadence" in the editor, sees an unknown merge field refused as she types, previews the draft,
saves and switches it on; health then turns an enterprise account red, the task lands in its CSM's inbox,
he completes it with a note, and the note is on the account's timeline."""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django_scopes import scope
from playwright.sync_api import expect

from activities.models import Task, TaskStatus
from communications.models import Enrollment
from communications.services import cadences
from core import tenant_time
from health.services import detection
from playbooks.models import Playbook, PlaybookRun, RunStatus

from ..accounts.builders import make_account
from ..factories import PASSWORD
from ..playbooks.builders import playbook_make

pytestmark = pytest.mark.browser


def sign_in(page, user) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def turn_red(tenant, account) -> None:
    """Health's detection raising a band change to red, as the nightly recompute does."""
    with scope(tenant=tenant):
        wanted = detection.Wanted(
            account.pk,
            "band_change",
            "account",
            "high",
            f"{account.name} moved from yellow to red.",
            data={"from": "yellow", "to": "red"},
        )
        detection.signals_sync(
            tenant=tenant,
            account_ids=[account.pk],
            wanted=[wanted],
            today=tenant_time.today(tenant),
            cooldown_days={},
        )


def test_an_admin_builds_previews_and_enables_a_playbook_and_the_csm_works_its_task(page, tenant_a, alice, bob):
    with scope(tenant=tenant_a):
        reengage = cadences.cadence_save(tenant=tenant_a, key="re-engagement", anchor="enrolled", name="Re-engagement")
        cadences.cadence_step_save(
            cadence=reengage, offset_days=1, send_hour=10, message_type="relationship", subject="Can we help?"
        )
    acme = make_account(tenant_a, 1, segment="enterprise", owner=bob)
    smallco = make_account(tenant_a, 2, segment="smb", owner=bob)

    sign_in(page, alice)
    page.get_by_role("link", name="Playbooks", exact=True).click()
    page.get_by_role("link", name="New playbook").click()
    page.get_by_label("Name").fill("Red enterprise: call and re-engage")
    # "Health band changed" is the first trigger; its setting is the band.
    page.get_by_label("To band").select_option("red")

    page.get_by_role("button", name="Add a condition").click()
    page.get_by_label("Values").select_option("enterprise")

    page.get_by_label("Add", exact=True).select_option("create_task")
    page.get_by_role("button", name="Add the action").click()
    # The row comes with a new editor; the checks of what was typed before it are answered first (a person
    # types slower than that), so the title's own check is the last to land.
    page.wait_for_load_state("networkidle")
    title = page.get_by_label("Title (merge fields allowed)")
    # Validated as she types: an unknown merge field is refused under its input.
    title.fill("Call {{ account.owner.password }}")
    expect(page.locator("#err-actions-0-title")).to_contain_text("Not a merge field: {{ account.owner.password }}")
    title.fill("Call {{ account.name }}: health turned red")
    expect(page.locator("#err-actions-0-title")).to_have_text("")
    page.get_by_label("Kind").select_option("call")
    page.get_by_label("Priority").select_option("high")
    page.get_by_label("Due in (business days)").fill("2")

    page.get_by_label("Add", exact=True).select_option("enrol_cadence")
    page.get_by_role("button", name="Add the action").click()
    page.get_by_label("Cadence", exact=True).select_option(label="Re-engagement")
    # The rows kept what was typed when the second action came.
    expect(page.get_by_label("Title (merge fields allowed)")).to_have_value(
        "Call {{ account.name }}: health turned red"
    )

    # The unsaved draft's preview (helper 5's card) answers in place.
    page.get_by_test_id("preview-draft").click()
    expect(page.locator("#playbook-preview-slot")).not_to_be_empty()

    page.get_by_role("button", name="Save (it starts off)").click()
    expect(page.locator("#playbook-definition")).to_contain_text("When health turns Red")
    expect(page.locator("#playbook-definition")).to_contain_text("Segment is one of Enterprise")
    expect(page.locator("#playbook-definition")).to_contain_text("Enrol in the cadence Re-engagement")
    expect(page.get_by_test_id("playbook-state")).to_have_text("Off")
    page.get_by_role("button", name="Switch on").click()
    expect(page.get_by_test_id("playbook-state")).to_have_text("On")
    with scope(tenant=tenant_a):
        playbook = Playbook.objects.get(tenant=tenant_a, name="Red enterprise: call and re-engage")
        assert playbook.is_enabled
        assert playbook.actions[0]["due_in_days"] == 2 and playbook.actions[1]["cadence"] == reengage.pk

    # Health turns both accounts red; only the enterprise one matches.
    turn_red(tenant_a, acme)
    turn_red(tenant_a, smallco)
    with scope(tenant=tenant_a):
        run = PlaybookRun.objects.get(tenant=tenant_a, playbook=playbook, account=acme)
        assert run.status == RunStatus.DONE, (run.status, list(run.action_results.values("status", "error")))
        assert PlaybookRun.objects.get(tenant=tenant_a, playbook=playbook, account=smallco).status == RunStatus.SKIPPED
        task = Task.objects.get(tenant=tenant_a, source="playbook_run", source_id=run.pk)
        assert (task.owner, task.kind, task.priority) == (bob, "call", "high")
        assert task.due_on == tenant_time.business_days_after(tenant_time.today(tenant_a), 2)
        assert task.due_on > tenant_time.today(tenant_a) + dt.timedelta(days=1)
        assert Enrollment.objects.filter(tenant=tenant_a, cadence=reengage, account=acme).exists()

    # The CSM finds the task in his inbox and completes it with a note.
    page.context.clear_cookies()
    sign_in(page, bob)
    page.get_by_role("link", name="Tasks", exact=True).click()
    row = page.get_by_test_id(f"task-{task.pk}")
    expect(row).to_contain_text("Call Account 001: health turned red")
    row.click()
    page.keyboard.press("c")
    note = page.get_by_label("Note on Call Account 001: health turned red")
    note.fill("Sponsor is worried about the rollout; agreed a plan")
    note.press("Enter")
    expect(page.get_by_test_id("task-message")).to_contain_text("Completed: Call Account 001: health turned red")
    with scope(tenant=tenant_a):
        assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE

    page.goto(f"/accounts/{acme.pk}/")
    expect(page.locator("#account-timeline")).to_contain_text("Sponsor is worried about the rollout; agreed a plan")
    # The account's playbooks card shows the run.
    expect(page.get_by_test_id("playbooks-card")).to_contain_text("Red enterprise: call and re-engage")


def test_the_playbook_pages_have_no_serious_accessibility_violation(page, tenant_a, alice, bob):
    account = make_account(tenant_a, 1, segment="enterprise", owner=bob)
    playbook = playbook_make(tenant_a, by=alice, conditions=[{"field": "arr", "op": "gte", "value": 1000}])
    sign_in(page, alice)
    page.wait_for_url("**/")
    axe, problems = Axe(), []
    for url in [
        reverse("playbooks:index"),
        reverse("playbooks:new"),
        reverse("playbooks:edit", args=[playbook.pk]),
        reverse("playbooks:detail", args=[playbook.pk]),
        reverse("playbooks:settings"),
        reverse("accounts:account_detail", args=[account.pk]),
    ]:
        assert page.goto(url).status == 200, url
        page.wait_for_load_state("networkidle")
        violations = [v for v in axe.run(page).response["violations"] if v["impact"] in ("serious", "critical")]
        problems += [f"{url}: {v['id']}: {v['help']} -> {v['nodes'][0]['target']}" for v in violations]
        ids = page.evaluate(
            "() => { const seen = {}; document.querySelectorAll('[id]').forEach((n) => { seen[n.id] = (seen[n.id] "
            "|| 0) + 1; }); return Object.keys(seen).filter((id) => seen[id] > 1); }"
        )
        problems += [f"{url}: id used twice: {i}" for i in ids]
    assert not problems, "\n".join(problems)
