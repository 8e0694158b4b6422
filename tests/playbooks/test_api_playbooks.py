"""The playbooks API: the catalogue, create and change with the editor's errors field by field in the house
shape, enable/disable, remove (archived), run by hand, and runs with their actions and filters. Another
tenant's ids in any field are refused; viewers and CSMs do not configure."""

import pytest
from django_scopes import scope

from accounts.services.custom_fields import custom_field_define
from communications.services.cadences import cadence_save
from playbooks.models import Playbook, PlaybookRun, RunStatus
from tenancy.models import Role

from ..accounts.builders import make_account
from .builders import CALL_TASK, RED_ENTERPRISE, playbook_make

pytestmark = pytest.mark.django_db

URL = "/api/v1/playbooks/"
BODY = {"name": "Red enterprise", **RED_ENTERPRISE}


def test_the_catalogue_lists_triggers_conditions_and_actions_with_the_tenants_fields(tenant_a, tenant_b, alice, api_as):
    with scope(tenant=tenant_a):
        custom_field_define(tenant=tenant_a, label="Strategic", field_type="boolean", key="strategic")
    with scope(tenant=tenant_b):
        custom_field_define(tenant=tenant_b, label="Region", field_type="text", key="region")
    body = api_as(alice, tenant_a).get(URL + "catalogue/").json()
    band = next(t for t in body["triggers"] if t["key"] == "band_changed")
    assert band["params"][0]["name"] == "to" and {"value": "red", "label": "Red"} in band["params"][0]["choices"]
    fields = [c["field"] for c in body["conditions"]]
    assert "segment" in fields and "custom:strategic" in fields and "custom:region" not in fields
    strategic = next(c for c in body["conditions"] if c["field"] == "custom:strategic")
    assert [o["op"] for o in strategic["ops"]] == ["eq", "neq"]
    assert "create_task" in [a["type"] for a in body["actions"]] and "account.name" in body["merge_fields"]


def test_create_change_enable_disable_and_remove(tenant_a, alice, api_as):
    client = api_as(alice, tenant_a)
    made = client.post(URL, BODY, format="json")
    assert made.status_code == 201, made.json()
    data = made.json()
    assert data["is_enabled"] is False and data["version"] == 1 and data["sentence"] == "When health turns Red"
    assert data["actions"][0]["assignee"] == "owner"
    url = f"{URL}{data['id']}/"
    changed = client.patch(url, {"cooldown_days": 7}, format="json").json()
    assert changed["version"] == 2 and changed["cooldown_days"] == 7
    assert client.post(url + "enable/").json()["is_enabled"] is True
    assert client.post(url + "disable/").json()["is_enabled"] is False
    assert client.delete(url).status_code == 204
    assert client.get(URL).json()["results"] == []
    assert client.get(url).json()["archived_at"] is not None
    assert [p["id"] for p in client.get(URL + "?archived=true").json()["results"]] == [data["id"]]


def test_errors_come_field_by_field_in_the_house_shape(tenant_a, tenant_b, alice, charlie, api_as):
    with scope(tenant=tenant_b):
        theirs = cadence_save(tenant=tenant_b, key="theirs", anchor="enrolled", name="Theirs")
    body = {
        **BODY,
        "trigger_params": {"to": "blue"},
        "conditions": [{"field": "owner", "op": "in", "value": [charlie.pk]}],
        "actions": [
            {**CALL_TASK, "title": "Hi {{ contact.password }}"},
            {"type": "enrol_cadence", "cadence": theirs.pk},
            {**CALL_TASK, "assignee": f"user:{charlie.pk}"},
        ],
    }
    response = api_as(alice, tenant_a).post(URL, body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    fields = error["fields"]
    assert fields["trigger_params.to"] == ["Choose one of: Green, Yellow, Red."]
    assert fields["conditions.0.value"] == ["No such user in this tenant (or they left)."]
    assert fields["actions.0.title"][0].startswith("Not a merge field: {{ contact.password }}")
    assert fields["actions.1.cadence"] == ["No such cadence."]
    assert fields["actions.2.assignee"] == ["No such user in this tenant (or they left)."]
    with scope(tenant=tenant_a):
        assert not Playbook.objects.filter(tenant=tenant_a).exists()


def test_enabling_a_broken_definition_is_refused_with_why(tenant_a, alice, api_as):
    with scope(tenant=tenant_a):
        field = custom_field_define(tenant=tenant_a, label="Strategic", field_type="boolean", key="strategic")
    playbook = playbook_make(tenant_a, by=alice, conditions=[{"field": "custom:strategic", "op": "eq", "value": True}])
    with scope(tenant=tenant_a):
        field.delete()
    response = api_as(alice, tenant_a).post(f"{URL}{playbook.pk}/enable/")
    assert response.status_code == 400
    assert "No such custom field: strategic." in response.json()["error"]["fields"]["is_enabled"][0]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CSM, Role.LEADER])
def test_only_admins_configure(tenant_a, alice, member_of, api_as, role):
    playbook = playbook_make(tenant_a, by=alice)
    client = api_as(member_of(role), tenant_a)
    assert client.get(URL).status_code == 200
    assert client.post(URL, {**BODY, "name": "Other"}, format="json").status_code == 403
    assert client.patch(f"{URL}{playbook.pk}/", {"cooldown_days": 1}, format="json").status_code == 403
    assert client.post(f"{URL}{playbook.pk}/enable/").status_code == 403
    assert client.delete(f"{URL}{playbook.pk}/").status_code == 403


def test_run_by_hand_and_read_the_run(tenant_a, tenant_b, alice, bob, api_as):
    playbook = playbook_make(tenant_a, by=alice, csm_may_run=True)
    own = make_account(tenant_a, 1, segment="enterprise", owner=bob)
    other = make_account(tenant_a, 2, segment="enterprise")
    foreign = make_account(tenant_b, 3)
    client = api_as(bob, tenant_a)
    run_url = f"{URL}{playbook.pk}/run/"
    refused = client.post(run_url, {"account": foreign.pk}, format="json")
    assert refused.status_code == 400 and "account" in refused.json()["error"]["fields"]
    assert client.post(run_url, {"account": other.pk}, format="json").status_code == 403
    made = client.post(run_url, {"account": own.pk}, format="json")
    assert made.status_code == 202
    run = client.get(f"/api/v1/playbook-runs/{made.json()['id']}/").json()
    assert run["playbook"] == playbook.pk and run["account"] == own.pk and run["by"] == bob.pk
    assert "actions" in run


def test_runs_filter_by_playbook_account_and_status(tenant_a, alice, api_as, django_assert_max_num_queries):
    one = playbook_make(tenant_a, by=alice, name="One")
    two = playbook_make(tenant_a, by=alice, name="Two")
    account = make_account(tenant_a, 1)
    with scope(tenant=tenant_a):
        for n, (playbook, status) in enumerate([(one, "done"), (one, "held"), (two, "done"), (two, "skipped")]):
            PlaybookRun.objects.create(
                tenant=tenant_a,
                playbook=playbook,
                version=1,
                account=account,
                trigger=playbook.trigger,
                occurrence_key=f"k{n}",
                status=status,
            )
    client = api_as(alice, tenant_a)
    assert len(client.get("/api/v1/playbook-runs/").json()["results"]) == 4
    assert len(client.get(f"/api/v1/playbook-runs/?playbook={one.pk}").json()["results"]) == 2
    done = client.get(f"/api/v1/playbook-runs/?status={RunStatus.DONE}&account={account.pk}").json()["results"]
    assert {r["playbook"] for r in done} == {one.pk, two.pk}
    assert client.get(f"/api/v1/playbook-runs/?playbook={one.pk}&status=held").json()["results"][0]["status"] == "held"


def test_another_tenants_playbook_is_not_found(tenant_a, tenant_b, alice, charlie, api_as):
    playbook = playbook_make(tenant_a, by=alice)
    client = api_as(charlie, tenant_b)
    for method, path in [("get", ""), ("patch", ""), ("delete", ""), ("post", "enable/"), ("post", "run/")]:
        response = getattr(client, method)(f"{URL}{playbook.pk}/{path}", {}, format="json")
        assert response.status_code == 404, (method, path, response.status_code)
    playbook.refresh_from_db()
    assert playbook.archived_at is None and not playbook.is_enabled
