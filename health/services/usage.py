"""Writes on product usage with a rule in them: the catalogue's points and flags, ingestion settings,
retention. Ingestion itself is `health.ingestion.services.ingest`."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Value
from django.utils import timezone

from accounts.models import CustomFieldDefinition
from core import tenant_time
from tenancy.models import Tenant

from ..ingestion.rollups import account_rollups_rebuild as account_rollups_rebuild
from ..ingestion.rollups import default_points, hold_points
from ..ingestion.rollups import rollups_rebuild as rollups_rebuild
from ..ingestion.traits import group_trait_target_problem
from ..models import AccountRollup, EventDefinition, EventRollup, IngestionSettings, RawEvent
from ..models.usage import DEFAULT_GROUP_TRAITS
from ..selectors.usage import ingestion_settings_for

MAX_POINTS = Decimal("9999.99")
FLAGS = ("is_core", "is_advanced", "is_locked", "is_upgrade_page")
MAX_RETENTION_DAYS = 3650
PURGE_BATCH = 5_000


def _points(value) -> Decimal:
    try:
        points = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as error:
        raise ValidationError({"points": f"{value!r} is not a number."}) from error
    if not Decimal(0) <= points <= MAX_POINTS:
        raise ValidationError({"points": f"Points are between 0 and {MAX_POINTS:,}."})
    return points


@transaction.atomic
def event_definition_update(
    *,
    definition: EventDefinition,
    points: Decimal | None = None,
    is_core: bool | None = None,
    is_advanced: bool | None = None,
    is_locked: bool | None = None,
    is_upgrade_page: bool | None = None,
) -> EventDefinition:
    """Set an event's points and flags (None leaves one as it is). New points re-weight every rollup
    of the event in the same transaction, so points are always count x the catalogue's points."""
    # Ingestion holds the tenant's points while it adds rollups: wait for those batches, and
    # make the next ones wait, so no rollup is added at the old points after the re-weighting.
    hold_points(tenant=definition.tenant, exclusive=True)
    current = EventDefinition.objects.select_for_update().get(tenant_id=definition.tenant_id, pk=definition.pk)
    flags = {"is_core": is_core, "is_advanced": is_advanced, "is_locked": is_locked, "is_upgrade_page": is_upgrade_page}
    for name, value in flags.items():
        if value is not None:
            setattr(current, name, bool(value))
    reweigh = False
    if points is not None:
        new_points = _points(points)
        reweigh = new_points != current.points
        current.points = new_points
    current.save(update_fields=["points", *FLAGS])
    if reweigh:
        for rollups in (EventRollup, AccountRollup):
            rollups.objects.filter(tenant_id=current.tenant_id, name=current.name).update(
                points=ExpressionWrapper(
                    F("count") * Value(current.points, output_field=DecimalField(max_digits=6, decimal_places=2)),
                    output_field=DecimalField(max_digits=14, decimal_places=2),
                )
            )
    return current


def event_definition_set(*, tenant: Tenant, name: str, points: Decimal | None = None, **flags) -> EventDefinition:
    """An event's points and flags by name, entering it in the catalogue if it was never seen
    (so an admin, or the demo, can weight an event before the product sends it)."""
    unknown = set(flags) - set(FLAGS)
    if unknown:
        raise TypeError(f"event_definition_set() got unexpected flags {sorted(unknown)}")
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationError({"name": "An event name has 1 to 200 characters."})
    definition, _created = EventDefinition.objects.get_or_create(
        tenant=tenant, name=name, defaults={"points": default_points(name), "volume": 0}
    )
    return event_definition_update(definition=definition, points=points, **flags)


def ingestion_settings_update(
    *, tenant: Tenant, group_traits: dict[str, str], create_unknown_accounts: bool, raw_retention_days: int
) -> IngestionSettings:
    """Change how group traits fill accounts, whether group calls create accounts, and retention.

    The default mapping is kept as "no mapping of its own", so it stays lenient: it names cf_plan,
    which a tenant without that custom field simply does not fill.
    """
    group_traits = {str(k).strip(): str(v).strip() for k, v in group_traits.items()}
    if group_traits == DEFAULT_GROUP_TRAITS:
        group_traits = {}
    keys = set(CustomFieldDefinition.objects.filter(tenant=tenant).values_list("key", flat=True))
    problems = []
    cleaned: dict[str, str] = {}
    for trait, target in group_traits.items():
        if not trait or not target:
            problems.append("Every line needs a trait and an account field.")
            continue
        if problem := group_trait_target_problem(target, keys):
            problems.append(f"{trait} = {target}: {problem}.")
            continue
        cleaned[trait] = target
    if problems:
        raise ValidationError({"group_traits": problems})
    if not 1 <= int(raw_retention_days) <= MAX_RETENTION_DAYS:
        raise ValidationError({"raw_retention_days": f"Keep raw events between 1 and {MAX_RETENTION_DAYS} days."})
    settings, _created = IngestionSettings.objects.get_or_create(tenant=tenant, defaults={"group_traits": {}})
    settings.group_traits = cleaned
    settings.create_unknown_accounts = bool(create_unknown_accounts)
    settings.raw_retention_days = int(raw_retention_days)
    settings.save()
    return settings


def raw_events_purge(*, tenant: Tenant, now: dt.datetime | None = None, batch_size: int = PURGE_BATCH) -> int:
    """Delete raw events older than the tenant's retention, whole local days at a time, in batches
    (short transactions, so ingestion never waits long); rollups stay. Returns how many went."""
    settings = ingestion_settings_for(tenant=tenant)
    today = tenant_time.day_of(tenant, now or timezone.now())
    # Local midnight: the oldest day kept is whole, so a rollup rebuild of it stays exact.
    cutoff = dt.datetime.combine(today - dt.timedelta(days=settings.raw_retention_days), dt.time.min, tenant.zone)
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                RawEvent.objects.filter(tenant=tenant, timestamp__lt=cutoff)
                .order_by("timestamp")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return deleted
            deleted += RawEvent.objects.filter(tenant=tenant, pk__in=ids).delete()[0]
