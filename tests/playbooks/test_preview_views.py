"""The preview and effectiveness cards on the playbook's page and in the editor: an admin starts a preview,
the status block polls itself until the result shows; others read; another tenant's preview is a 404."""

import pytest
from django.urls import reverse
from django_scopes import scope

from playbooks.models import PreviewJob
from playbooks.services.preview import preview_start

from ..accounts.builders import make_account
from .builders import bands, playbook_make, runs_fired

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_an_admin_previews_a_saved_playbook_and_the_status_polls_until_done(
    tenant_a, alice, login, django_capture_on_commit_callbacks
):
    playbook = playbook_make(tenant_a, by=alice, trigger="account_created", trigger_params={}, conditions=[])
    make_account(tenant_a, 1)
    client = login(alice)

    card = client.get(reverse("playbooks:playbook_preview", args=[playbook.pk]), **HTMX)
    assert card.status_code == 200
    assert b"No preview yet" in card.content and b'id="preview-start"' in card.content

    with django_capture_on_commit_callbacks(execute=False):
        started = client.post(reverse("playbooks:preview_start"), {"playbook": playbook.pk, "days": "7"}, **HTMX)
    assert started.status_code == 200
    with scope(tenant=tenant_a):
        job = PreviewJob.objects.get(tenant=tenant_a, playbook=playbook)
    # Not run yet (its task waits for the commit): the block polls itself.
    assert b'hx-trigger="every 2s"' in started.content and b"Waiting for a worker" in started.content

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("playbooks:preview_start"), {"playbook": playbook.pk, "days": "7"}, **HTMX)
    with scope(tenant=tenant_a):
        done = PreviewJob.objects.filter(tenant=tenant_a, playbook=playbook).latest("pk")
    shown = client.get(reverse("playbooks:preview", args=[done.pk]), **HTMX)
    assert shown.status_code == 200
    assert b"every 2s" not in shown.content
    assert b"would have fired 1 time for 1 account" in shown.content
    assert b"Account 001" in shown.content
    # The card now shows the latest; a full page for the status works without htmx.
    assert b"would have fired" in client.get(reverse("playbooks:playbook_preview", args=[playbook.pk]), **HTMX).content
    page = client.get(reverse("playbooks:preview", args=[job.pk]))
    assert page.status_code == 200 and b"<html" in page.content


def test_the_editor_previews_its_unsaved_draft(tenant_a, alice, login, django_capture_on_commit_callbacks):
    make_account(tenant_a, 1, segment="enterprise")
    make_account(tenant_a, 2, segment="smb")
    client = login(alice)
    draft = {
        "name": "Not saved",
        "trigger": "account_created",
        "conditions.0.field": "segment",
        "conditions.0.op": "in",
        "conditions.0.value": "enterprise",
        "cooldown_days": "30",
        "days": "30",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("playbooks:preview_start"), draft, **HTMX)
    assert response.status_code == 200
    with scope(tenant=tenant_a):
        job = PreviewJob.objects.get(tenant=tenant_a)
    assert job.playbook_id is None and job.definition["conditions"][0]["value"] == ["enterprise"]
    assert job.result["fired"] == 1

    refused = client.post(reverse("playbooks:preview_start"), {**draft, "trigger": "nonsense"}, **HTMX)
    assert refused.status_code == 200 and b"preview-refused" in refused.content
    # Without htmx the form posts to the preview and lands on its page.
    with django_capture_on_commit_callbacks(execute=True):
        plain = client.post(reverse("playbooks:preview_start"), draft)
    assert plain.status_code == 200 and b"Preview of a draft" in plain.content


def test_only_admins_start_a_preview_and_others_read_it(tenant_a, alice, bob, login):
    playbook = playbook_make(tenant_a, by=alice)
    client = login(bob)
    assert client.post(reverse("playbooks:preview_start"), {"playbook": playbook.pk}, **HTMX).status_code == 403
    card = client.get(reverse("playbooks:playbook_preview", args=[playbook.pk]), **HTMX)
    assert card.status_code == 200 and b'id="preview-start"' not in card.content


def test_another_tenants_preview_and_playbook_are_not_found(tenant_a, tenant_b, alice, charlie, login):
    theirs = playbook_make(tenant_b, by=charlie, name="Theirs")
    with scope(tenant=tenant_b):
        job = preview_start(tenant=tenant_b, by=charlie, playbook=theirs)
    client = login(alice)
    assert client.get(reverse("playbooks:preview", args=[job.pk]), **HTMX).status_code == 404
    assert client.post(reverse("playbooks:preview_start"), {"playbook": theirs.pk}, **HTMX).status_code == 404
    assert client.get(reverse("playbooks:playbook_preview", args=[theirs.pk]), **HTMX).status_code == 404
    assert client.get(reverse("playbooks:effectiveness", args=[theirs.pk]), **HTMX).status_code == 404


@pytest.mark.parametrize("accounts", [3, 12])
def test_the_effectiveness_card_costs_the_same_queries_however_many_runs(
    tenant_a, alice, bob, login, accounts, django_assert_max_num_queries
):
    playbook = playbook_make(tenant_a, by=alice)
    made = [make_account(tenant_a, n, segment="enterprise", owner=bob) for n in range(1, accounts + 1)]
    runs_fired(tenant_a, playbook, made, days_ago=40)
    for account in made:
        bands(tenant_a, account, {40: "red", 20: "yellow"})
    client = login(bob)
    client.get(reverse("playbooks:effectiveness", args=[playbook.pk]), **HTMX)  # the session's first reads

    with django_assert_max_num_queries(12):
        card = client.get(reverse("playbooks:effectiveness", args=[playbook.pk]), **HTMX)

    assert card.status_code == 200
    assert b"Does it work?" in card.content
    # The playbook is off: every run was held, so they all are the comparison group and nobody was acted on.
    assert b"No accounts yet" in card.content
    if accounts < 10:
        assert b"Only 3 accounts: too few to compare" in card.content
    else:
        assert b"too few to compare" not in card.content
