"""A tenant's communication rules: settings, frequency caps, blackout rules and the send-permission matrix.
The seed's defaults are made on first use and editable afterwards."""

import urllib.parse
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from tenancy.models import Membership, Role, Team, Tenant

from ..defaults.rules import BLACKOUT_RULES, FREQUENCY_CAPS, default_send_permissions
from ..models import (
    BlackoutKind,
    BlackoutRule,
    Channel,
    CommunicationSettings,
    FrequencyCap,
    MessageType,
    SendPermission,
)

SETTINGS_FIELDS = {"bulk_threshold", "send_hour", "slack_webhook_url", "notify_by_email", "teams_per_week"}
# A loopback host listed in SLACK_WEBHOOK_HOSTS stands in for Slack locally: http and any port.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def communication_settings(*, tenant: Tenant) -> CommunicationSettings:
    found, _ = CommunicationSettings.objects.get_or_create(tenant=tenant)
    return found


def teams_per_week(*, tenant: Tenant) -> int:
    """How many teams reaching one person in a week make a conflict on the calendar."""
    return communication_settings(tenant=tenant).teams_per_week


def communication_settings_update(*, tenant: Tenant, **fields) -> CommunicationSettings:
    unknown = set(fields) - SETTINGS_FIELDS
    if unknown:
        raise TypeError(f"communication_settings_update() got unexpected fields {sorted(unknown)}")
    found = communication_settings(tenant=tenant)
    for name, value in fields.items():
        setattr(found, name, value.strip() if isinstance(value, str) else value)
    if found.slack_webhook_url and (refusal := slack_webhook_refusal(found.slack_webhook_url)):
        raise ValidationError({"slack_webhook_url": refusal})
    found.full_clean(exclude=["tenant"], validate_constraints=False)
    found.save()
    return found


def slack_webhook_masked(url: str) -> str:
    """Enough of a Slack webhook to recognise it, not to post with it: the URL is the only secret
    (anyone holding it posts to the channel), e.g. https://hooks.slack.com/services/T0…/…abcd."""
    if not url:
        return ""
    parts = urllib.parse.urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    # The workspace id's first characters and the token's last four; the rest is never shown.
    start = f"{segments[0]}/{segments[1][:2]}" if len(segments) > 2 else (segments[0][:2] if segments else "")
    return f"{parts.scheme}://{parts.hostname or ''}/{start}…/…{url[-4:]}"


def slack_webhook_refusal(url: str) -> str | None:
    """Why `url` may not be a tenant's Slack webhook, or None if it may: the server posts to it, so its
    host must be one of SLACK_WEBHOOK_HOSTS exactly, over https on the default port, with no user or
    password in it. A loopback host listed there may use http and any port (LOOPBACK_HOSTS).

    Checked when an admin saves it and again before every post (a URL saved before the rule, a setting
    changed since)."""
    allowed = list(settings.SLACK_WEBHOOK_HOSTS)
    refusal = (
        f"The Slack webhook must be an https://{allowed[0] if allowed else 'hooks.slack.com'}/... URL "
        f"(allowed hosts: {', '.join(allowed) or 'none, SLACK_WEBHOOK_HOSTS is empty'})."
    )
    # Whitespace, control characters and backslashes are where URL parsers disagree on the host.
    if any(c.isspace() or not c.isprintable() or c == "\\" for c in url):
        return refusal
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port  # raises for a port that is not a number from 0 to 65535
    except ValueError:
        return refusal
    host = (parts.hostname or "").lower()
    if host not in allowed or "@" in parts.netloc:
        return refusal
    if host in LOOPBACK_HOSTS:
        return None if parts.scheme in ("https", "http") else refusal
    return None if parts.scheme == "https" and port in (None, 443) else refusal


# --- Frequency caps --------------------------------------------------------------


def _ensure_caps(tenant: Tenant) -> None:
    if FrequencyCap.objects.filter(tenant=tenant).exists():
        return
    FrequencyCap.objects.bulk_create(
        [
            FrequencyCap(tenant=tenant, channel=channel, per_week=week, per_month=month)
            for channel, (week, month) in FREQUENCY_CAPS.items()
        ],
        ignore_conflicts=True,
    )


def frequency_caps(*, tenant: Tenant) -> dict[str, FrequencyCap]:
    """The caps by channel (the seed's email cap of 2 a week and 8 a month, made on first use).
    A channel without a row, or a blank period, has no cap."""
    _ensure_caps(tenant)
    return {cap.channel: cap for cap in FrequencyCap.objects.filter(tenant=tenant)}


def frequency_cap_save(*, tenant: Tenant, channel: str, per_week: int | None, per_month: int | None) -> FrequencyCap:
    """Set a channel's caps; None for a period means no cap for it."""
    if channel not in Channel.values:
        raise ValidationError({"channel": f"Unknown channel {channel!r}."})
    _ensure_caps(tenant)
    cap = FrequencyCap.objects.filter(tenant=tenant, channel=channel).first() or FrequencyCap(
        tenant=tenant, channel=channel
    )
    cap.per_week, cap.per_month = per_week or None, per_month or None
    if cap.per_week and cap.per_month and cap.per_week > cap.per_month:
        raise ValidationError({"per_week": f"{cap.per_week} a week is more than the {cap.per_month} a month allows."})
    cap.full_clean(exclude=["tenant"], validate_constraints=False)
    cap.save()
    return cap


# --- Blackout rules --------------------------------------------------------------


def _ensure_blackouts(tenant: Tenant) -> None:
    if BlackoutRule.objects.filter(tenant=tenant).exists():
        return
    BlackoutRule.objects.bulk_create(
        [
            BlackoutRule(tenant=tenant, kind=kind, message_types=list(types), window_days=days)
            for kind, (types, days) in BLACKOUT_RULES.items()
        ],
        ignore_conflicts=True,
    )


def blackout_rules(*, tenant: Tenant, include_inactive: bool = False) -> list[BlackoutRule]:
    """The blackout rules (the seed's, made on first use: no promotion during an open P1 ticket or in the
    60 days of a renewal negotiation)."""
    _ensure_blackouts(tenant)
    found = BlackoutRule.objects.filter(tenant=tenant)
    if not include_inactive:
        found = found.filter(is_active=True)
    return list(found.order_by("kind"))


def blackout_rule_save(
    *,
    tenant: Tenant,
    kind: str,
    message_types: list[str],
    window_days: int | None = None,
    is_active: bool = True,
) -> BlackoutRule:
    if kind not in BlackoutKind.values:
        raise ValidationError({"kind": f"Unknown blackout {kind!r}."})
    unknown = sorted(set(message_types) - set(MessageType.values))
    if unknown:
        raise ValidationError({"message_types": f"Unknown message types: {', '.join(unknown)}."})
    if MessageType.TRANSACTIONAL in message_types:
        raise ValidationError({"message_types": "Transactional messages (receipts, resets) cannot be held back."})
    _ensure_blackouts(tenant)
    rule = BlackoutRule.objects.filter(tenant=tenant, kind=kind).first() or BlackoutRule(tenant=tenant, kind=kind)
    rule.message_types = [t for t in MessageType.values if t in message_types]
    if window_days is not None:
        rule.window_days = window_days
    rule.is_active = is_active
    rule.full_clean(exclude=["tenant"], validate_constraints=False)
    rule.save()
    return rule


# --- Send permissions (governance) ---------------------------------------------------


def _ensure_permissions(tenant: Tenant) -> None:
    if SendPermission.objects.filter(tenant=tenant).exists():
        return
    SendPermission.objects.bulk_create(
        [
            SendPermission(tenant=tenant, team=team, role=role, message_type=message_type, channel=channel)
            for team, role, message_type, channel in sorted(default_send_permissions())
        ],
        ignore_conflicts=True,
    )


def send_permissions(*, tenant: Tenant) -> set[tuple[str, str, str, str]]:
    """The allowed cells of the matrix as (team, role, message type, channel); the seed's on first use."""
    _ensure_permissions(tenant)
    return set(SendPermission.objects.filter(tenant=tenant).values_list("team", "role", "message_type", "channel"))


@transaction.atomic
def send_permission_set(
    *, tenant: Tenant, team: str, role: str, message_type: str, channel: str, allowed: bool
) -> None:
    for name, value, choices in (
        ("team", team, Team.values),
        ("role", role, Role.values),
        ("message_type", message_type, MessageType.values),
        ("channel", channel, Channel.values),
    ):
        if value not in choices:
            raise ValidationError({name: f"Unknown {name.replace('_', ' ')} {value!r}."})
    if allowed and role == Role.VIEWER:
        raise ValidationError({"role": "Viewers read only: they send nothing."})
    _ensure_permissions(tenant)
    cell: dict[str, Any] = {"team": team, "role": role, "message_type": message_type, "channel": channel}
    if allowed:
        SendPermission.objects.get_or_create(tenant=tenant, **cell)
    else:
        SendPermission.objects.filter(tenant=tenant, **cell).delete()


def may_send(*, tenant: Tenant, membership: Membership | None, message_type: str, channel: str) -> bool:
    """Whether the member's team and role may send this type of message on this channel."""
    if membership is None or not membership.is_active or membership.role == Role.VIEWER:
        return False
    if membership.tenant_id != tenant.pk:
        return False
    return (membership.team, membership.role, message_type, channel) in send_permissions(tenant=tenant)


def send_denial(*, membership: Membership | None, message_type: str, channel: str) -> str:
    """Why `may_send` said no, in words for the person."""
    if membership is None or not membership.is_active:
        return "You are not a member of this tenant."
    if membership.role == Role.VIEWER:
        return "Viewers read only: they send nothing."
    return (
        f"{membership.get_team_display()} {membership.get_role_display()}s may not send "
        f"{MessageType(message_type).label.lower()} messages by {Channel(channel).label.lower()}."
    )
