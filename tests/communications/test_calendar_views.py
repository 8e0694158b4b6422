"""The master calendar from the outside: month, week and list views, scopes, filters, conflicts on the
entries, bounded queries, the approvals queue, the owners' tasks and the account card."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from activities.models import TaskStatus
from communications.models import EntryStatus
from communications.services.owner_tasks import owner_task_open
from tenancy.models import Role, Team

from ..factories import UserFactory, add_member
from .builders import at_local, contact_of, entry_for, make_account

pytestmark = pytest.mark.django_db

# December 2030: the 1st is a Sunday, so the month grid runs from Mon 25 Nov to Sun 5 Jan.
DECEMBER = "2030-12-02"


def calendar(client, url=None, **params):
    params.setdefault("date", DECEMBER)
    response = client.get(url or reverse("communications:calendar"), params)
    assert response.status_code == 200
    return response


def shown(response) -> list[int]:
    return [entry.pk for entry in response.context["entries"]]


@pytest.fixture
def book(tenant_a, alice, bob):
    """Bob's account 001 (hooli) with Jane, and Alice's account 002 (initech) with Tom."""
    hooli = make_account(tenant_a, 1, owner=bob)
    initech = make_account(tenant_a, 2, owner=alice)
    return {
        "hooli": hooli,
        "initech": initech,
        "jane": contact_of(tenant_a, hooli, 1, name="Jane Roe"),
        "tom": contact_of(tenant_a, initech, 2, name="Tom Smith"),
    }


def test_the_month_grid_shows_every_teams_entries_of_the_month_as_chips(tenant_a, alice, book, login):
    checkin = entry_for(
        tenant_a,
        book["hooli"],
        at=at_local(tenant_a, 2030, 12, 3, 10),
        contacts=[book["jane"]],
        subject="Quarterly check-in",
        message_type="relationship",
    )
    webinar = entry_for(
        tenant_a,
        book["initech"],
        at=at_local(tenant_a, 2030, 12, 17, 15),
        contacts=[book["tom"]],
        subject="Reporting webinar",
        channel="webinar",
        team=Team.MARKETING,
    )
    january = entry_for(tenant_a, book["hooli"], at=at_local(tenant_a, 2031, 1, 20), contacts=[book["jane"]])

    response = calendar(login(alice))

    assert shown(response) == [checkin.pk, webinar.pk]
    assert january.pk not in shown(response)
    body = response.content.decode()
    assert response.context["period"].label == "December 2030"
    assert len(response.context["weeks"]) == 6 and response.context["weeks"][0][0][0] == dt.date(2030, 11, 25)
    assert 'data-testid="day-2030-12-03"' in body and "Quarterly check-in" in body
    assert "border-success" in body and "▶" in body  # relationship colour, webinar icon
    assert "Marketing · educational" in body and "Account 001 · Customer success · relationship" in body


def test_deferred_and_pending_entries_are_marked_with_their_reason(tenant_a, alice, book, login):
    at = at_local(tenant_a, 2030, 12, 3, 10)
    for n in range(2):
        entry_for(tenant_a, book["hooli"], at=at, contacts=[book["jane"]], subject=f"Tip {n}")
    deferred = entry_for(tenant_a, book["hooli"], at=at, contacts=[book["jane"]], subject="Third email")
    assert deferred.status == EntryStatus.DEFERRED

    body = calendar(login(alice)).content.decode()

    assert f'data-testid="deferred-{deferred.pk}"' in body
    assert "Jane Roe already has 2 emails this week (cap 2)" in body


def test_the_week_view_shows_seven_days_and_the_times(tenant_a, alice, book, login):
    tuesday = entry_for(tenant_a, book["hooli"], at=at_local(tenant_a, 2030, 12, 3, 14, 30), contacts=[book["jane"]])
    next_week = entry_for(tenant_a, book["hooli"], at=at_local(tenant_a, 2030, 12, 10), contacts=[book["jane"]])

    response = calendar(login(alice), view="week")

    days = [day for day, _ in response.context["days"]]
    assert days == [dt.date(2030, 12, 2) + dt.timedelta(days=i) for i in range(7)]
    assert shown(response) == [tuesday.pk]
    assert next_week.pk not in shown(response)
    body = response.content.decode()
    assert "Week 49 of 2030" in body and "14:30" in body
    assert "date=2030-12-09" in body and "date=2030-11-25" in body  # next and previous weeks


def test_times_are_the_tenants_local_times_and_days_its_days(tenant_a, alice, book, login):
    # 23:30 in Berlin on Mon 2 Dec is 22:30 UTC: still the 2nd on the calendar.
    late = entry_for(tenant_a, book["hooli"], at=at_local(tenant_a, 2030, 12, 2, 23, 30), contacts=[book["jane"]])

    response = calendar(login(alice), view="week")

    days = dict(response.context["days"])
    assert [e.pk for e in days[dt.date(2030, 12, 2)]] == [late.pk]
    assert days[dt.date(2030, 12, 3)] == []
    assert "23:30" in response.content.decode()


def test_the_list_view_is_a_paginated_table(tenant_a, alice, book, login):
    for day in range(1, 31):
        entry_for(
            tenant_a,
            book["initech"],
            at=at_local(tenant_a, 2030, 12, day),
            contacts=[book["tom"]],
            channel="in_app",
            subject=f"In-app tip {day}",
        )
    for day in range(1, 31):
        entry_for(
            tenant_a,
            book["hooli"],
            at=at_local(tenant_a, 2030, 12, day),
            contacts=[book["jane"]],
            channel="in_app",
            subject=f"Hooli tip {day}",
        )
    client = login(alice)

    first = calendar(client, view="list")
    second = calendar(client, view="list", page=2)

    assert len(shown(first)) == 50 and len(shown(second)) == 10
    assert first.context["page"].paginator.count == 60
    assert 'id="calendar-list"' in first.content.decode()
    assert "view=list" in first.content.decode() and "page=2" in first.content.decode()


def test_a_csm_sees_their_accounts_first_and_everyone_on_asking(tenant_a, alice, bob, book, login):
    mine = entry_for(tenant_a, book["hooli"], at=at_local(tenant_a, 2030, 12, 3), contacts=[book["jane"]])
    theirs = entry_for(tenant_a, book["initech"], at=at_local(tenant_a, 2030, 12, 4), contacts=[book["tom"]])

    assert shown(calendar(login(bob))) == [mine.pk]
    assert shown(calendar(login(bob), scope="all")) == [mine.pk, theirs.pk]
    assert shown(calendar(login(alice))) == [mine.pk, theirs.pk]
    assert shown(calendar(login(alice), scope="mine")) == [theirs.pk]


def test_the_account_calendar_shows_one_account(tenant_a, bob, book, login):
    mine = entry_for(tenant_a, book["hooli"], at=at_local(tenant_a, 2030, 12, 3), contacts=[book["jane"]])
    entry_for(tenant_a, book["initech"], at=at_local(tenant_a, 2030, 12, 4), contacts=[book["tom"]])
    url = reverse("communications:account_calendar", args=[book["initech"].pk])

    response = calendar(login(bob), url=url)
    assert mine.pk not in shown(response) and len(shown(response)) == 1
    assert response.context["scope"] == "account"
    assert "Account 002" in response.content.decode()
    # Bob may read Initech's calendar but not plan for it.
    assert response.context["may_create"] is False
    assert calendar(login(bob), url=reverse("communications:account_calendar", args=[book["hooli"].pk])).context[
        "may_create"
    ]


def test_filters_team_type_channel_and_status(tenant_a, alice, book, login):
    at = at_local(tenant_a, 2030, 12, 3)
    email = entry_for(tenant_a, book["hooli"], at=at, contacts=[book["jane"]], message_type="relationship")
    in_app = entry_for(
        tenant_a,
        book["hooli"],
        at=at,
        contacts=[book["jane"]],
        channel="in_app",
        team=Team.PRODUCT,
        message_type="operational",
    )
    draft = entry_for(tenant_a, book["initech"], at=at, contacts=[book["tom"]], schedule=False)
    client = login(alice)

    assert shown(calendar(client, team="product")) == [in_app.pk]
    assert shown(calendar(client, message_type="relationship")) == [email.pk]
    assert shown(calendar(client, channel="in_app")) == [in_app.pk]
    assert shown(calendar(client, status="draft")) == [draft.pk]
    assert set(shown(calendar(client))) == {email.pk, in_app.pk, draft.pk}


def test_cancelled_entries_show_only_when_asked_for(tenant_a, alice, book, login):
    entry = entry_for(tenant_a, book["hooli"], at=at_local(tenant_a, 2030, 12, 3), contacts=[book["jane"]])
    with scope(tenant=tenant_a):
        from communications import services

        services.entry_cancel(entry=entry, by=alice, reason="Covered in the QBR")
    client = login(alice)

    assert shown(calendar(client)) == []
    assert shown(calendar(client, status="cancelled")) == [entry.pk]


def test_conflicts_are_shown_on_the_entries(tenant_a, alice, book, login):
    at = at_local(tenant_a, 2030, 12, 3, 9)
    first = entry_for(tenant_a, book["hooli"], at=at, contacts=[book["jane"]], subject="Check-in")
    second = entry_for(
        tenant_a,
        book["hooli"],
        at=at + dt.timedelta(hours=5),
        contacts=[book["jane"]],
        channel="in_app",
        subject="Feature tip",
        team=Team.PRODUCT,
        message_type="operational",
    )
    client = login(alice)

    for view in ("month", "week", "list"):
        response = calendar(client, view=view)
        body = response.content.decode()
        assert f'data-testid="conflict-{first.pk}"' in body and f'data-testid="conflict-{second.pk}"' in body, view
        messages = [c.message for c in next(e for e in response.context["entries"] if e.pk == first.pk).conflicts]
        assert any("Jane Roe" in m for m in messages), messages
        assert response.context["conflict_count"] == 2


def _queries_for_month(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        calendar(client)
    return len(captured)


@pytest.mark.parametrize("view", ["month", "list"])
def test_a_month_of_60_entries_costs_what_10_do(tenant_a, alice, book, login, view, django_assert_max_num_queries):
    accounts = [make_account(tenant_a, 10 + n, owner=alice) for n in range(6)]
    contacts = [contact_of(tenant_a, account, 10 + n) for n, account in enumerate(accounts)]

    def add(count, offset):
        for i in range(count):
            n = (offset + i) % 6
            entry_for(
                tenant_a,
                accounts[n],
                at=at_local(tenant_a, 2030, 12, 1 + (offset + i) % 28, 8 + i % 10),
                contacts=[contacts[n]],
                channel="in_app",
                team=[Team.MARKETING, Team.PRODUCT][i % 2],
                message_type="educational",
            )

    client = login(alice)
    add(10, 0)
    with CaptureQueriesContext(connection) as ten:
        assert len(shown(calendar(client, view=view))) == 10
    add(50, 10)
    with django_assert_max_num_queries(len(ten)):
        assert len(shown(calendar(client, view=view))) == (50 if view == "list" else 60)


def test_charlie_gets_404_on_an_account_calendar_and_sees_nothing_of_tenant_a(tenant_a, charlie, book, login):
    entry_for(
        tenant_a,
        book["hooli"],
        at=at_local(tenant_a, 2030, 12, 3),
        contacts=[book["jane"]],
        subject="Secret Hooli plan",
    )
    client = login(charlie)

    assert client.get(reverse("communications:account_calendar", args=[book["hooli"].pk])).status_code == 404
    assert client.get(reverse("communications:account_card", args=[book["hooli"].pk])).status_code == 404
    response = calendar(client)
    assert shown(response) == [] and "Secret Hooli plan" not in response.content.decode()


def test_a_viewer_reads_the_calendar_without_planning(tenant_a, member_of, book, login):
    entry_for(tenant_a, book["hooli"], at=at_local(tenant_a, 2030, 12, 3), contacts=[book["jane"]])
    viewer = member_of(Role.VIEWER)

    response = calendar(login(viewer))

    assert len(shown(response)) == 1 and response.context["may_create"] is False
    assert reverse("communications:entry_new") not in response.content.decode()


def test_the_index_is_the_calendar_and_the_nav_links_the_areas(tenant_a, alice, login):
    response = login(alice).get(reverse("communications:index"))
    body = response.content.decode()
    assert response.status_code == 200 and response.context["view"] == "month"
    assert 'id="communications-nav"' in body
    for name in ("calendar", "approvals", "tasks"):
        assert reverse(f"communications:{name}") in body


# The account card


def test_the_account_card_shows_the_next_touchpoints_and_links_the_calendar(tenant_a, bob, book, login):
    soon = at_local(tenant_a, 2030, 12, 3, 10)
    for n in range(2):
        entry_for(tenant_a, book["hooli"], at=soon, contacts=[book["jane"]], subject=f"Tip {n}")
    deferred = entry_for(tenant_a, book["hooli"], at=soon, contacts=[book["jane"]], subject="Third email")
    entry_for(tenant_a, book["hooli"], at=soon, contacts=[book["jane"]], subject="Draft idea", schedule=False)

    response = login(bob).get(reverse("communications:account_card", args=[book["hooli"].pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert [e.subject for e in response.context["card"].upcoming] == ["Tip 0", "Tip 1", "Third email"]
    assert deferred.status_reason in body
    assert "Nothing sent yet." in body and "Draft idea" not in body
    assert reverse("communications:account_calendar", args=[book["hooli"].pk]) in body
    assert f"{reverse('communications:entry_new')}?account={book['hooli'].pk}" in body


def test_the_account_page_loads_the_card(tenant_a, bob, book, login):
    body = login(bob).get(book["hooli"].get_absolute_url()).content.decode()
    assert reverse("communications:account_card", args=[book["hooli"].pk]) in body
    assert 'id="communications-card"' in body


# Approvals queue


@pytest.fixture
def bulk(tenant_a, bob, book):
    """A Hooli send to 26 champions: over the default bulk threshold of 25."""
    people = [contact_of(tenant_a, book["hooli"], 100 + n, roles=["champion"]) for n in range(26)]
    entry = entry_for(
        tenant_a,
        book["hooli"],
        at=at_local(tenant_a, 2030, 12, 3),
        by=bob,
        audience_role="champion",
        subject="Product roadmap briefing",
        message_type="operational",
    )
    assert entry.status == EntryStatus.PENDING_APPROVAL
    return entry, people


def test_the_approvals_queue_lists_pending_bulk_sends_with_recipient_counts(tenant_a, alice, bob, bulk, login):
    entry, _people = bulk

    response = login(alice).get(reverse("communications:approvals"))
    body = response.content.decode()

    assert [e.pk for e in response.context["pending"]] == [entry.pk]
    assert f'data-testid="approval-{entry.pk}"' in body and ">27<" in body  # 26 new champions and Jane
    assert reverse("communications:entry_approve", args=[entry.pk]) in body
    # A CSM reads the queue, without the buttons.
    csm_body = login(bob).get(reverse("communications:approvals")).content.decode()
    assert "Product roadmap briefing" in csm_body
    assert reverse("communications:entry_approve", args=[entry.pk]) not in csm_body


# Tasks


def test_tasks_list_the_users_open_tasks_and_log_them_done(tenant_a, bob, book, login):
    call = entry_for(
        tenant_a,
        book["hooli"],
        at=at_local(tenant_a, 2030, 12, 3),
        contacts=[book["jane"]],
        by=bob,
        channel="call",
        message_type="relationship",
        subject="Call Jane about the rollout",
    )
    other_owner = UserFactory()
    add_member(tenant_a, other_owner, Role.CSM)
    theirs = entry_for(
        tenant_a,
        book["hooli"],
        at=at_local(tenant_a, 2030, 12, 4),
        contacts=[book["jane"]],
        channel="call",
        message_type="relationship",
        owner=other_owner,
        subject="Not Bob's call",
    )
    with scope(tenant=tenant_a):
        task = owner_task_open(entry=call, note="Call due")
        other = owner_task_open(entry=theirs, note="Call due")
    client = login(bob)

    response = client.get(reverse("communications:tasks"))
    assert [t.pk for t in response.context["tasks"]] == [task.pk]
    assert "Call Jane about the rollout" in response.content.decode()

    done = client.post(
        reverse("communications:task_done", args=[task.pk]), {"note": "Rollout on track"}, HTTP_HX_REQUEST="true"
    )
    assert done.status_code == 200 and "done" in done.content.decode()
    with scope(tenant=tenant_a):
        task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.outcome_note == "Rollout on track"
    # Someone else's task is not Bob's to log.
    assert client.post(reverse("communications:task_done", args=[other.pk])).status_code == 403


def test_the_approvals_queue_of_8_accounts_costs_what_2_do(tenant_a, alice, bob, login, django_assert_max_num_queries):
    from communications import services

    with scope(tenant=tenant_a):
        services.communication_settings_update(tenant=tenant_a, bulk_threshold=2)

    def add(first, count):
        for n in range(first, first + count):
            account = make_account(tenant_a, 40 + n, owner=bob)
            people = [contact_of(tenant_a, account, 10 * n + i) for i in range(3)]
            for day, decide in ((3, False), (4, True)):
                entry = entry_for(
                    tenant_a,
                    account,
                    at=at_local(tenant_a, 2030, 12, day),
                    contacts=people,
                    by=bob,
                    subject="Roadmap for {{ account.name }}",
                )
                assert entry.status == EntryStatus.PENDING_APPROVAL
                if decide:
                    with scope(tenant=tenant_a):
                        services.entry_approve(entry=entry, by=alice, note="")

    client = login(alice)
    add(0, 2)
    with CaptureQueriesContext(connection) as two:
        assert client.get(reverse("communications:approvals")).status_code == 200
    add(2, 6)
    with django_assert_max_num_queries(len(two)):
        body = client.get(reverse("communications:approvals")).content.decode()
    pending, decided = body.split('id="approvals-decided"')
    assert "Roadmap for Account 047" in pending and "Roadmap for Account 047" in decided


def test_the_tasks_of_8_accounts_cost_what_2_do(tenant_a, bob, login, django_assert_max_num_queries):
    def add(first, count):
        for n in range(first, first + count):
            account = make_account(tenant_a, 60 + n, owner=bob)
            call = entry_for(
                tenant_a,
                account,
                at=at_local(tenant_a, 2030, 12, 3),
                contacts=[contact_of(tenant_a, account, 60 + n)],
                by=bob,
                channel="call",
                message_type="relationship",
                subject="Call {{ account.name }}",
            )
            with scope(tenant=tenant_a):
                owner_task_open(entry=call, note="Call due")

    client = login(bob)
    add(0, 2)
    with CaptureQueriesContext(connection) as two:
        assert client.get(reverse("communications:tasks")).status_code == 200
    add(2, 6)
    with django_assert_max_num_queries(len(two)):
        response = client.get(reverse("communications:tasks"))
    assert len(response.context["tasks"]) == 8 and "Call Account 067" in response.content.decode()
