"""A journey flag makes a task ("Make a task"): once, for the account's owner, due in 2 business days, shown on
the flag once it exists; who may make one; the task links back to the flag."""

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from activities.models import Task, TaskSource
from core.tenant_time import business_days_after, today
from journeys import services
from journeys.models import FlagKind, FlagStatus, TrackFlag
from tenancy.models import Role

from .builders import make_account, track_at


@pytest.fixture
def flagged(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    track = track_at(tenant_a, account, stage="adoption")
    with scope(tenant=tenant_a):
        flag = services.tracks_flag_for_review(
            tenant=tenant_a, account=account, kind=FlagKind.CHAMPION_LOST, why="Champion Jane Roe is no longer active"
        )[0]
    return track, flag


def flag_tasks(tenant, flag) -> list[Task]:
    with scope(tenant=tenant):
        return list(Task.objects.filter(tenant=tenant, source=TaskSource.JOURNEY_FLAG, source_id=flag.pk))


def test_a_flag_makes_one_task_for_the_account_owner(tenant_a, bob, login, flagged):
    track, flag = flagged
    client = login(bob)
    journey = reverse("journeys:account_journey", args=[track.account_id])
    assert f'data-testid="flag-make-task-{flag.pk}"' in client.get(journey).content.decode()

    response = client.post(reverse("journeys:flag_task", args=[flag.pk]), {"next": journey})
    assert response.status_code == 302 and response.url == journey
    # Asked again (a double click, a second tab): the same task.
    client.post(reverse("journeys:flag_task", args=[flag.pk]))

    (task,) = flag_tasks(tenant_a, flag)
    assert (task.owner_id, task.account_id, task.source_key) == (bob.pk, track.account_id, f"journey_flag:{flag.pk}")
    assert task.title == flag.message and task.status == "open"
    assert task.due_on == business_days_after(today(tenant_a), 2) and task.created_by_id == bob.pk
    page = client.get(journey).content.decode()
    assert f'data-testid="flag-task-{flag.pk}"' in page and f'data-testid="flag-make-task-{flag.pk}"' not in page
    assert task.get_absolute_url() in page
    # The flag itself is still for the CSM to confirm or dismiss.
    with scope(tenant=tenant_a):
        assert TrackFlag.objects.get(pk=flag.pk).status == FlagStatus.OPEN


def test_the_task_links_back_to_the_flag_on_its_journey(tenant_a, bob, login, flagged):
    track, flag = flagged
    login(bob).post(reverse("journeys:flag_task", args=[flag.pk]))
    (task,) = flag_tasks(tenant_a, flag)
    assert task.source_url == reverse("journeys:flag", args=[flag.pk])
    response = login(bob).get(task.source_url)
    assert response.status_code == 302
    assert response.url == f"{reverse('journeys:account_journey', args=[track.account_id])}#track-{track.pk}"


def test_only_the_owner_a_leader_or_an_admin_makes_a_task(tenant_a, bob, member_of, login, flagged):
    _track, flag = flagged
    url = reverse("journeys:flag_task", args=[flag.pk])
    assert login(member_of(Role.VIEWER)).post(url).status_code == 403
    assert login(member_of(Role.CSM)).post(url).status_code == 403
    assert flag_tasks(tenant_a, flag) == []
    assert login(member_of(Role.LEADER)).post(url).status_code == 302
    # A leader makes it, the account's owner does it.
    assert [task.owner_id for task in flag_tasks(tenant_a, flag)] == [bob.pk]


def test_the_flag_list_shows_tasks_at_a_constant_cost(tenant_a, alice, bob, login, django_assert_max_num_queries):
    client = login(alice)

    def flag_on(n: int) -> TrackFlag:
        account = make_account(tenant_a, n, owner=bob)
        track_at(tenant_a, account, stage="adoption")
        with scope(tenant=tenant_a):
            return services.tracks_flag_for_review(
                tenant=tenant_a, account=account, kind=FlagKind.CHAMPION_LOST, why=f"Champion {n} left"
            )[0]

    first = flag_on(1)
    client.post(reverse("journeys:flag_task", args=[first.pk]))
    reset_queries()  # the log keeps the last 9,000 queries: setting up the flags must not fill it
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("journeys:flag_list")).status_code == 200
    with_one = len(one)  # counted now: the context reads the log lazily
    flags = [flag_on(n) for n in range(2, 8)]
    for flag in flags[:3]:
        client.post(reverse("journeys:flag_task", args=[flag.pk]))
    reset_queries()
    with django_assert_max_num_queries(with_one):
        page = client.get(reverse("journeys:flag_list")).content.decode()
    assert page.count('data-testid="flag-task-') == 4 and page.count('data-testid="flag-make-task-') == 3
