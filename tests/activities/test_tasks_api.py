"""The tasks and notes API: filters, writes through the services under the pages' rules, tenant-limited ids."""

import datetime as dt

import pytest
from django_scopes import scope

from activities.models import Note, Task, TaskStatus
from tenancy.models import Role

from .builders import make_account, make_note, make_task, today_of

TASKS = "/api/v1/tasks/"
NOTES = "/api/v1/notes/"


@pytest.fixture
def account(tenant_a, bob):
    return make_account(tenant_a, 1, owner=bob)


def _ids(response):
    return [row["id"] for row in response.json()["results"]]


def test_list_filters(tenant_a, alice, bob, account, api_as):
    overdue = make_task(tenant_a, owner=bob, account=account, due_in=-2, priority="high")
    later = make_task(tenant_a, owner=bob, due_in=40, source="health_signal", source_id=4)
    nobodys = make_task(tenant_a)
    alices = make_task(tenant_a, owner=alice)
    api = api_as(bob, tenant_a)
    assert set(_ids(api.get(TASKS + "?owner=me"))) == {overdue.pk, later.pk}
    assert _ids(api.get(TASKS + "?owner=none")) == [nobodys.pk]
    assert _ids(api.get(TASKS + f"?owner={alice.pk}")) == [alices.pk]
    assert _ids(api.get(TASKS + f"?account={account.pk}")) == [overdue.pk]
    assert _ids(api.get(TASKS + "?source=health_signal")) == [later.pk]
    assert _ids(api.get(TASKS + "?priority=high")) == [overdue.pk]
    assert _ids(api.get(TASKS + "?owner=me&bucket=overdue")) == [overdue.pk]
    assert _ids(api.get(TASKS + "?owner=me&bucket=later")) == [later.pk]
    assert api.get(TASKS + "?owner=someone").status_code == 400
    row = api.get(TASKS + f"{overdue.pk}/").json()
    assert (row["account"], row["account_name"], row["owner"], row["status"]) == (
        account.pk,
        "Account 001",
        bob.pk,
        "open",
    )


def test_create_follows_the_owner_rule_and_the_tenant(tenant_a, tenant_b, alice, bob, account, api_as):
    api = api_as(bob, tenant_a)
    due = today_of(tenant_a).isoformat()
    made = api.post(
        TASKS, {"title": "Send the deck", "due_on": due, "account": account.pk, "kind": "email"}, format="json"
    )
    assert made.status_code == 201
    assert (made.json()["owner"], made.json()["created_by"], made.json()["kind"]) == (bob.pk, bob.pk, "email")
    assert api.post(TASKS, {"title": "x", "due_on": due, "owner": alice.pk}, format="json").status_code == 403
    theirs = make_account(tenant_b, 3)
    foreign = api.post(TASKS, {"title": "x", "due_on": due, "account": theirs.pk}, format="json")
    assert foreign.status_code == 400 and "account" in foreign.json()["error"]["fields"]
    assert api.post(TASKS, {"title": " ", "due_on": due}, format="json").status_code == 400
    assert (
        api_as(alice, tenant_a)
        .post(TASKS, {"title": "For Bob", "due_on": due, "owner": bob.pk}, format="json")
        .status_code
        == 201
    )


def test_actions_close_snooze_reopen_reassign(tenant_a, alice, bob, account, api_as):
    task = make_task(tenant_a, owner=bob, account=account, kind="call")
    api = api_as(bob, tenant_a)
    until = (today_of(tenant_a) + dt.timedelta(days=2)).isoformat()
    snoozed = api.post(f"{TASKS}{task.pk}/snooze/", {"until": until}, format="json").json()
    assert (snoozed["status"], snoozed["snoozed_until"]) == ("snoozed", until)
    bad = api.post(f"{TASKS}{task.pk}/snooze/", {"until": today_of(tenant_a).isoformat()}, format="json")
    assert bad.status_code == 400
    closed = api.post(f"{TASKS}{task.pk}/close/", {"status": "done", "note": "Spoke to the CFO"}, format="json").json()
    assert (closed["status"], closed["outcome_note"], closed["closed_by"]) == ("done", "Spoke to the CFO", bob.pk)
    with scope(tenant=tenant_a):
        assert Note.objects.get(tenant=tenant_a, task=task).kind == "call"
    assert api.post(f"{TASKS}{task.pk}/reopen/", format="json").json()["status"] == "open"
    assert api.post(f"{TASKS}{task.pk}/reassign/", {"owner": alice.pk}, format="json").status_code == 403
    assert api.post(f"{TASKS}{task.pk}/reassign/", {"owner": None}, format="json").json()["owner"] is None
    patched = api_as(alice, tenant_a).patch(
        f"{TASKS}{task.pk}/", {"title": "New title", "priority": "low"}, format="json"
    )
    assert (patched.json()["title"], patched.json()["priority"]) == ("New title", "low")


def test_viewer_and_other_csm_cannot_change_a_task(tenant_a, bob, member_of, api_as):
    task = make_task(tenant_a, owner=bob)
    for person in (member_of(Role.VIEWER), member_of(Role.CSM)):
        api = api_as(person, tenant_a)
        assert api.get(f"{TASKS}{task.pk}/").status_code == 200
        assert api.post(f"{TASKS}{task.pk}/close/", {"status": "done"}, format="json").status_code == 403
        assert api.patch(f"{TASKS}{task.pk}/", {"title": "x"}, format="json").status_code == 403
    assert (
        api_as(member_of(Role.VIEWER), tenant_a).post(TASKS, {"title": "x", "due_on": "2026-12-31"}).status_code == 403
    )
    with scope(tenant=tenant_a):
        assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_bulk_leaves_alone_what_is_not_mine_or_not_the_tenants(tenant_a, tenant_b, alice, bob, charlie, api_as):
    mine = [make_task(tenant_a, owner=bob, title=f"T{n}") for n in range(3)]
    alices = make_task(tenant_a, owner=alice)
    theirs = make_task(tenant_b, owner=charlie)
    api = api_as(bob, tenant_a)
    ids = [t.pk for t in (*mine, alices, theirs)]
    response = api.post(TASKS + "bulk/", {"action": "complete", "tasks": ids, "note": "done"}, format="json")
    assert response.json() == {"changed": 3, "not_allowed": sorted([alices.pk, theirs.pk])}
    refused = api.post(TASKS + "bulk/", {"action": "reassign", "tasks": ids, "owner": alice.pk}, format="json")
    assert refused.status_code == 403
    missing_day = api.post(TASKS + "bulk/", {"action": "snooze", "tasks": [alices.pk]}, format="json")
    assert missing_day.status_code == 400 and "until" in missing_day.json()["error"]["fields"]
    with scope(tenant=tenant_b):
        assert Task.objects.get(pk=theirs.pk).status == TaskStatus.OPEN


def test_notes_list_by_account_and_log_one(tenant_a, tenant_b, bob, account, member_of, api_as):
    other = make_account(tenant_a, 2)
    old = make_note(tenant_a, account=account, author=bob)
    make_note(tenant_a, account=other, author=bob)
    api = api_as(bob, tenant_a)
    assert _ids(api.get(NOTES + f"?account={account.pk}")) == [old.pk]
    made = api.post(NOTES, {"account": account.pk, "kind": "email", "body": "Sent the proposal"}, format="json")
    assert made.status_code == 201 and made.json()["author"] == bob.pk
    assert api.post(NOTES, {"account": account.pk, "kind": "email", "body": " "}, format="json").status_code == 400
    theirs = make_account(tenant_b, 7)
    assert api.post(NOTES, {"account": theirs.pk, "body": "x"}, format="json").status_code == 400
    assert api_as(member_of(Role.VIEWER), tenant_a).post(NOTES, {"account": account.pk, "body": "x"}).status_code == 403
