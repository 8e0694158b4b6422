"""The task inbox and the actions on tasks in the browser: who sees what, who may change what, htmx and plain
POSTs, and a page that costs the same queries with 20 tasks or 400."""

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scope

from activities.models import Note, Task, TaskStatus
from activities.services.tasks import TaskDraft, tasks_create
from tenancy.models import Role

from .builders import make_account, make_task, today_of

INBOX = "/tasks/"


@pytest.fixture
def account(tenant_a, bob):
    return make_account(tenant_a, 1, owner=bob)


def _status(tenant, task):
    with scope(tenant=tenant):
        return Task.objects.get(pk=task.pk).status


def test_inbox_shows_my_tasks_by_section(tenant_a, alice, bob, account, login):
    overdue = make_task(tenant_a, owner=bob, account=account, title="Chase the invoice", due_in=-3)
    today = make_task(tenant_a, owner=bob, title="Prepare the QBR")
    later = make_task(tenant_a, owner=bob, title="Plan the renewal", due_in=40)
    alices = make_task(tenant_a, owner=alice, title="Alice's own")
    response = login(bob).get(INBOX)
    body = response.content.decode()
    assert response.status_code == 200
    sections = {
        key: body.split(f'data-testid="section-{key}"')[1].split("</section>")[0]
        for key in ("overdue", "today", "later")
    }
    assert f"task-{overdue.pk}" in sections["overdue"] and "Account 001" in sections["overdue"]
    assert f"task-{today.pk}" in sections["today"]
    assert f"task-{later.pk}" in sections["later"]
    assert f"task-{alices.pk}" not in body
    # A CSM's owner filter is their own, whatever the URL says; they get no team panel.
    assert f"task-{alices.pk}" not in login(bob).get(INBOX + "?owner=all").content.decode()
    assert "team-panel" not in body


def test_a_leader_picks_whose_tasks_and_sees_the_team(tenant_a, alice, bob, login):
    bobs = make_task(tenant_a, owner=bob, due_in=-1)
    nobodys = make_task(tenant_a, title="Nobody's")
    client = login(alice)
    assert f"task-{bobs.pk}" in client.get(INBOX + f"?owner={bob.pk}").content.decode()
    unassigned = client.get(INBOX + "?owner=none").content.decode()
    assert f"task-{nobodys.pk}" in unassigned and f"task-{bobs.pk}" not in unassigned
    everyone = client.get(INBOX + "?owner=all").content.decode()
    assert f"task-{nobodys.pk}" in everyone and f"task-{bobs.pk}" in everyone
    mine = client.get(INBOX).content.decode()
    assert f"task-{bobs.pk}" not in mine
    team = mine.split('id="team-panel"')[1]
    bobs_row = team.split(f'data-testid="team-{bob.pk}"')[1].split("</tr>")[0]
    assert f"?owner={bob.pk}" in bobs_row
    assert [cell.split(">")[-1] for cell in bobs_row.split("</td>")[1:5]] == ["1", "1", "0", "0"]


def test_inbox_filters_by_account_source_and_priority(tenant_a, bob, account, login):
    on_account = make_task(tenant_a, owner=bob, account=account, priority="high")
    internal = make_task(tenant_a, owner=bob, source="health_signal", source_id=3)
    client = login(bob)
    body = client.get(INBOX + f"?account={account.pk}").content.decode()
    assert f"task-{on_account.pk}" in body and f"task-{internal.pk}" not in body
    body = client.get(INBOX + "?source=health_signal").content.decode()
    assert f"task-{internal.pk}" in body and f"task-{on_account.pk}" not in body
    body = client.get(INBOX + "?priority=high").content.decode()
    assert f"task-{on_account.pk}" in body and f"task-{internal.pk}" not in body
    assert "No task matches these filters" in client.get(INBOX + "?priority=low").content.decode()
    # An account with nothing left open (a link from its page) is still a filter that says so.
    done_with = make_account(tenant_a, 2, owner=bob)
    assert "No task matches these filters" in client.get(INBOX + f"?account={done_with.pk}").content.decode()


def test_inbox_empty_state_says_what_to_do(tenant_a, bob, login):
    body = login(bob).get(INBOX).content.decode()
    assert "Nothing to do" in body and "New task" in body


def test_inbox_costs_the_same_queries_for_many_tasks(
    tenant_a, alice, bob, account, login, django_assert_max_num_queries
):
    client, leader = login(bob), login(alice)
    for n in range(8):
        make_task(tenant_a, owner=bob, account=account, title=f"few {n}", due_in=(n % 4) * 3 - 3)
    client.get(INBOX)
    with django_assert_max_num_queries(20) as few:
        client.get(INBOX)
    with django_assert_max_num_queries(25) as few_for_the_leader:
        leader.get(INBOX + "?owner=all")
    other = make_account(tenant_a, 2, owner=bob)
    drafts = []
    for n in range(400):
        drafts.append(
            TaskDraft(
                title=f"many {n}",
                due_on=today_of(tenant_a) + dt.timedelta(days=(n % 40) - 10),
                owner_id=bob.pk,
                account_id=(account if n % 2 else other).pk,
                priority=("high", "normal", "low")[n % 3],
            )
        )
    with scope(tenant=tenant_a):
        tasks_create(tenant=tenant_a, drafts=drafts)
    # One more at most: a small book may leave a section empty (no query for it), e.g. "this week" on a Sunday.
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        response = client.get(INBOX)
    # Each section shows a page of rows, not all 400.
    assert response.content.decode().count("data-task-row") <= 4 * 25
    with django_assert_max_num_queries(len(few_for_the_leader.captured_queries) + 1):
        assert leader.get(INBOX + "?owner=all").status_code == 200


def test_complete_with_a_note_by_htmx_logs_it_and_reloads_the_lists(tenant_a, bob, account, login):
    task = make_task(tenant_a, owner=bob, account=account, kind="call")
    response = login(bob).post(
        reverse("activities:task_close", args=[task.pk]),
        {"status": "done", "note": "Renewal is safe"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "tasks-changed"
    assert "Completed" in response.content.decode()
    assert _status(tenant_a, task) == TaskStatus.DONE
    with scope(tenant=tenant_a):
        assert Note.objects.get(tenant=tenant_a).body == "Renewal is safe"


def test_plain_posts_work_without_javascript(tenant_a, bob, account, login):
    task = make_task(tenant_a, owner=bob, account=account)
    client = login(bob)
    until = (today_of(tenant_a) + dt.timedelta(days=2)).isoformat()
    response = client.post(
        reverse("activities:task_snooze", args=[task.pk]), {"until": until, "next": INBOX + "?priority=normal"}
    )
    assert response.status_code == 302 and response["Location"] == INBOX + "?priority=normal"
    assert _status(tenant_a, task) == TaskStatus.SNOOZED
    client.post(reverse("activities:task_close", args=[task.pk]), {"status": "skipped"})
    assert _status(tenant_a, task) == TaskStatus.SKIPPED
    # Recently done, with a way back.
    body = client.get(INBOX).content.decode()
    assert f'data-testid="closed-{task.pk}"' in body
    client.post(reverse("activities:task_reopen", args=[task.pk]))
    assert _status(tenant_a, task) == TaskStatus.OPEN


def test_snooze_into_the_past_says_why(tenant_a, bob, login):
    task = make_task(tenant_a, owner=bob)
    response = login(bob).post(
        reverse("activities:task_snooze", args=[task.pk]),
        {"until": today_of(tenant_a).isoformat()},
        HTTP_HX_REQUEST="true",
    )
    assert "Snooze until a day after today" in response.content.decode()
    assert "HX-Trigger" not in response
    assert _status(tenant_a, task) == TaskStatus.OPEN


def test_a_viewer_and_another_csm_cannot_change_a_task(tenant_a, bob, member_of, login):
    task = make_task(tenant_a, owner=bob)
    for person in (member_of(Role.VIEWER), member_of(Role.CSM)):
        client = login(person)
        for name, data in (("task_close", {"status": "done"}), ("task_reopen", {}), ("task", {"title": "x"})):
            assert client.post(reverse(f"activities:{name}", args=[task.pk]), data).status_code == 403, name
        assert 'name="status"' not in client.get(reverse("activities:task", args=[task.pk])).content.decode()
    assert _status(tenant_a, task) == TaskStatus.OPEN


def test_bulk_complete_leaves_alone_what_is_not_mine(tenant_a, alice, bob, login):
    mine = [make_task(tenant_a, owner=bob, title=f"mine {n}") for n in range(2)]
    alices = make_task(tenant_a, owner=alice)
    response = login(bob).post(
        reverse("activities:tasks_bulk"),
        {"action": "complete", "task": [t.pk for t in (*mine, alices)], "note": "batch"},
        HTTP_HX_REQUEST="true",
    )
    text = response.content.decode()
    assert "Completed 2 tasks" in text and "1 task left alone" in text
    assert [_status(tenant_a, t) for t in (*mine, alices)] == [TaskStatus.DONE, TaskStatus.DONE, TaskStatus.OPEN]


def test_bulk_reassign_is_for_leaders(tenant_a, alice, bob, login):
    task = make_task(tenant_a, owner=bob)
    data = {"action": "reassign", "task": [task.pk], "owner": alice.pk}
    refused = login(bob).post(reverse("activities:tasks_bulk"), data, HTTP_HX_REQUEST="true")
    assert "Only a CS leader or an admin" in refused.content.decode()
    login(alice).post(reverse("activities:tasks_bulk"), data)
    with scope(tenant=tenant_a):
        assert Task.objects.get(pk=task.pk).owner == alice


def test_new_task_owner_rules_and_tenant_limited_account(tenant_a, tenant_b, alice, bob, account, login):
    client = login(bob)
    theirs = make_account(tenant_b, 5)
    due = today_of(tenant_a).isoformat()
    base = {"title": "Send the deck", "kind": "email", "priority": "normal", "due_on": due}
    refused = client.post(reverse("activities:task_new"), {**base, "owner": alice.pk})
    assert "leave it unassigned" in refused.content.decode()
    foreign = client.post(reverse("activities:task_new"), {**base, "owner": bob.pk, "account": theirs.pk})
    assert "Select a valid choice" in foreign.content.decode()
    made = client.post(reverse("activities:task_new"), {**base, "owner": bob.pk, "account": account.pk})
    assert made.status_code == 302
    with scope(tenant=tenant_a):
        task = Task.objects.get(tenant=tenant_a)
    assert (task.owner, task.account, task.created_by, task.kind) == (bob, account, bob, "email")
    # The inline form (htmx) answers with a fresh form and the event.
    inline = client.post(
        reverse("activities:task_new"), {**base, "owner": "", "fixed_account": account.pk}, HTTP_HX_REQUEST="true"
    )
    assert inline["HX-Trigger"] == "tasks-changed" and "Task made" in inline.content.decode()


def test_task_page_shows_history_and_edits(tenant_a, bob, account, login):
    task = make_task(tenant_a, owner=bob, account=account, created_by_id=bob.pk)
    client = login(bob)
    client.post(reverse("activities:task_close", args=[task.pk]), {"status": "done", "note": "All good"})
    page = client.get(reverse("activities:task", args=[task.pk])).content.decode()
    history = page.split('data-testid="task-history"')[1].split("</ol>")[0]
    assert "Bob Csm" in history and "All good" in history and "Done" in history
    due = (today_of(tenant_a) + dt.timedelta(days=3)).isoformat()
    response = client.post(
        reverse("activities:task", args=[task.pk]),
        {"title": "Renamed", "kind": "call", "priority": "high", "due_on": due, "account": account.pk},
    )
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        task.refresh_from_db()
    assert (task.title, task.priority, task.due_on.isoformat()) == ("Renamed", "high", due)


def test_a_note_logged_shows_on_the_account_timeline_and_card(tenant_a, bob, account, login, member_of):
    client = login(bob)
    response = client.post(
        reverse("activities:note_new"),
        {
            "account": account.pk,
            "kind": "meeting",
            "subject": "Kick-off",
            "body": "Met the sponsor",
            "fixed_account": account.pk,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Trigger"] == "notes-changed"
    timeline = client.get(
        reverse("health:account_timeline", args=[account.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-kind="note"' in timeline and "Met the sponsor" in timeline and "Meeting logged by Bob Csm" in timeline
    card = client.get(reverse("activities:account_card", args=[account.pk])).content.decode()
    assert "Met the sponsor" in card
    # A viewer reads the card without the forms, and cannot log.
    viewer = login(member_of(Role.VIEWER))
    assert "Log a note" not in viewer.get(reverse("activities:account_card", args=[account.pk])).content.decode()
    assert (
        viewer.post(reverse("activities:note_new"), {"account": account.pk, "kind": "note", "body": "x"}).status_code
        == 403
    )


def test_account_card_lists_live_tasks_with_actions(tenant_a, bob, account, login):
    live = make_task(tenant_a, owner=bob, account=account, title="Call about the renewal")
    done = make_task(tenant_a, owner=bob, account=account, title="Old one")
    client = login(bob)
    client.post(reverse("activities:task_close", args=[done.pk]), {"status": "done"})
    card = client.get(reverse("activities:account_card", args=[account.pk])).content.decode()
    assert f"task-{live.pk}" in card and f"task-{done.pk}" not in card
    assert reverse("activities:task_close", args=[live.pk]) in card
    page = client.get(account.get_absolute_url()).content.decode()
    assert reverse("activities:account_card", args=[account.pk]) in page


def test_a_csm_takes_an_unassigned_task_of_their_account(tenant_a, bob, account, login):
    task = make_task(tenant_a, account=account)
    client = login(bob)
    assert "Take it" in client.get(reverse("activities:task", args=[task.pk])).content.decode()
    client.post(reverse("activities:task_reassign", args=[task.pk]), {"owner": bob.pk})
    with scope(tenant=tenant_a):
        assert Task.objects.get(pk=task.pk).owner == bob


def test_the_inbox_forms_load_when_opened(tenant_a, bob, login):
    client = login(bob)
    inbox = client.get(INBOX).content.decode()
    assert f'hx-get="{reverse("activities:task_new")}"' in inbox and 'name="title"' not in inbox
    task_form = client.get(reverse("activities:task_new"), HTTP_HX_REQUEST="true").content.decode()
    assert 'name="title"' in task_form and "<html" not in task_form
    note_form = client.get(reverse("activities:note_new"), HTTP_HX_REQUEST="true").content.decode()
    assert 'name="body"' in note_form and "<html" not in note_form


def test_a_long_section_pages_on_its_own_with_the_shared_pager(tenant_a, bob, account, login):
    today = today_of(tenant_a)
    with scope(tenant=tenant_a):
        tasks_create(
            tenant=tenant_a,
            drafts=[
                TaskDraft(title=f"Overdue {n:02d}", due_on=today - dt.timedelta(days=30 - n), owner_id=bob.pk)
                for n in range(20)
            ]
            + [TaskDraft(title="Later one", due_on=today + dt.timedelta(days=40), owner_id=bob.pk)],
        )
    client = login(bob)
    first = client.get(INBOX, {"priority": "normal"}).content.decode()
    assert "Overdue 00" in first and "Overdue 14" in first and "Overdue 15" not in first
    assert "Page 1 of 2" in first and "?priority=normal&amp;page_overdue=2" in first
    second = client.get(INBOX, {"priority": "normal", "page_overdue": 2}).content.decode()
    assert "Overdue 15" in second and "Overdue 19" in second and "Overdue 14" not in second
    # The other sections keep their first page.
    assert "Later one" in second
