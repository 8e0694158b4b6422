"""The editor's rules: a definition checked field by field against the catalogue and the tenant's own custom
fields, cadences and people (another tenant's ids are "No such ..."), saving with versions, switching on only
a sound playbook, removing as archiving, and a playbook marked broken once per breakage when something it
names is gone."""

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from accounts.services.custom_fields import custom_field_define, custom_field_delete
from activities.models import Task
from communications.services.cadences import cadence_save
from playbooks.models import Playbook, PlaybookVersion
from playbooks.services.definitions import definition_clean, definition_errors
from playbooks.services.playbooks import (
    playbook_archive,
    playbook_create,
    playbook_enable,
    playbook_mark_broken,
    playbook_update,
    playbooks_check_broken,
)
from playbooks.services.settings import playbook_settings, playbook_settings_update
from tenancy.models import Membership, Role

from ..factories import UserFactory, add_member
from .builders import CALL_TASK, RED_ENTERPRISE, playbook_make

pytestmark = pytest.mark.django_db


def errors_of(tenant, **changes):
    with scope(tenant=tenant):
        return definition_errors(tenant=tenant, definition={**RED_ENTERPRISE, **changes})


def test_the_red_enterprise_definition_is_clean_and_typed(tenant_a):
    with scope(tenant=tenant_a):
        clean = definition_clean(
            tenant=tenant_a,
            definition={
                **RED_ENTERPRISE,
                "conditions": [
                    {"field": "segment", "op": "in", "value": "enterprise"},
                    {"field": "arr", "op": "gte", "value": "50000"},
                ],
                "actions": [{"type": "create_task", "title": "Call", "due_in_days": "3"}],
            },
        )
    assert clean["conditions"] == [
        {"field": "segment", "op": "in", "value": ["enterprise"]},
        {"field": "arr", "op": "gte", "value": 50000},
    ]
    task = clean["actions"][0]
    assert task["due_in_days"] == 3
    # Defaults are filled in, so the engine reads what the editor meant.
    assert (task["kind"], task["priority"], task["assignee"], task["fallback"]) == (
        "todo",
        "normal",
        "owner",
        "role:leader",
    )


def test_trigger_params_are_checked_against_the_catalogue(tenant_a):
    assert errors_of(tenant_a, trigger_params={"to": "purple"}) == {
        "trigger_params.to": ["Choose one of: Green, Yellow, Red."]
    }
    assert "trigger" in errors_of(tenant_a, trigger="moon_phase")
    errors = errors_of(tenant_a, trigger="score_dropped", trigger_params={"points": 500, "days": "9"})
    assert errors["trigger_params.points"] == ["A whole number from 1 to 100."]
    assert "trigger_params.days" in errors
    assert errors_of(tenant_a, trigger_params={"to": "red", "colour": "x"}) == {
        "trigger_params.colour": ["Not a setting of this choice."]
    }


def test_condition_fields_ops_and_values(tenant_a):
    errors = errors_of(
        tenant_a,
        conditions=[
            {"field": "segment", "op": "gte", "value": ["galactic"]},
            {"field": "arr", "op": "gte", "value": "lots"},
            {"field": "shoe_size", "op": "eq", "value": 9},
            {"field": "playbook_history", "op": "not_within", "value": 0},
        ],
    )
    assert errors["conditions.0.op"] == ["Choose how to compare Segment."]
    assert errors["conditions.0.value"] == ["Not a segment: galactic."]
    assert errors["conditions.1.value"] == ["A number."]
    assert errors["conditions.2.field"] == ["Choose what to test."]
    assert errors["conditions.3.value"] == ["A number of days from 1 to 3650."]


def test_a_custom_field_condition_names_an_existing_field_and_is_typed(tenant_a, tenant_b):
    with scope(tenant=tenant_a):
        custom_field_define(tenant=tenant_a, label="Strategic", field_type="boolean", key="strategic")
    with scope(tenant=tenant_b):
        custom_field_define(tenant=tenant_b, label="Region", field_type="text", key="region")
    with scope(tenant=tenant_a):
        clean = definition_clean(
            tenant=tenant_a,
            definition={**RED_ENTERPRISE, "conditions": [{"field": "custom:strategic", "op": "eq", "value": "Yes"}]},
        )
    # A yes/no field compares true/false, whatever the person typed.
    assert clean["conditions"][0]["value"] is True
    assert errors_of(tenant_a, conditions=[{"field": "custom:strategic", "op": "contains", "value": "yes"}]) == {
        "conditions.0.op": ["Choose how to compare Strategic."]
    }
    assert "conditions.0.value" in errors_of(
        tenant_a, conditions=[{"field": "custom:strategic", "op": "eq", "value": "maybe"}]
    )
    # Another tenant's field is unknown here.
    assert errors_of(tenant_a, conditions=[{"field": "custom:region", "op": "eq", "value": "EU"}]) == {
        "conditions.0.field": ["No such custom field: region."]
    }


def test_people_must_be_active_members_who_can_own_accounts(tenant_a, tenant_b, alice, bob, charlie, member_of):
    viewer = member_of(Role.VIEWER)
    errors = errors_of(
        tenant_a,
        conditions=[{"field": "owner", "op": "in", "value": [bob.pk, charlie.pk]}],
        actions=[
            {**CALL_TASK, "assignee": f"user:{viewer.pk}"},
            {**CALL_TASK, "assignee": f"user:{charlie.pk}"},
            {**CALL_TASK, "assignee": "role:viewer"},
            {**CALL_TASK, "assignee": f"user:{bob.pk}"},
        ],
    )
    assert errors["conditions.0.value"] == ["No such user in this tenant (or they left)."]
    assert "only a CSM, CS leader or admin can get work" in errors["actions.0.assignee"][0]
    assert errors["actions.1.assignee"] == ["No such user in this tenant (or they left)."]
    assert "actions.2.assignee" in errors
    assert "actions.3.assignee" not in errors
    with scope(tenant=tenant_a):
        Membership.objects.filter(tenant=tenant_a, user=bob).update(is_active=False)
    assert "actions.0.assignee" in errors_of(tenant_a, actions=[{**CALL_TASK, "assignee": f"user:{bob.pk}"}])


def test_unknown_merge_fields_are_refused(tenant_a):
    errors = errors_of(
        tenant_a,
        actions=[
            {**CALL_TASK, "title": "Call {{ account.name }} about {{ settings.SECRET_KEY }}"},
            {"type": "notify", "message": "{% load static %} hi"},
        ],
    )
    assert errors["actions.0.title"] == ["Not a merge field: {{ settings.SECRET_KEY }}. See the list of merge fields."]
    assert "actions.1.message" in errors
    assert "actions.0.details" not in errors


def test_cadences_of_the_tenant_that_take_the_accounts_the_conditions_allow(tenant_a, tenant_b):
    with scope(tenant=tenant_a):
        green_only = cadence_save(
            tenant=tenant_a, key="healthy", anchor="enrolled", name="Healthy", health_bands=["green"]
        )
        any_band = cadence_save(tenant=tenant_a, key="reengage", anchor="enrolled", name="Re-engagement")
        off = cadence_save(tenant=tenant_a, key="old", anchor="enrolled", name="Old", is_active=False)
    with scope(tenant=tenant_b):
        theirs = cadence_save(tenant=tenant_b, key="theirs", anchor="enrolled", name="Theirs")
    red = [{"field": "health_band", "op": "in", "value": ["red"]}]
    assert errors_of(tenant_a, conditions=red, actions=[{"type": "enrol_cadence", "cadence": any_band.pk}]) == {}
    errors = errors_of(
        tenant_a,
        conditions=red,
        actions=[
            {"type": "enrol_cadence", "cadence": green_only.pk},
            {"type": "enrol_cadence", "cadence": theirs.pk},
            {"type": "enrol_cadence", "cadence": off.pk},
        ],
    )
    assert errors["actions.0.cadence"] == ["Healthy takes only green accounts; the conditions allow only red."]
    assert errors["actions.1.cadence"] == ["No such cadence."]
    assert errors["actions.2.cadence"] == ["The cadence Old is switched off."]
    # Without a band pinned, a green-only cadence may fit.
    assert errors_of(tenant_a, actions=[{"type": "enrol_cadence", "cadence": green_only.pk}]) == {}


def test_a_playbook_needs_an_action(tenant_a):
    assert errors_of(tenant_a, actions=[]) == {
        "actions": ["Add at least one action: a playbook that does nothing never helps anyone."]
    }


def test_saving_a_changed_definition_writes_the_next_version(tenant_a, alice):
    playbook = playbook_make(tenant_a, by=alice)
    with scope(tenant=tenant_a):
        assert list(PlaybookVersion.objects.filter(playbook=playbook).values_list("version", flat=True)) == [1]
        same = playbook_update(tenant=tenant_a, playbook=playbook, by=alice, description="Only a description")
        assert same.version == 1
        changed = playbook_update(tenant=tenant_a, playbook=playbook, by=alice, cooldown_days=7)
        assert changed.version == 2
        version = PlaybookVersion.objects.get(playbook=playbook, version=2)
        assert version.definition["cooldown_days"] == 7 and version.saved_by == alice
        with pytest.raises(ValidationError) as caught:
            playbook_update(tenant=tenant_a, playbook=playbook, by=alice, trigger_params={"to": "blue"})
        assert "trigger_params.to" in caught.value.message_dict
        assert Playbook.objects.get(pk=playbook.pk).version == 2


def test_names_are_unique_until_a_playbook_is_removed(tenant_a, alice):
    playbook = playbook_make(tenant_a, by=alice)
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as caught:
        playbook_create(tenant=tenant_a, by=alice, name="red enterprise", **RED_ENTERPRISE)
    assert caught.value.message_dict == {"name": ["There is a playbook called red enterprise already."]}
    with scope(tenant=tenant_a):
        playbook_archive(tenant=tenant_a, playbook=playbook, by=alice)
        again = playbook_create(tenant=tenant_a, by=alice, name="Red enterprise", **RED_ENTERPRISE)
        assert again.pk != playbook.pk
        # The removed one keeps its runs' history, off for good.
        removed = Playbook.objects.get(pk=playbook.pk)
        assert removed.archived_at is not None and not removed.is_enabled
        with pytest.raises(ValidationError):
            playbook_enable(tenant=tenant_a, playbook=removed)


def test_a_playbook_goes_broken_when_what_it_names_is_deleted(tenant_a, alice):
    with scope(tenant=tenant_a):
        field = custom_field_define(tenant=tenant_a, label="Strategic", field_type="boolean", key="strategic")
    playbook = playbook_make(
        tenant_a,
        by=alice,
        enabled=True,
        conditions=[{"field": "custom:strategic", "op": "eq", "value": True}],
    )
    assert playbook.is_enabled
    with scope(tenant=tenant_a):
        custom_field_delete(definition=field)
        broken = playbooks_check_broken(tenant=tenant_a)
        assert [p.pk for p in broken] == [playbook.pk]
        playbook.refresh_from_db()
        assert not playbook.is_enabled
        assert playbook.broken_reason == "No such custom field: strategic."
        # One task in the admin's inbox per breakage, however often it is noticed.
        playbook_mark_broken(tenant=tenant_a, playbook=playbook, reason="again")
        tasks = list(Task.objects.filter(tenant=tenant_a, source_key=f"playbook_broken:{playbook.pk}:1"))
        assert len(tasks) == 1 and tasks[0].owner == alice and tasks[0].priority == "high"
        with pytest.raises(ValidationError) as caught:
            playbook_enable(tenant=tenant_a, playbook=playbook)
        assert "custom field" in caught.value.messages[0]
        # Fixing it mends it; it stays off until switched on.
        mended = playbook_update(tenant=tenant_a, playbook=playbook, by=alice, conditions=[])
        assert mended.broken_reason == "" and not mended.is_enabled and mended.version == 2


def test_another_tenants_admin_gets_no_task(tenant_a, tenant_b, alice, charlie):
    playbook = playbook_make(tenant_a, by=alice)
    with scope(tenant=tenant_a):
        playbook_mark_broken(tenant=tenant_a, playbook=playbook, reason="The cadence is gone.")
        assert Task.objects.get(tenant=tenant_a, source_key__startswith="playbook_broken:").owner == alice


def test_the_daily_cap(tenant_a):
    with scope(tenant=tenant_a):
        assert playbook_settings(tenant=tenant_a).daily_cap == 500
        assert playbook_settings_update(tenant=tenant_a, daily_cap=20).daily_cap == 20
        with pytest.raises(ValidationError):
            playbook_settings_update(tenant=tenant_a, daily_cap=-1)
        assert playbook_settings(tenant=tenant_a).daily_cap == 20


def test_a_second_admin_joining_later_does_not_take_the_task(tenant_a, alice):
    later = UserFactory()
    add_member(tenant_a, later, Role.ADMIN)
    playbook = playbook_make(tenant_a, by=alice)
    with scope(tenant=tenant_a):
        playbook_mark_broken(tenant=tenant_a, playbook=playbook, reason="gone")
        assert Task.objects.get(tenant=tenant_a, source_key__startswith="playbook_broken:").owner == alice


def test_checking_many_playbooks_reads_the_tenants_objects_once(tenant_a, alice, django_assert_max_num_queries):
    for n in range(6):
        playbook_make(tenant_a, by=alice, name=f"Play {n}", enabled=True)
    with scope(tenant=tenant_a), django_assert_max_num_queries(4):
        assert playbooks_check_broken(tenant=tenant_a) == []
    with scope(tenant=tenant_a):
        one = Playbook.objects.get(tenant=tenant_a, name="Play 0")
        Playbook.objects.filter(pk=one.pk).update(actions=[{**CALL_TASK, "assignee": "user:999999"}])
        assert [p.name for p in playbooks_check_broken(tenant=tenant_a, playbook_ids=[one.pk])] == ["Play 0"]
        assert Playbook.objects.filter(tenant=tenant_a, is_enabled=True).count() == 5
