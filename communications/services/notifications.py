"""Internal notifications: alerts for the CSM in the tenant's Slack (an incoming webhook) and by email,
e.g. "Power user Jane Roe at Acme inactive 23 days. Time for a check-in."

One notification per source (`source_key`): a retry or a second announcement never alerts twice. Sending
is a task with retries; what went out on which channel, and the last error, are kept on the row.
"""

import datetime as dt
import json
import urllib.error
import urllib.request
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Account
from tenancy.models import Tenant, User
from tenancy.queue import enqueue, enqueue_on_commit, requeue_before

from ..models import Notification, NotificationStatus
from .settings import communication_settings, slack_webhook_refusal

SLACK_TIMEOUT_SECONDS = 5
# The health signals a CSM should hear about at once; the others wait for the morning list.
ALERTED_SIGNAL_KINDS = frozenset({"power_user_inactive", "score_drop", "late_payment", "nps_detractor", "ticket_spike"})


class NotificationNotSent(Exception):
    """A channel failed; the task retries what is missing."""


def notification_raise(
    *, tenant: Tenant, account: Account | None, text: str, source_key: str, recipient: User | None = None
) -> Notification:
    """The notification for `source_key`, made and queued the first time; a second raise returns the
    first one and sends nothing. The recipient defaults to the account's CSM."""
    from ..tasks import notification_send_task

    existing = Notification.objects.filter(tenant=tenant, source_key=source_key).first()
    if existing is not None:
        return existing
    if recipient is None and account is not None:
        recipient = account.owner
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                tenant=tenant, account=account, recipient=recipient, text=text[:1000], source_key=source_key[:80]
            )
    except IntegrityError:
        # Raised at the same moment by another worker: theirs is the one.
        return Notification.objects.get(tenant=tenant, source_key=source_key)
    enqueue_on_commit(notification_send_task, tenant_id=tenant.pk, notification_id=notification.pk)
    return notification


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is not followed: the checked host is the only one the server posts to."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_slack_opener = urllib.request.build_opener(_NoRedirects)


def slack_post(*, url: str, text: str) -> None:
    """POST {"text": …} to a Slack incoming webhook on an allowed host (SLACK_WEBHOOK_HOSTS); raise
    NotificationNotSent with what went wrong."""
    if refusal := slack_webhook_refusal(url):
        # Saved before the rule, or the setting changed since: the admin has to change it.
        raise NotificationNotSent(f"Not posted. {refusal} Change it on the communications settings page.")
    request = urllib.request.Request(  # noqa: S310 (scheme and host are checked above)
        url,
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with _slack_opener.open(request, timeout=SLACK_TIMEOUT_SECONDS) as response:
            response.read()
    except urllib.error.HTTPError as error:
        raise NotificationNotSent(f"Slack answered {error.code} {error.reason}.") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise NotificationNotSent(f"Slack could not be reached: {reason}.") from error


def _slack_text(notification: Notification) -> str:
    if notification.account is None:
        return notification.text
    link = settings.SITE_URL.rstrip("/") + notification.account.get_absolute_url()
    return f"{notification.text}\n<{link}|Open {notification.account}>"


def notification_send(*, notification: Notification) -> Notification:
    """Send what has not gone out yet (Slack, email); record each channel, the attempt and the error.
    Raises NotificationNotSent when a channel failed, after recording it, so the task can retry."""
    tenant = notification.tenant
    rules = communication_settings(tenant=tenant)
    errors = []
    if rules.slack_webhook_url and not notification.slack_sent:
        try:
            slack_post(url=rules.slack_webhook_url, text=_slack_text(notification))
        except NotificationNotSent as error:
            errors.append(str(error))
        else:
            notification.slack_sent = True
    recipient = notification.recipient
    if rules.notify_by_email and recipient is not None and recipient.email and not notification.email_sent:
        subject = f"[postsale] {notification.account}" if notification.account_id else "[postsale] Alert"
        body = notification.text
        if notification.account is not None:
            body += "\n\n" + settings.SITE_URL.rstrip("/") + notification.account.get_absolute_url()
        try:
            send_mail(subject, body, None, [recipient.email])
        except Exception as error:  # SMTP and provider backends raise many kinds; the reason is what matters
            errors.append(f"The email to {recipient.email} failed: {error}")
        else:
            notification.email_sent = True
    notification.error = " ".join(errors)[:500]
    if errors:
        notification.status = NotificationStatus.FAILED
    else:
        notification.status = NotificationStatus.SENT
        notification.sent_at = timezone.now()
    Notification.objects.filter(tenant=tenant, pk=notification.pk).update(
        attempts=F("attempts") + 1,
        slack_sent=notification.slack_sent,
        email_sent=notification.email_sent,
        error=notification.error,
        status=notification.status,
        sent_at=notification.sent_at,
    )
    notification.refresh_from_db(fields=["attempts"])
    if errors:
        raise NotificationNotSent(notification.error)
    return notification


def notification_test(*, tenant: Tenant, by: User) -> str:
    """Post a test message to the tenant's Slack webhook; what happened, in words, or a ValidationError."""
    rules = communication_settings(tenant=tenant)
    if not rules.slack_webhook_url:
        raise ValidationError("There is no Slack webhook URL to test: save one first.")
    try:
        slack_post(
            url=rules.slack_webhook_url,
            text=f"Test from postsale by {by}: CSM alerts of {tenant} will appear in this channel.",
        )
    except NotificationNotSent as error:
        raise ValidationError(f"The test message was not delivered. {error}") from error
    return "Sent a test message to the Slack webhook: check the channel."


def notifications_on_health_signals(*, tenant: Tenant, signals: Iterable) -> list[Notification]:
    """Alert each account's CSM of its new risk signals (health's batch news), with each signal's own
    sentence, once per signal: a few queries for the whole batch, then one send task per alert."""
    from ..tasks import notification_send_task

    alerted = {f"health_signal:{s.pk}": s for s in signals if s.kind in ALERTED_SIGNAL_KINDS}
    if not alerted:
        return []
    known = set(
        Notification.objects.filter(tenant=tenant, source_key__in=list(alerted)).values_list("source_key", flat=True)
    )
    owners = dict(
        Account.objects.filter(tenant=tenant, pk__in={s.account_id for s in alerted.values()}).values_list(
            "pk", "owner_id"
        )
    )
    new = [
        Notification(
            tenant=tenant,
            account_id=s.account_id,
            recipient_id=owners.get(s.account_id),
            text=s.message[:1000],
            source_key=key,
        )
        for key, s in alerted.items()
        if key not in known and s.account_id in owners
    ]
    try:
        with transaction.atomic():
            made = Notification.objects.bulk_create(new)
    except IntegrityError:
        # Another worker alerted some of them at the same moment: one by one, each finds theirs (and
        # notification_raise queues the ones it makes).
        return [
            notification_raise(
                tenant=tenant, account=n.account, text=n.text, source_key=n.source_key, recipient=n.recipient
            )
            for n in new
        ]
    for notification in made:
        enqueue_on_commit(notification_send_task, tenant_id=tenant.pk, notification_id=notification.pk)
    return made


def notifications_requeue(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Send again the notifications made long ago and never tried (their message was lost: the broker was
    down). A failed one retries through its own task; a sent one is never sent again."""
    from ..tasks import notification_send_task

    waiting = Notification.objects.filter(
        tenant=tenant,
        status=NotificationStatus.PENDING,
        attempts=0,
        created_at__lt=requeue_before(now or timezone.now()),
    ).values_list("pk", flat=True)
    return sum(enqueue(notification_send_task, tenant_id=tenant.pk, notification_id=pk) for pk in waiting)
