"""A health signal makes a task ("Make a task" on the signals list and the account's health page): once, for the
account's owner, due in 2 business days, shown on the signal once it exists; who may make one; the task links
back to the signal."""

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from activities.models import Task, TaskSource
from core.tenant_time import business_days_after, today
from tenancy.models import Role

from .builders import book_account, health_story, raised_signal


def signal_tasks(tenant, signal) -> list[Task]:
    with scope(tenant=tenant):
        return list(Task.objects.filter(tenant=tenant, source=TaskSource.HEALTH_SIGNAL, source_id=signal.pk))


def test_a_signal_makes_one_task_for_the_account_owner(tenant_a, bob, login):
    # A scored account: its health page lists its open signals.
    acme = health_story(tenant_a, owner=bob, history_days=0)
    signal = raised_signal(tenant_a, acme, "Health fell 20 points in 7 days.")
    client = login(bob)
    health = reverse("health:account_health", args=[acme.pk])
    assert f'data-testid="signal-make-task-{signal.pk}"' in client.get(health).content.decode()

    response = client.post(reverse("health:signal_task", args=[signal.pk]), {"next": health})
    assert response.status_code == 302 and response.url == health
    client.post(reverse("health:signal_task", args=[signal.pk]))

    (task,) = signal_tasks(tenant_a, signal)
    assert (task.owner_id, task.account_id, task.source_key) == (bob.pk, acme.pk, f"health_signal:{signal.pk}")
    assert task.title == "Health fell 20 points in 7 days." and task.status == "open"
    assert task.due_on == business_days_after(today(tenant_a), 2)
    page = client.get(health).content.decode()
    assert f'data-testid="signal-task-{signal.pk}"' in page and f"signal-make-task-{signal.pk}" not in page
    signals_page = client.get(reverse("health:signal_list")).content.decode()
    assert task.get_absolute_url() in signals_page


def test_the_task_links_back_to_the_signal_on_the_health_page(tenant_a, bob, login):
    acme = book_account(tenant_a, 1, owner=bob)
    signal = raised_signal(tenant_a, acme, "Invoice INV-9 is 10 days late.", kind="late_payment")
    login(bob).post(reverse("health:signal_task", args=[signal.pk]))
    (task,) = signal_tasks(tenant_a, signal)
    assert task.source_url == reverse("health:signal", args=[signal.pk])
    response = login(bob).get(task.source_url)
    assert response.status_code == 302
    assert response.url == f"{reverse('health:account_health', args=[acme.pk])}#account-signals"


def test_only_the_owner_a_leader_or_an_admin_makes_a_task(tenant_a, bob, member_of, login):
    acme = book_account(tenant_a, 1, owner=bob)
    signal = raised_signal(tenant_a, acme, "Health fell 20 points in 7 days.")
    url = reverse("health:signal_task", args=[signal.pk])
    viewer = login(member_of(Role.VIEWER))
    assert viewer.post(url).status_code == 403
    assert "signal-make-task" not in viewer.get(reverse("health:signal_list")).content.decode()
    other_csm = login(member_of(Role.CSM))
    assert other_csm.post(url).status_code == 403
    assert "signal-make-task" not in other_csm.get(reverse("health:signal_list"), {"owner": "all"}).content.decode()
    assert signal_tasks(tenant_a, signal) == []
    assert login(member_of(Role.LEADER)).post(url).status_code == 302
    assert [task.owner_id for task in signal_tasks(tenant_a, signal)] == [bob.pk]


def test_the_signals_list_shows_tasks_at_a_constant_cost(tenant_a, alice, bob, login, django_assert_max_num_queries):
    client = login(alice)
    first = raised_signal(tenant_a, book_account(tenant_a, 1, owner=bob), "Signal 1")
    client.post(reverse("health:signal_task", args=[first.pk]))
    reset_queries()  # the log keeps the last 9,000 queries: setting up must not fill it
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("health:signal_list")).status_code == 200
    with_one = len(one)  # counted now: the context reads the log lazily
    more = [raised_signal(tenant_a, book_account(tenant_a, n, owner=bob), f"Signal {n}") for n in range(2, 8)]
    for signal in more[:3]:
        client.post(reverse("health:signal_task", args=[signal.pk]))
    reset_queries()
    with django_assert_max_num_queries(with_one):
        page = client.get(reverse("health:signal_list")).content.decode()
    assert page.count('data-testid="signal-task-') == 4 and page.count('data-testid="signal-make-task-') == 3
