"""The personal calendar feed of my tasks: each live task an all-day event on the day it is work, behind the
same secret links as the touchpoint feeds."""

import datetime as dt
import re

import icalendar
from django.urls import reverse
from django_scopes import scope

from activities.models import TaskStatus
from activities.services.tasks import task_close, task_snooze
from communications.models import CalendarFeed, FeedKind
from tenancy.models import Membership, Role

from ..activities.builders import make_account, make_task, today_of


def _feed_link(response) -> str:
    return re.search(r'value="(http[^"]+\.ics)"', response.content.decode()).group(1)


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _events(client, url):
    response = client.get(_path(url))
    assert response.status_code == 200
    return response, list(icalendar.Calendar.from_ical(response.content).walk("VEVENT"))


def test_my_tasks_feed_holds_my_live_tasks_as_all_day_events(tenant_a, alice, bob, login, client):
    account = make_account(tenant_a, 1, owner=bob)
    due = make_task(tenant_a, owner=bob, account=account, title="Call the sponsor", due_in=2)
    snoozed = make_task(tenant_a, owner=bob, title="Prepare the QBR", due_in=-1)
    done = make_task(tenant_a, owner=bob, title="Done already")
    make_task(tenant_a, owner=alice, title="Alice's")
    today = today_of(tenant_a)
    with scope(tenant=tenant_a):
        task_snooze(tenant=tenant_a, task=snoozed, until=today + dt.timedelta(days=5))
        task_close(tenant=tenant_a, task=done, status=TaskStatus.DONE, by=bob)
    made = login(bob).post(reverse("communications:feeds"), {"kind": "tasks"})
    assert made.status_code == 200 and "My tasks" in made.content.decode()
    response, events = _events(client, _feed_link(made))
    assert response["Content-Type"].startswith("text/calendar")
    by_summary = {str(event["summary"]): event for event in events}
    assert set(by_summary) == {"Call the sponsor · Account 001", "Prepare the QBR"}
    call = by_summary["Call the sponsor · Account 001"]
    # All-day: a date, not a time, on the due day; a snoozed task on the day it wakes.
    assert call.decoded("dtstart") == today + dt.timedelta(days=2)
    assert call.decoded("dtend") == today + dt.timedelta(days=3)
    assert by_summary["Prepare the QBR"].decoded("dtstart") == today + dt.timedelta(days=5)
    assert str(call["uid"]).startswith(f"task-{due.pk}@")
    assert reverse("activities:task", args=[due.pk]) in str(call["url"])


def test_one_tasks_feed_per_person_and_a_new_link_replaces_the_old(tenant_a, bob, login, client):
    make_task(tenant_a, owner=bob)
    web = login(bob)
    first = _feed_link(web.post(reverse("communications:feeds"), {"kind": "tasks"}))
    second = _feed_link(web.post(reverse("communications:feeds"), {"kind": "tasks"}))
    with scope(tenant=tenant_a):
        assert CalendarFeed.objects.filter(tenant=tenant_a, kind=FeedKind.TASKS).count() == 1
    assert client.get(_path(first)).status_code == 404
    assert client.get(_path(second)).status_code == 200


def test_a_viewer_gets_a_tasks_feed_too_and_a_leaver_loses_it(tenant_a, member_of, login, client):
    viewer = member_of(Role.VIEWER)
    link = _feed_link(login(viewer).post(reverse("communications:feeds"), {"kind": "tasks"}))
    path = _path(link)
    assert client.get(path).status_code == 200
    with scope(tenant=tenant_a):
        Membership.objects.filter(tenant=tenant_a, user=viewer).update(is_active=False)
    assert client.get(path).status_code == 404
