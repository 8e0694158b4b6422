"""The account page's playbooks card (the runs for the account and the open tasks they made, a constant number
of queries) and running a playbook by hand, from the account page and from the playbook's page: admins and
leaders anywhere, CSMs on their own accounts when the admin allows it, viewers never."""

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scope

from activities.models import TaskSource
from activities.services.tasks import TaskDraft, task_create
from playbooks.models import PlaybookRun, RunStatus
from tenancy.models import Role

from ..accounts.builders import make_account
from .builders import playbook_make

pytestmark = pytest.mark.django_db


def _run_with_task(tenant, playbook, account, n, owner):
    with scope(tenant=tenant):
        run = PlaybookRun.objects.create(
            tenant=tenant,
            playbook=playbook,
            version=1,
            account=account,
            trigger=playbook.trigger,
            occurrence_key=f"test:{n}",
            status=RunStatus.DONE,
        )
        task_create(
            tenant=tenant,
            draft=TaskDraft(
                title=f"Call {account.name} ({n})",
                due_on=dt.date(2030, 1, 2),
                owner_id=owner.pk,
                account_id=account.pk,
                source=TaskSource.PLAYBOOK_RUN,
                source_id=run.pk,
                source_key=f"playbook_run:{run.pk}:0",
            ),
        )
        return run


def test_the_card_shows_runs_and_open_tasks_for_a_constant_cost(
    tenant_a, alice, bob, login, django_assert_max_num_queries
):
    playbook = playbook_make(tenant_a, by=alice)
    account = make_account(tenant_a, 1, segment="enterprise", owner=bob)
    other = make_account(tenant_a, 2, owner=bob)
    client = login(bob)
    url = reverse("playbooks:account_card", args=[account.pk])
    _run_with_task(tenant_a, playbook, account, 0, bob)
    _run_with_task(tenant_a, playbook, other, 99, bob)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for n in range(1, 8):
        _run_with_task(tenant_a, playbook, account, n, bob)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count("Call Account 001") == 8 and "Account 002" not in page
    assert page.count(reverse("playbooks:run", args=[1]).rsplit("/", 2)[0]) >= 8
    # The account page loads the card.
    assert url.encode() in client.get(reverse("accounts:account_detail", args=[account.pk])).content


def test_an_admin_runs_a_playbook_from_the_account_page(tenant_a, alice, login):
    playbook = playbook_make(tenant_a, by=alice)
    account = make_account(tenant_a, 1, segment="enterprise")
    client = login(alice)
    card = client.get(reverse("playbooks:account_card", args=[account.pk])).content.decode()
    assert 'id="account-run-playbook"' in card and f'value="{playbook.pk}"' in card
    response = client.post(reverse("playbooks:account_run", args=[account.pk]), {"playbook": playbook.pk})
    with scope(tenant=tenant_a):
        run = PlaybookRun.objects.get(tenant=tenant_a, playbook=playbook)
    assert response.status_code == 302 and response["Location"] == reverse("playbooks:run", args=[run.pk])
    assert run.account == account and run.by == alice


def test_csms_run_by_hand_only_on_their_own_accounts_and_when_allowed(tenant_a, alice, bob, member_of, login):
    allowed = playbook_make(tenant_a, by=alice, name="Allowed", csm_may_run=True)
    not_allowed = playbook_make(tenant_a, by=alice, name="Admins only")
    own = make_account(tenant_a, 1, segment="enterprise", owner=bob)
    theirs = make_account(tenant_a, 2, segment="enterprise", owner=member_of(Role.CSM))
    client = login(bob)
    card = client.get(reverse("playbooks:account_card", args=[own.pk])).content.decode()
    assert f'value="{allowed.pk}"' in card and f'value="{not_allowed.pk}"' not in card
    assert (
        'id="account-run-playbook"'
        not in client.get(reverse("playbooks:account_card", args=[theirs.pk])).content.decode()
    )
    assert client.post(reverse("playbooks:account_run", args=[theirs.pk]), {"playbook": allowed.pk}).status_code == 403
    assert client.post(reverse("playbooks:account_run", args=[own.pk]), {"playbook": not_allowed.pk}).status_code == 403
    assert client.post(reverse("playbooks:account_run", args=[own.pk]), {"playbook": allowed.pk}).status_code == 302
    with scope(tenant=tenant_a):
        assert list(PlaybookRun.objects.filter(tenant=tenant_a).values_list("playbook_id", "account_id")) == [
            (allowed.pk, own.pk)
        ]


def test_viewers_never_run_a_playbook(tenant_a, alice, member_of, login):
    playbook = playbook_make(tenant_a, by=alice, csm_may_run=True)
    account = make_account(tenant_a, 1, segment="enterprise")
    client = login(member_of(Role.VIEWER))
    assert (
        'id="account-run-playbook"'
        not in client.get(reverse("playbooks:account_card", args=[account.pk])).content.decode()
    )
    assert b'id="run-by-hand"' not in client.get(reverse("playbooks:detail", args=[playbook.pk])).content
    assert (
        client.post(reverse("playbooks:account_run", args=[account.pk]), {"playbook": playbook.pk}).status_code == 403
    )
    assert (
        client.post(reverse("playbooks:run_by_hand", args=[playbook.pk]), {"account": account.name}).status_code == 403
    )
    with scope(tenant=tenant_a):
        assert not PlaybookRun.objects.filter(tenant=tenant_a).exists()


def test_running_from_the_playbook_page_by_the_accounts_name(tenant_a, tenant_b, alice, login):
    playbook = playbook_make(tenant_a, by=alice)
    account = make_account(tenant_a, 1, segment="enterprise")
    make_account(tenant_b, 7)
    client = login(alice)
    assert b'id="run-by-hand"' in client.get(reverse("playbooks:detail", args=[playbook.pk])).content
    # Another tenant's account is not found by name.
    response = client.post(
        reverse("playbooks:run_by_hand", args=[playbook.pk]), {"account": "Account 007"}, follow=True
    )
    assert b"No account called Account 007." in response.content
    response = client.post(reverse("playbooks:run_by_hand", args=[playbook.pk]), {"account": "account 001"})
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        assert PlaybookRun.objects.get(tenant=tenant_a).account == account
