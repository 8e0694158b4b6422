"""Reads of product usage that the pages and the API share: catalogue, rollups, errors, settings."""

import datetime as dt

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from core import tenant_time
from tenancy.models import Tenant

from ..models import EventDefinition, EventRollup, IngestionError, IngestionSettings
from ..models.usage import DEFAULT_GROUP_TRAITS


def ingestion_settings_for(*, tenant: Tenant) -> IngestionSettings:
    """The tenant's ingestion settings; the defaults (unsaved) until an admin changes them."""
    found = IngestionSettings.objects.filter(tenant=tenant).first()
    return found or IngestionSettings(tenant=tenant, group_traits={})


def group_trait_mapping(settings: IngestionSettings) -> dict[str, str]:
    """Trait -> account field in effect: the tenant's own, or the defaults while it has none."""
    return dict(settings.group_traits or DEFAULT_GROUP_TRAITS)


def event_definition_list(*, tenant: Tenant, query: str = "") -> QuerySet[EventDefinition]:
    definitions = EventDefinition.objects.filter(tenant=tenant)
    if query:
        definitions = definitions.filter(name__icontains=query)
    return definitions.order_by("-volume", "name")


def event_definition_get(*, tenant: Tenant, event_definition_id: int) -> EventDefinition:
    return EventDefinition.objects.get(tenant=tenant, pk=event_definition_id)


def ingestion_error_list(*, tenant: Tenant) -> QuerySet[IngestionError]:
    return IngestionError.objects.filter(tenant=tenant).order_by("-received_at", "-id")


def rollup_list(
    *,
    tenant: Tenant,
    account_id: int | None = None,
    contact_id: int | None = None,
    name: str | None = None,
    day_from: dt.date | None = None,
    day_to: dt.date | None = None,
) -> QuerySet[EventRollup]:
    rollups = EventRollup.objects.filter(tenant=tenant)
    if account_id is not None:
        rollups = rollups.filter(account_id=account_id)
    if contact_id is not None:
        rollups = rollups.filter(contact_id=contact_id)
    if name:
        rollups = rollups.filter(name=name)
    if day_from is not None:
        rollups = rollups.filter(day__gte=day_from)
    if day_to is not None:
        rollups = rollups.filter(day__lte=day_to)
    return rollups.order_by("-day", "account_id", "name", "contact_id")


def usage_overview(*, tenant: Tenant, days: int = 30, today: dt.date | None = None) -> dict:
    """The last `days` days of usage, from rollups only: events, points, active accounts and people,
    the busiest events; and how many events were refused in the last week."""
    today = today or tenant_time.today(tenant)
    since = today - dt.timedelta(days=days - 1)
    recent = EventRollup.objects.filter(tenant=tenant, day__gte=since, day__lte=today)
    totals = recent.aggregate(events=Sum("count"), points=Sum("points"))
    top = list(
        recent.values("name").annotate(events=Sum("count"), points=Sum("points")).order_by("-events", "name")[:8]
    )
    week_ago = timezone.now() - dt.timedelta(days=7)
    return {
        "days": days,
        "since": since,
        "events": totals["events"] or 0,
        "points": totals["points"] or 0,
        "accounts": recent.aggregate(n=Count("account_id", distinct=True))["n"],
        "contacts": recent.exclude(contact_id__isnull=True).aggregate(n=Count("contact_id", distinct=True))["n"],
        "top_events": top,
        "event_names": EventDefinition.objects.filter(tenant=tenant).count(),
        "errors_last_week": IngestionError.objects.filter(tenant=tenant, received_at__gte=week_ago).count(),
    }
