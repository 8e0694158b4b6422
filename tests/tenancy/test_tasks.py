"""Background work: a real Celery worker (with Redis) runs tenant tasks inside the right scope."""

import pytest
from django.conf import settings
from django.core import mail
from django_scopes import scope

from tenancy import services
from tenancy.models import Invitation, Role, Team
from tenancy.tasks import invitation_send_task

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _run(result):
    # With a worker, wait for its result through the Redis result backend.
    return result.get(timeout=60, propagate=False) if settings.REDIS_URL else result.result


def _invite(tenant, email, by):
    with scope(tenant=tenant):
        return services.invitation_create(
            tenant=tenant, email=email, role=Role.CSM, team=Team.CUSTOMER_SUCCESS, by=by, send=False
        )


def test_task_runs_in_the_tenant_it_was_given(worker, tenant_a, alice):
    invitation = _invite(tenant_a, "new.csm@alpha.example", alice)
    result = invitation_send_task.delay(tenant_id=tenant_a.pk, invitation_id=invitation.pk)
    assert _run(result) == invitation.pk
    assert result.successful()
    with scope(tenant=tenant_a):
        assert Invitation.objects.get(pk=invitation.pk).sent_at is not None
    assert [m.to for m in mail.outbox] == [["new.csm@alpha.example"]]
    assert "Tenant Alpha" in mail.outbox[0].subject


def test_task_cannot_reach_another_tenants_rows(worker, tenant_a, tenant_b, alice):
    invitation = _invite(tenant_a, "new.csm@alpha.example", alice)
    # Told it works for tenant B, the task must not find tenant A's invitation.
    if settings.REDIS_URL:
        result = invitation_send_task.delay(tenant_id=tenant_b.pk, invitation_id=invitation.pk)
        _run(result)
        assert result.failed()
        assert type(result.result).__name__ == "DoesNotExist"
    else:
        with pytest.raises(Invitation.DoesNotExist):
            invitation_send_task.delay(tenant_id=tenant_b.pk, invitation_id=invitation.pk)
    with scope(tenant=tenant_a):
        assert Invitation.objects.get(pk=invitation.pk).sent_at is None
    assert mail.outbox == []


def test_task_without_tenant_refuses_to_run(worker, tenant_a, alice):
    invitation = _invite(tenant_a, "new.csm@alpha.example", alice)
    with pytest.raises(TypeError, match="tenant_id"):
        invitation_send_task.delay(invitation_id=invitation.pk)


def test_inviting_sends_the_link_after_commit(worker, finished_tasks, tenant_a, alice):
    with scope(tenant=tenant_a):
        invitation = services.invitation_create(
            tenant=tenant_a, email="late@alpha.example", role=Role.VIEWER, team=Team.SALES, by=alice
        )
    name, state = finished_tasks.get(timeout=60)
    assert (name, state) == (invitation_send_task.name, "SUCCESS")
    with scope(tenant=tenant_a):
        invitation.refresh_from_db()
    assert invitation.sent_at is not None and invitation.expires_at > invitation.sent_at
    assert mail.outbox[0].to == ["late@alpha.example"]
    assert "/invitations/" in mail.outbox[0].body
