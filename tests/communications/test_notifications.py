"""Internal notifications: a raise is once per source, Slack gets {"text": …} on a real local HTTP server,
the CSM gets an email, a failing webhook is retried and recorded, and health's signals raise them."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scope

from communications import services
from communications.models import Notification, NotificationStatus
from communications.services.notifications import (
    NotificationNotSent,
    notification_raise,
    notification_send,
    notifications_on_health_signals,
    slack_post,
)
from communications.tasks import notification_send_task
from config.celery import app as celery_app
from health.models import HealthSignal

from .builders import Webhook

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def local_slack(settings):
    """The local stand-in's host is allowed, as SLACK_WEBHOOK_HOSTS=hooks.slack.com,127.0.0.1 would allow it."""
    settings.SLACK_WEBHOOK_HOSTS = ["hooks.slack.com", "127.0.0.1"]


@pytest.fixture
def eager_retries():
    """Eager tasks that retry in place: Celery re-applies a retried eager task only when it does not
    propagate the Retry (tests otherwise propagate every task error)."""
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = previous


def configure(tenant, url, by_email=True):
    with scope(tenant=tenant):
        services.communication_settings_update(tenant=tenant, slack_webhook_url=url, notify_by_email=by_email)


TEXT = "Power user Jane Roe at Account 001 inactive 23 days. Time for a check-in."


def test_raise_sends_to_slack_and_emails_the_csm_once(tenant_a, account, bob, django_capture_on_commit_callbacks):
    with Webhook() as hook:
        configure(tenant_a, hook.url)
        with django_capture_on_commit_callbacks(execute=True), scope(tenant=tenant_a):
            first = notification_raise(tenant=tenant_a, account=account, text=TEXT, source_key="health_signal:1")
            second = notification_raise(tenant=tenant_a, account=account, text="again", source_key="health_signal:1")
        bodies = hook.bodies()
    assert first.pk == second.pk
    assert len(bodies) == 1
    content_type, payload = bodies[0]
    assert content_type == "application/json"
    assert set(payload) == {"text"}
    assert payload["text"].startswith(TEXT)
    assert f"/accounts/{account.pk}/" in payload["text"]
    assert [m.to for m in mail.outbox] == [[bob.email]]
    assert TEXT in mail.outbox[0].body
    with scope(tenant=tenant_a):
        sent = Notification.objects.get()
    assert (sent.status, sent.slack_sent, sent.email_sent, sent.attempts, sent.error, sent.recipient_id) == (
        NotificationStatus.SENT,
        True,
        True,
        1,
        "",
        bob.pk,
    )


def test_a_failing_webhook_is_retried_and_recorded(tenant_a, account, eager_retries):
    with Webhook(statuses=[500, 503]) as hook:
        configure(tenant_a, hook.url, by_email=False)
        with scope(tenant=tenant_a):
            note = notification_raise(tenant=tenant_a, account=account, text=TEXT, source_key="k:1")
        # Eager in tests: the retries run at once, one after the other.
        result = notification_send_task.apply(kwargs={"tenant_id": tenant_a.pk, "notification_id": note.pk})
        assert result.get() == "sent"
        bodies = hook.bodies()
    assert len(bodies) == 3 and all(payload["text"].startswith(TEXT) for _ct, payload in bodies)
    with scope(tenant=tenant_a):
        note.refresh_from_db()
    assert (note.status, note.attempts, note.slack_sent, note.error) == (NotificationStatus.SENT, 3, True, "")


def test_a_webhook_that_keeps_failing_ends_failed_with_the_reason(tenant_a, account, eager_retries):
    with Webhook(statuses=[500] * 10) as hook:
        configure(tenant_a, hook.url, by_email=False)
        with scope(tenant=tenant_a):
            note = notification_raise(tenant=tenant_a, account=account, text=TEXT, source_key="k:2")
        result = notification_send_task.apply(kwargs={"tenant_id": tenant_a.pk, "notification_id": note.pk})
        assert result.failed()
        assert len(hook.bodies()) == 6  # the first try and five retries
    with scope(tenant=tenant_a):
        note.refresh_from_db()
    assert note.status == NotificationStatus.FAILED and note.attempts == 6
    assert "Slack answered 500" in note.error


def test_email_is_not_sent_twice_when_slack_is_retried(tenant_a, account, bob):
    with Webhook(statuses=[500]) as hook:
        configure(tenant_a, hook.url)
        with scope(tenant=tenant_a):
            note = notification_raise(tenant=tenant_a, account=account, text=TEXT, source_key="k:3")
            with pytest.raises(NotificationNotSent):
                notification_send(notification=note)
            assert note.email_sent and not note.slack_sent
            notification_send(notification=Notification.objects.get(pk=note.pk))
        assert len(hook.bodies()) == 2
    assert len(mail.outbox) == 1


def test_unreachable_webhook_is_recorded(tenant_a, account):
    with Webhook() as hook:
        url = hook.url
    configure(tenant_a, url, by_email=False)
    with scope(tenant=tenant_a):
        note = notification_raise(tenant=tenant_a, account=account, text=TEXT, source_key="k:4")
        with pytest.raises(NotificationNotSent):
            notification_send(notification=note)
        note.refresh_from_db()
    assert note.status == NotificationStatus.FAILED and "could not be reached" in note.error


# Only Slack: the server posts to the webhook, so an admin must not be able to aim it at an internal address.

REFUSAL = "The Slack webhook must be an https://hooks.slack.com/... URL (allowed hosts: hooks.slack.com)."


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com.evil.example/services/T/B/X",
        "https://evil.example/hooks.slack.com/services/T/B/X",
        "http://hooks.slack.com/services/T/B/X",
        "ftp://hooks.slack.com/services/T/B/X",
        "https://hooks.slack.com:8443/services/T/B/X",
        "https://user:secret@hooks.slack.com/services/T/B/X",
        "https://hooks.slack.com@169.254.169.254/latest/meta-data/",
        "https://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:6379/",
        "https://[::1]/services/T/B/X",
    ],
)
def test_a_webhook_off_the_allowed_hosts_is_refused_when_saved(tenant_a, settings, url):
    # What the settings page saves through (there is no API for these settings: the service is the one door).
    settings.SLACK_WEBHOOK_HOSTS = ["hooks.slack.com"]
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as refused:
        services.communication_settings_update(tenant=tenant_a, slack_webhook_url=url)
    assert refused.value.message_dict == {"slack_webhook_url": [REFUSAL]}
    with scope(tenant=tenant_a):
        assert services.communication_settings(tenant=tenant_a).slack_webhook_url == ""


@pytest.mark.parametrize(
    "url",
    ["https://hooks.slack.com/services/T/B/X", "https://HOOKS.slack.com:443/services/T/B/X", "http://127.0.0.1:8080/x"],
)
def test_a_webhook_on_an_allowed_host_is_saved(tenant_a, url):
    # 127.0.0.1 is listed (local_slack): a loopback host in the list may use http and a port.
    with scope(tenant=tenant_a):
        saved = services.communication_settings_update(tenant=tenant_a, slack_webhook_url=url)
    assert saved.slack_webhook_url == url


def test_a_stored_webhook_off_the_allowed_hosts_is_not_posted_to(tenant_a, account, settings):
    with Webhook() as hook:
        configure(tenant_a, hook.url, by_email=False)
        # Allowed when it was saved; the setting changed since.
        settings.SLACK_WEBHOOK_HOSTS = ["hooks.slack.com"]
        with scope(tenant=tenant_a):
            note = notification_raise(tenant=tenant_a, account=account, text=TEXT, source_key="k:5")
            with pytest.raises(NotificationNotSent):
                notification_send(notification=note)
            note.refresh_from_db()
        assert hook.bodies() == []
    assert note.status == NotificationStatus.FAILED and not note.slack_sent
    assert note.error == f"Not posted. {REFUSAL} Change it on the communications settings page."


def test_a_redirect_from_the_webhook_is_not_followed():
    # Left to urllib, a 302 to a POST is followed as a GET to wherever it points.
    with Webhook() as elsewhere, Webhook(statuses=[302], redirect_to=elsewhere.url) as hook:
        with pytest.raises(NotificationNotSent, match="Slack answered 302"):
            slack_post(url=hook.url, text=TEXT)
        assert len(hook.bodies()) == 1 and elsewhere.bodies() == []


def _health_signal(tenant, account, kind: str, message: str) -> HealthSignal:
    """A signal as health's detection stores it (the alert reads its kind, account and sentence)."""
    with scope(tenant=tenant):
        return HealthSignal.objects.create(
            tenant=tenant,
            account=account,
            kind=kind,
            subject=kind,
            severity="high",
            message=message,
            raised_on=timezone.localdate(),
        )


def test_health_signals_raise_one_alert_each_with_their_sentence(tenant_a, account, bob):
    configure(tenant_a, "", by_email=True)
    risk = _health_signal(tenant_a, account, "power_user_inactive", TEXT)
    late = _health_signal(tenant_a, account, "late_payment", "Invoice INV-7 is 12 days late.")
    expansion = _health_signal(tenant_a, account, "expansion", "Up")  # not a risk: no alert
    with scope(tenant=tenant_a):
        made = notifications_on_health_signals(tenant=tenant_a, signals=[risk, late, expansion])
        again = notifications_on_health_signals(tenant=tenant_a, signals=[risk])  # announced twice: once
        alerts = list(Notification.objects.order_by("id"))
    assert len(made) == 2 and again == []
    assert [(a.source_key, a.text, a.recipient_id) for a in alerts] == [
        (f"health_signal:{risk.pk}", TEXT, bob.pk),
        (f"health_signal:{late.pk}", "Invoice INV-7 is 12 days late.", bob.pk),
    ]
