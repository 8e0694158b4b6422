"""/api/v1/playbook-previews/: an admin starts a preview (a saved playbook or a definition) and follows it;
another tenant's playbook or preview is refused as everywhere."""

import pytest
from django_scopes import scope

from playbooks.services.preview import preview_start

from ..accounts.builders import make_account
from .builders import playbook_make

pytestmark = pytest.mark.django_db
URL = "/api/v1/playbook-previews/"


def test_an_admin_previews_a_definition_and_follows_it(tenant_a, alice, api_as, django_capture_on_commit_callbacks):
    make_account(tenant_a, 1, segment="enterprise")
    client = api_as(alice, tenant_a)
    body = {
        "definition": {
            "trigger": "account_created",
            "conditions": [{"field": "segment", "op": "in", "value": ["enterprise"]}],
            "actions": [{"type": "create_task", "title": "Welcome call", "due_in_days": 2}],
        },
        "days": 7,
    }
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(URL, body, format="json")
    assert started.status_code == 202, started.json()
    assert (started.json()["days"], started.json()["total"]) == (7, 7)

    followed = client.get(f"{URL}{started.json()['id']}/").json()
    assert (followed["status"], followed["percent"]) == ("done", 100)
    assert (followed["result"]["fired"], followed["result"]["accounts"]) == (1, 1)
    assert followed["result"]["examples"][0]["account"] == "Account 001"
    assert "Welcome call" in followed["result"]["actions"][0]


def test_a_saved_playbook_and_the_errors_of_a_definition(tenant_a, alice, api_as):
    playbook = playbook_make(tenant_a, by=alice)
    client = api_as(alice, tenant_a)
    assert client.post(URL, {"playbook": playbook.pk}, format="json").json()["playbook"] == playbook.pk
    refused = client.post(URL, {"definition": {"trigger": "nonsense"}}, format="json")
    assert refused.status_code == 400 and "trigger" in str(refused.json())
    assert client.post(URL, {}, format="json").status_code == 400
    assert client.post(URL, {"playbook": playbook.pk, "days": 999}, format="json").status_code == 400


def test_csms_may_not_start_one(tenant_a, alice, bob, api_as):
    playbook = playbook_make(tenant_a, by=alice)
    assert api_as(bob, tenant_a).post(URL, {"playbook": playbook.pk}, format="json").status_code == 403


def test_another_tenants_playbook_and_preview_are_refused(tenant_a, tenant_b, alice, charlie, api_as):
    theirs = playbook_make(tenant_b, by=charlie, name="Theirs")
    with scope(tenant=tenant_b):
        job = preview_start(tenant=tenant_b, by=charlie, playbook=theirs)
    client = api_as(alice, tenant_a)
    assert client.get(f"{URL}{job.pk}/").status_code == 404
    refused = client.post(URL, {"playbook": theirs.pk}, format="json")
    assert refused.status_code == 400 and "playbook" in str(refused.json())
