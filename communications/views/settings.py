"""Communication settings: frequency caps, bulk threshold and send hour, blackout rules, the send-permission
matrix, and internal notifications (Slack webhook with a test, email). Every member reads them; only an
admin changes them. Every rule is communications.services.settings'."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.web import apply_errors, member_required
from tenancy.models import Role, Team
from tenancy.permissions import Capability, membership_can

from .. import services
from ..forms.settings import BlackoutRuleForm, FrequencyCapsForm, SettingsForm
from ..models import BlackoutKind, Channel, MessageType, Notification
from ..services.notifications import notification_test

# Viewers send nothing, so the matrix has no row for them.
MATRIX_ROLES = [(r, label) for r, label in Role.choices if r != Role.VIEWER]
RECENT_NOTIFICATIONS = 10


def _caps_form(request: HttpRequest, data=None) -> FrequencyCapsForm:
    caps = services.frequency_caps(tenant=request.tenant)
    initial = {}
    for channel, cap in caps.items():
        initial[f"{channel}_week"], initial[f"{channel}_month"] = cap.per_week, cap.per_month
    return FrequencyCapsForm(data, channels=list(Channel.choices), initial=initial)


def _general_form(request: HttpRequest, data=None) -> SettingsForm:
    current = services.communication_settings(tenant=request.tenant)
    initial = {
        name: getattr(current, name) for name in ("bulk_threshold", "send_hour", "notify_by_email", "teams_per_week")
    }
    return SettingsForm(
        data,
        initial=initial,
        webhook_masked=services.slack_webhook_masked(current.slack_webhook_url),
        may_configure=membership_can(request.membership, Capability.CONFIGURE),
    )


def _blackout_forms(request: HttpRequest, data=None) -> list[BlackoutRuleForm]:
    rules = {r.kind: r for r in services.blackout_rules(tenant=request.tenant, include_inactive=True)}
    forms = []
    for kind in BlackoutKind.values:
        rule = rules.get(kind)
        initial = (
            {"is_active": rule.is_active, "message_types": rule.message_types, "window_days": rule.window_days}
            if rule
            else {}
        )
        forms.append(BlackoutRuleForm(data, kind=kind, initial=initial))
    return forms


def _matrix(request: HttpRequest) -> dict:
    allowed = services.send_permissions(tenant=request.tenant)
    columns = [(t, tl, c, cl) for t, tl in MessageType.choices for c, cl in Channel.choices]
    rows = []
    for team, team_label in Team.choices:
        for role, role_label in MATRIX_ROLES:
            cells = [(f"{team}:{role}:{t}:{c}", (team, role, t, c) in allowed) for t, _tl, c, _cl in columns]
            rows.append({"team": team_label, "role": role_label, "cells": cells})
    return {"types": MessageType.choices, "channels": Channel.choices, "columns": columns, "rows": rows}


def _page(request: HttpRequest, **forms) -> HttpResponse:
    context = {
        "section": "communications",
        "may_configure": membership_can(request.membership, Capability.CONFIGURE),
        "general_form": forms.get("general_form") or _general_form(request),
        "caps_form": forms.get("caps_form") or _caps_form(request),
        "blackout_forms": forms.get("blackout_forms") or _blackout_forms(request),
        "matrix": _matrix(request),
        "notifications": list(
            Notification.objects.filter(tenant=request.tenant).select_related("account", "recipient")[
                :RECENT_NOTIFICATIONS
            ]
        ),
    }
    status = 400 if forms else 200
    return render(request, "communications/settings/index.html", context, status=status)


@require_GET
@member_required()
def settings_index(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@member_required(Capability.CONFIGURE)
def settings_general(request: HttpRequest) -> HttpResponse:
    form = _general_form(request, request.POST)
    if form.is_valid():
        try:
            saved = services.communication_settings_update(tenant=request.tenant, **form.settings_changes())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            slack = "alerts go to Slack" if saved.slack_webhook_url else "no Slack webhook"
            messages.success(
                request,
                f"Saved: sends to more than {saved.bulk_threshold} recipients need approval, deferred messages go "
                f"out at {saved.send_hour:02d}:00, {saved.teams_per_week} teams reaching one person in a week "
                f"are a conflict, {slack}.",
            )
            return redirect("communications:settings")
    return _page(request, general_form=form)


@require_POST
@member_required(Capability.CONFIGURE)
def settings_caps(request: HttpRequest) -> HttpResponse:
    form = _caps_form(request, request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                for channel, _label in form.channels:
                    services.frequency_cap_save(
                        tenant=request.tenant,
                        channel=channel,
                        per_week=form.cleaned_data[f"{channel}_week"],
                        per_month=form.cleaned_data[f"{channel}_month"],
                    )
        except ValidationError as error:
            form.add_error(None, f"{Channel(channel).label}: {' '.join(error.messages)}")
        else:
            messages.success(request, "Saved the frequency caps; new and rescheduled entries follow them.")
            return redirect("communications:settings")
    return _page(request, caps_form=form)


@require_POST
@member_required(Capability.CONFIGURE)
def settings_blackouts(request: HttpRequest) -> HttpResponse:
    forms = _blackout_forms(request, request.POST)
    if all(form.is_valid() for form in forms):
        try:
            with transaction.atomic():
                for form in forms:
                    services.blackout_rule_save(
                        tenant=request.tenant,
                        kind=form.kind,
                        message_types=form.cleaned_data["message_types"],
                        window_days=form.cleaned_data.get("window_days"),
                        is_active=form.cleaned_data["is_active"],
                    )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Saved the blackout rules; conflicts and sends follow them from now on.")
            return redirect("communications:settings")
    return _page(request, blackout_forms=forms)


@require_POST
@member_required(Capability.CONFIGURE)
def settings_permissions(request: HttpRequest) -> HttpResponse:
    current = services.send_permissions(tenant=request.tenant)
    wanted = set()
    for value in request.POST.getlist("perm"):
        parts = tuple(value.split(":"))
        if len(parts) == 4:
            wanted.add(parts)
    changes = [(cell, True) for cell in wanted - current] + [(cell, False) for cell in current - wanted]
    try:
        with transaction.atomic():
            for (team, role, message_type, channel), allowed in changes:
                services.send_permission_set(
                    tenant=request.tenant,
                    team=team,
                    role=role,
                    message_type=message_type,
                    channel=channel,
                    allowed=allowed,
                )
    except ValidationError as error:
        messages.error(request, "Nothing was changed: " + " ".join(error.messages))
    else:
        added = sum(1 for _cell, allowed in changes if allowed)
        messages.success(
            request,
            f"Saved the send permissions: {added} allowed, {len(changes) - added} taken away. "
            "Entries scheduled from now on are checked against them.",
        )
    return redirect("communications:settings")


@require_POST
@member_required(Capability.CONFIGURE)
def settings_slack_test(request: HttpRequest) -> HttpResponse:
    try:
        result = notification_test(tenant=request.tenant, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, result)
    return redirect("communications:settings")
