"""The playbook pages: the list (its empty state, a constant number of queries), the editor without JS (rows
added, removed and moved by the form's buttons; each error under its input) and with htmx (the validate
answer swaps each input's error in place), one playbook's page, switching on and off, removing, the runs
list and a run's page, the settings, and who may do what (viewers read only)."""

import pytest
from django.urls import reverse
from django_scopes import scope

from communications.services.cadences import cadence_save
from playbooks.models import Playbook, PlaybookRun, RunStatus
from tenancy.models import Role

from ..accounts.builders import make_account
from .builders import CALL_TASK, playbook_make

pytestmark = pytest.mark.django_db

SAVE = {
    "name": "Red enterprise",
    "description": "",
    "trigger": "band_changed",
    "trigger_params.to": "red",
    "conditions.0.field": "segment",
    "conditions.0.op": "in",
    "conditions.0.value": ["enterprise"],
    "actions.0.type": "create_task",
    "actions.0.title": "Call {{ account.name }}",
    "actions.0.details": "",
    "actions.0.kind": "call",
    "actions.0.priority": "high",
    "actions.0.due_in_days": "2",
    "actions.0.assignee": "owner",
    "actions.0.fallback": "role:leader",
    "cooldown_days": "30",
    "outcome_measure": "health_recovery",
    "stop_when_resolved": "true",
    "_op": "save",
}


def test_the_empty_list_says_what_playbooks_are_and_who_builds_them(tenant_a, alice, bob, login):
    page = login(alice).get(reverse("playbooks:index"))
    assert page.status_code == 200
    assert b'data-testid="playbooks-empty"' in page.content and b"Build the first one" in page.content
    page = login(bob).get(reverse("playbooks:index"))
    assert b"An admin builds them." in page.content and reverse("playbooks:new").encode() not in page.content


def test_the_list_costs_the_same_for_many_playbooks(tenant_a, alice, login, django_assert_max_num_queries):
    client = login(alice)
    playbook_make(tenant_a, by=alice, name="One")
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("playbooks:index"))
    for n in range(8):
        playbook_make(
            tenant_a, by=alice, name=f"Playbook {n}", trigger="signal_raised", trigger_params={"kind": "expansion"}
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("playbooks:index"))
    assert page.content.count(b"data-playbook=") == 9
    assert b"When a Expansion signal (CSQL) signal is raised" in page.content or b"signal is raised" in page.content


def test_the_editor_saves_a_playbook_off_and_shows_it_in_sentences(tenant_a, alice, login):
    client = login(alice)
    assert client.get(reverse("playbooks:new")).status_code == 200
    response = client.post(reverse("playbooks:new"), SAVE)
    with scope(tenant=tenant_a):
        playbook = Playbook.objects.get(tenant=tenant_a)
    assert response.status_code == 302 and response["Location"] == reverse("playbooks:detail", args=[playbook.pk])
    assert not playbook.is_enabled
    assert playbook.conditions == [{"field": "segment", "op": "in", "value": ["enterprise"]}]
    assert playbook.actions[0]["due_in_days"] == 2 and playbook.actions[0]["title"] == "Call {{ account.name }}"
    page = client.get(response["Location"]).content.decode()
    assert "When health turns Red" in page
    assert "Segment is one of Enterprise" in page
    assert "Create a task “Call {{ account.name }}” for the account&#x27;s CSM, due in 2 business days" in page


def test_without_js_the_buttons_add_move_and_remove_rows_and_save_nothing(tenant_a, alice, login):
    client = login(alice)
    url = reverse("playbooks:new")
    page = client.post(url, {**SAVE, "_op": "add_action", "new_action": "notify"}).content.decode()
    assert 'name="actions.1.message"' in page and 'value="notify"' in page
    page = client.post(url, {**SAVE, "_op": "add_condition"}).content.decode()
    assert 'name="conditions.1.field"' in page
    two = {**SAVE, "actions.1.type": "tier_upgrade", "actions.1.days": "60"}
    page = client.post(url, {**two, "_op": "up_action:1"}).content.decode()
    assert page.index('name="actions.0.days"') < page.index('name="actions.1.title"')
    page = client.post(url, {**SAVE, "_op": "remove_condition:0"}).content.decode()
    assert 'name="conditions.0.field"' not in page
    with scope(tenant=tenant_a):
        assert not Playbook.objects.filter(tenant=tenant_a).exists()


def test_each_error_shows_under_its_input_and_nothing_is_saved(tenant_a, alice, login):
    bad = {**SAVE, "actions.0.title": "Call {{ account.owner.password }}", "trigger_params.to": "blue", "name": ""}
    response = login(alice).post(reverse("playbooks:new"), bad)
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        'id="err-actions-0-title" data-error-for="actions.0.title">Not a merge field: {{ account.owner.password }}'
        in page
    )
    assert 'id="err-trigger_params-to" data-error-for="trigger_params.to">Choose one of' in page
    assert 'id="err-name" data-error-for="name">A playbook needs a name.' in page
    with scope(tenant=tenant_a):
        assert not Playbook.objects.filter(tenant=tenant_a).exists()


def test_validate_as_you_type_answers_every_slot_out_of_band(tenant_a, alice, login):
    with scope(tenant=tenant_a):
        green_only = cadence_save(
            tenant=tenant_a, key="healthy", anchor="enrolled", name="Healthy", health_bands=["green"]
        )
    data = {
        **SAVE,
        "conditions.1.field": "health_band",
        "conditions.1.op": "in",
        "conditions.1.value": ["red"],
        "actions.1.type": "enrol_cadence",
        "actions.1.cadence": str(green_only.pk),
    }
    page = login(alice).post(reverse("playbooks:validate"), data, HTTP_HX_REQUEST="true").content.decode()
    assert (
        '<div class="invalid-feedback d-block" id="err-actions-1-cadence" hx-swap-oob="true">'
        "Healthy takes only green accounts; the conditions allow only red.</div>"
    ) in page
    # The sound inputs' slots come back empty, so an error fixed meanwhile disappears.
    assert '<div class="invalid-feedback d-block" id="err-actions-0-title" hx-swap-oob="true"></div>' in page


def test_editing_writes_a_version_and_the_page_lists_them(tenant_a, alice, login):
    playbook = playbook_make(tenant_a, by=alice)
    client = login(alice)
    assert b'value="Call {{ account.name }}"' in client.get(reverse("playbooks:edit", args=[playbook.pk])).content
    response = client.post(reverse("playbooks:edit", args=[playbook.pk]), {**SAVE, "cooldown_days": "7"})
    assert response.status_code == 302
    page = client.get(reverse("playbooks:detail", args=[playbook.pk])).content.decode()
    assert "v2 ·" in page and "v1 ·" in page


def test_switching_on_and_off_and_removing(tenant_a, alice, login):
    playbook = playbook_make(tenant_a, by=alice)
    client = login(alice)
    client.post(reverse("playbooks:enable", args=[playbook.pk]))
    playbook.refresh_from_db()
    assert playbook.is_enabled
    client.post(reverse("playbooks:disable", args=[playbook.pk]))
    playbook.refresh_from_db()
    assert not playbook.is_enabled
    response = client.post(reverse("playbooks:archive", args=[playbook.pk]))
    assert response["Location"] == reverse("playbooks:index")
    assert b"data-playbook=" not in client.get(reverse("playbooks:index")).content
    # Its page stays, for the runs that link to it.
    assert b"Removed" in client.get(reverse("playbooks:detail", args=[playbook.pk])).content


def test_a_broken_playbook_says_why_and_cannot_be_switched_on(tenant_a, alice, login):
    from playbooks.services.playbooks import playbook_mark_broken

    playbook = playbook_make(tenant_a, by=alice)
    with scope(tenant=tenant_a):
        playbook_mark_broken(tenant=tenant_a, playbook=playbook, reason="The cadence Re-engagement was deleted.")
    client = login(alice)
    assert b"Broken" in client.get(reverse("playbooks:index")).content
    page = client.get(reverse("playbooks:detail", args=[playbook.pk])).content
    assert b"The cadence Re-engagement was deleted." in page


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CSM, Role.LEADER])
def test_only_admins_configure(tenant_a, alice, member_of, login, role):
    playbook = playbook_make(tenant_a, by=alice)
    client = login(member_of(role))
    assert client.get(reverse("playbooks:new")).status_code == 403
    assert client.post(reverse("playbooks:new"), SAVE).status_code == 403
    assert client.get(reverse("playbooks:edit", args=[playbook.pk])).status_code == 403
    assert client.post(reverse("playbooks:validate"), SAVE).status_code == 403
    assert client.post(reverse("playbooks:enable", args=[playbook.pk])).status_code == 403
    assert client.post(reverse("playbooks:archive", args=[playbook.pk])).status_code == 403
    assert client.post(reverse("playbooks:settings"), {"daily_cap": "3"}).status_code == 403
    page = client.get(reverse("playbooks:detail", args=[playbook.pk]))
    assert page.status_code == 200 and reverse("playbooks:edit", args=[playbook.pk]).encode() not in page.content
    playbook.refresh_from_db()
    assert not playbook.is_enabled and playbook.archived_at is None


def _run(tenant, playbook, account, n, status=RunStatus.DONE, **fields):
    with scope(tenant=tenant):
        return PlaybookRun.objects.create(
            tenant=tenant,
            playbook=playbook,
            version=playbook.version,
            account=account,
            trigger=playbook.trigger,
            occurrence_key=f"test:{n}",
            status=status,
            facts={"signal_id": n},
            **fields,
        )


def test_the_runs_list_costs_the_same_for_many_runs(tenant_a, alice, login, django_assert_max_num_queries):
    playbook = playbook_make(tenant_a, by=alice)
    account = make_account(tenant_a, 1, segment="enterprise")
    client = login(alice)
    url = reverse("playbooks:detail", args=[playbook.pk])
    _run(tenant_a, playbook, account, 0)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for n in range(1, 30):
        _run(
            tenant_a,
            playbook,
            account,
            n,
            status=RunStatus.HELD if n % 2 else RunStatus.DONE,
            held_reason="cooldown" if n % 2 else "",
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.content.count(b"data-run=") == 30
    assert b"In cool-down" in page.content
    held = client.get(url + "?status=held")
    assert held.content.count(b"data-run=") == 15


def test_the_run_page_shows_facts_conditions_and_actions(tenant_a, alice, bob, login):
    playbook = playbook_make(tenant_a, by=alice)
    account = make_account(tenant_a, 1, segment="enterprise")
    run = _run(
        tenant_a,
        playbook,
        account,
        1,
        conditions_evaluated=[
            {"field": "segment", "op": "in", "value": ["enterprise"], "actual": "enterprise", "held": True}
        ],
    )
    with scope(tenant=tenant_a):
        run.action_results.create(
            tenant=tenant_a, position=0, action_type="create_task", status="failed", error="Nobody to give it to."
        )
    page = login(bob).get(reverse("playbooks:run", args=[run.pk])).content.decode()
    assert "signal_id" in page and "Nobody to give it to." in page
    assert '<td>Segment is one of Enterprise</td><td>enterprise</td><td><span class="text-success">held' in page


def test_settings_page(tenant_a, alice, bob, login):
    client = login(alice)
    assert client.get(reverse("playbooks:settings")).status_code == 200
    assert client.post(reverse("playbooks:settings"), {"daily_cap": "42"}).status_code == 302
    assert b"<strong>42</strong>" in login(bob).get(reverse("playbooks:settings")).content
    assert client.post(reverse("playbooks:settings"), {"daily_cap": "-3"}).status_code == 400


def test_a_notify_action_keeps_its_unchecked_boxes(tenant_a, alice, login):
    data = {
        **SAVE,
        "actions.1.type": "notify",
        "actions.1.message": "Look at {{ account.name }}",
        "actions.1.recipient": "owner",
    }
    login(alice).post(reverse("playbooks:new"), data)
    with scope(tenant=tenant_a):
        notify = Playbook.objects.get(tenant=tenant_a).actions[1]
    assert (notify["email"], notify["slack"]) == (False, False)
    assert CALL_TASK["type"] == "create_task"


def test_changing_what_a_condition_tests_changes_its_inputs(tenant_a, alice, bob, login):
    from accounts.services.custom_fields import custom_field_define

    with scope(tenant=tenant_a):
        custom_field_define(tenant=tenant_a, label="Strategic", field_type="boolean", key="strategic")
    client = login(alice)
    url = reverse("playbooks:new")
    as_owner = {**SAVE, "conditions.0.field": "owner", "_op": "refresh"}
    page = client.post(url, as_owner, HTTP_HX_REQUEST="true").content.decode()
    # htmx gets the editor alone, the owner's people to choose from, and set operators.
    assert "<html" not in page and page.lstrip().startswith("<form")
    assert f'<option value="{bob.pk}">Bob Csm</option>' in page
    assert '<option value="in" selected>is one of</option>' in page
    as_number = {**SAVE, "conditions.0.field": "arr", "conditions.0.op": "in", "_op": "refresh"}
    page = client.post(url, as_number).content.decode()
    assert 'type="number" step="any" name="conditions.0.value"' in page
    assert '<option value="gte" selected>at least</option>' in page
    as_custom = {**SAVE, "conditions.0.field": "custom:strategic", "_op": "refresh"}
    page = client.post(url, as_custom).content.decode()
    assert '<option value="true">Yes</option>' in page and "Custom field: Strategic" in page
    with scope(tenant=tenant_a):
        assert not Playbook.objects.filter(tenant=tenant_a).exists()


def test_the_run_page_links_to_what_each_action_made(tenant_a, alice, bob, login):
    playbook = playbook_make(tenant_a, by=alice)
    account = make_account(tenant_a, 1, segment="enterprise")
    run = _run(tenant_a, playbook, account, 1)
    with scope(tenant=tenant_a):
        for position, (kind, object_id) in enumerate([("task", 41), ("enrollment", 7), ("account", account.pk)]):
            run.action_results.create(
                tenant=tenant_a,
                position=position,
                action_type="x",
                status="done",
                object_kind=kind,
                object_id=object_id,
            )
    page = login(bob).get(reverse("playbooks:run", args=[run.pk])).content.decode()
    assert reverse("activities:task", args=[41]) in page
    assert reverse("communications:enrollments") + f"?account={account.pk}" in page
    assert reverse("accounts:account_detail", args=[account.pk]) in page


def test_editing_a_broken_playbook_shows_what_is_gone_under_its_input(tenant_a, alice, login):
    from accounts.services.custom_fields import custom_field_define, custom_field_delete

    with scope(tenant=tenant_a):
        field = custom_field_define(tenant=tenant_a, label="Strategic", field_type="boolean", key="strategic")
    playbook = playbook_make(tenant_a, by=alice, conditions=[{"field": "custom:strategic", "op": "eq", "value": True}])
    with scope(tenant=tenant_a):
        custom_field_delete(definition=field)
    page = login(alice).get(reverse("playbooks:edit", args=[playbook.pk])).content.decode()
    assert 'data-error-for="conditions.0.field">No such custom field: strategic.' in page
    assert '<option value="custom:strategic" selected>custom:strategic (gone)</option>' in page


def test_a_person_who_left_stays_visible_in_the_editor_until_changed(tenant_a, alice, bob, login):
    from tenancy.models import Membership

    playbook = playbook_make(tenant_a, by=alice, actions=[{**CALL_TASK, "assignee": f"user:{bob.pk}"}])
    with scope(tenant=tenant_a):
        Membership.objects.filter(tenant=tenant_a, user=bob).update(is_active=False)
    page = login(alice).get(reverse("playbooks:edit", args=[playbook.pk])).content.decode()
    assert f'<option value="user:{bob.pk}" selected>user:{bob.pk} (gone)</option>' in page
    assert 'data-error-for="actions.0.assignee">No such user in this tenant (or they left).' in page
