"""Reads of health scores the pages and the API share: snapshots, the measures table, signals,
people's health, and the rows behind a measure. Every one takes the tenant."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, F, IntegerField, Max, Q, QuerySet, Sum, Value, When

from accounts.models import Account
from tenancy.models import Tenant, User

from ..models import (
    ContactHealth,
    EventDefinition,
    EventRollup,
    HealthModel,
    HealthScore,
    HealthSignal,
    Invoice,
    Meeting,
    MeetingStatus,
    NpsResponse,
    Severity,
    SubscriptionChange,
    SubscriptionChangeKind,
    SupportTicket,
)
from ..scoring.engine import contributions
from ..scoring.explain import describe
from ..scoring.measures import BY_KEY, FAMILY_LABELS, Family
from .inputs import EXECUTIVE_MEETING, WINDOW_DAYS, day_end, ticket_open_at

MAX_ROWS = 200
SEVERITY_RANK: dict[str, int] = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2, Severity.OPPORTUNITY: 3}


def health_model_versions(*, tenant: Tenant, segment: str | None = None) -> QuerySet[HealthModel]:
    """Every version of the tenant's models (of one segment: "" for all segments), newest first."""
    models = HealthModel.objects.filter(tenant=tenant).select_related("created_by")
    if segment is not None:
        models = models.filter(segment=segment)
    return models.order_by("segment", "-version")


def health_model_get(*, tenant: Tenant, health_model_id, segment: str | None = None) -> HealthModel:
    return health_model_versions(tenant=tenant, segment=segment).get(pk=int(health_model_id))


def health_score_list(*, tenant: Tenant) -> QuerySet[HealthScore]:
    return HealthScore.objects.filter(tenant=tenant).select_related("account", "model").order_by("-day", "account_id")


def health_score_get(*, tenant: Tenant, health_score_id: int) -> HealthScore:
    return health_score_list(tenant=tenant).get(pk=health_score_id)


def health_score_latest(*, tenant: Tenant, account: Account) -> HealthScore | None:
    return health_score_list(tenant=tenant).filter(account=account).order_by("-day").first()


def health_score_history(*, tenant: Tenant, account: Account, days: int = 90) -> list[dict]:
    """One entry per day of the last `days` days up to the latest snapshot, oldest first, with
    score and band None on a day without one, so a chart spaces the days truly."""
    latest = HealthScore.objects.filter(tenant=tenant, account=account).order_by("-day").values("day").first()
    if latest is None:
        return []
    until = latest["day"]
    since = until - dt.timedelta(days=days - 1)
    rows = HealthScore.objects.filter(tenant=tenant, account=account, day__gte=since, day__lte=until).values(
        "day", "score", "band"
    )
    by_day = {row["day"]: dict(row) for row in rows}
    first = min(by_day)
    return [
        by_day.get(first + dt.timedelta(days=n), {"day": first + dt.timedelta(days=n), "score": None, "band": ""})
        for n in range((until - first).days + 1)
    ]


@dataclass
class MeasureRow:
    key: str
    label: str
    family: str
    raw: object
    value: str  # the raw value as a person reads it
    points: float | None
    weight: float
    contribution: float | None  # points it adds to the score
    phrase: str
    help: str

    @property
    def has_data(self) -> bool:
        return self.points is not None


@dataclass
class MeasureFamily:
    key: str
    label: str
    rows: list[MeasureRow] = field(default_factory=list)

    @property
    def contribution(self) -> float | None:
        """None when no measure of the family has data: left out, not zero."""
        parts = [r.contribution for r in self.rows if r.contribution is not None]
        return round(sum(parts), 1) if parts else None


def measure_value(key: str, raw) -> str:
    """A measure's raw value as a person reads it (custom measures as they came)."""
    definition = BY_KEY.get(key)
    if definition is not None:
        return definition.format(raw if isinstance(raw, int | float) else None)
    if raw is None or raw == "":
        return "no data"
    if raw is True or raw is False:
        return "Yes" if raw else "No"
    return str(raw)


def measure_table(measures: dict[str, dict]) -> list[MeasureFamily]:
    """A snapshot's measures by family, each with what it adds to the score: points x weight over
    the weights of the measures that have data (a measure without data is left out, not zero)."""
    adds = contributions(measures)
    families = {key: MeasureFamily(key=key, label=label) for key, label in FAMILY_LABELS.items()}
    for key, m in measures.items():
        if m.get("weight", 0) <= 0:
            continue  # switched off in this model
        points = m.get("points")
        contribution = round(adds[key], 1) if key in adds else None
        family_key = m.get("family") or Family.CUSTOM
        family = families.setdefault(family_key, MeasureFamily(key=family_key, label=""))
        definition = BY_KEY.get(key)
        family.rows.append(
            MeasureRow(
                key=key,
                label=m.get("label") or key,
                family=family.key,
                raw=m.get("raw"),
                value=measure_value(key, m.get("raw")),
                points=points,
                weight=m["weight"],
                contribution=contribution,
                phrase=describe(key, m),
                help=definition.help if definition else "",
            )
        )
    return [f for f in families.values() if f.rows]


def health_signal_list(
    *,
    tenant: Tenant,
    status: str | None = None,
    kind: str | None = None,
    severity: str | None = None,
    account: Account | None = None,
    owner: User | None = None,
) -> QuerySet[HealthSignal]:
    """Signals, the most severe first and then the newest, with their account and person."""
    rank = Case(
        *(When(severity=value, then=Value(n)) for value, n in SEVERITY_RANK.items()),
        default=Value(len(SEVERITY_RANK)),
        output_field=IntegerField(),
    )
    signals = HealthSignal.objects.filter(tenant=tenant).select_related("account", "account__owner", "contact")
    if status:
        signals = signals.filter(status=status)
    if kind:
        signals = signals.filter(kind=kind)
    if severity:
        signals = signals.filter(severity=severity)
    if account is not None:
        signals = signals.filter(account=account)
    if owner is not None:
        signals = signals.filter(account__owner=owner)
    return signals.annotate(severity_rank=rank).order_by("severity_rank", "-raised_at", "-id")


def health_signal_get(*, tenant: Tenant, health_signal_id: int) -> HealthSignal:
    return health_signal_list(tenant=tenant).get(pk=health_signal_id)


def contact_health_list(*, tenant: Tenant, account: Account | None = None) -> QuerySet[ContactHealth]:
    """People's own health, power users and the most engaged first."""
    rows = ContactHealth.objects.filter(tenant=tenant).select_related("contact")
    if account is not None:
        rows = rows.filter(account=account)
    return rows.order_by("-is_power_user", "-points", "contact__name", "pk")


def contact_health_get(*, tenant: Tenant, contact_health_id: int) -> ContactHealth:
    return contact_health_list(tenant=tenant).get(pk=contact_health_id)


@dataclass
class MeasureEvents:
    """The rows behind one measure on one day: `kind` says their shape (the template to show them)."""

    kind: str  # people_usage | event_usage | people | tickets | invoices | changes | meetings | nps | none
    window: str
    since: dt.date | None
    until: dt.date
    rows: list = field(default_factory=list)
    truncated: bool = False


def _capped(rows) -> tuple[list, bool]:
    found = list(rows[: MAX_ROWS + 1])
    return found[:MAX_ROWS], len(found) > MAX_ROWS


def _first_of(day: dt.date, days: int) -> dt.date:
    return day - dt.timedelta(days=days - 1)


def _usage_by_person(tenant: Tenant, account: Account, day: dt.date, days: int) -> QuerySet:
    """Per identified person (the ones seats count): events, points, features and last day."""
    return (
        EventRollup.objects.filter(
            tenant=tenant, account=account, contact__isnull=False, day__gte=_first_of(day, days), day__lte=day
        )
        .values("contact_id", "contact__name", "contact__email")
        .annotate(
            events=Sum("count"), total_points=Sum("points"), last_day=Max("day"), features=Count("name", distinct=True)
        )
        .order_by("-total_points", "contact__name")
    )


def _usage_by_event(
    tenant: Tenant, account: Account, *, since: dt.date, split: dt.date, day: dt.date, names: list[str] | None
) -> QuerySet:
    """Per event name: events and points from `split` to `day`, and points from `since` to before `split`."""
    rows = EventRollup.objects.filter(tenant=tenant, account=account, day__gte=since, day__lte=day)
    if names is not None:
        rows = rows.filter(name__in=names)
    return (
        rows.values("name")
        .annotate(
            events=Sum("count", filter=Q(day__gte=split)),
            recent_points=Sum("points", filter=Q(day__gte=split)),
            prior_points=Sum("points", filter=Q(day__lt=split)),
            last_day=Max("day"),
        )
        .order_by(F("recent_points").desc(nulls_last=True), "name")
    )


def _catalogue_names(tenant: Tenant, **flags) -> list[str]:
    return list(EventDefinition.objects.filter(tenant=tenant, **flags).values_list("name", flat=True))


def measure_events(*, tenant: Tenant, account: Account, measure_key: str, day: dt.date) -> MeasureEvents:
    """What a measure read for this account on `day`, row by row, at most MAX_ROWS; the windows
    are the ones the scoring inputs use."""
    end = day_end(tenant, day)
    if measure_key in ("active_seats", "seat_saturation", "feature_breadth"):
        days = 90 if measure_key == "seat_saturation" else 30
        window = f"the last {days} days"
        if measure_key == "feature_breadth":
            curious = _catalogue_names(tenant, is_locked=True) + _catalogue_names(tenant, is_upgrade_page=True)
            rows = (
                EventRollup.objects.filter(tenant=tenant, account=account, day__gte=_first_of(day, days), day__lte=day)
                .exclude(name__in=curious)
                .values("name")
                .annotate(events=Sum("count"), total_points=Sum("points"), last_day=Max("day"))
                .order_by("-total_points", "name")
            )
            found, truncated = _capped(rows)
            return MeasureEvents("event_usage", window, _first_of(day, days), day, found, truncated)
        found, truncated = _capped(_usage_by_person(tenant, account, day, days))
        return MeasureEvents("people_usage", window, _first_of(day, days), day, found, truncated)
    if measure_key == "power_users":
        found, truncated = _capped(contact_health_list(tenant=tenant, account=account))
        return MeasureEvents(
            "people", f"the last {WINDOW_DAYS} days", _first_of(day, WINDOW_DAYS), day, found, truncated
        )
    if measure_key in ("core_trend", "engagement_change"):
        if measure_key == "core_trend":
            since, split = _first_of(day, WINDOW_DAYS), _first_of(day, 30)
            names: list[str] | None = _catalogue_names(tenant, is_core=True)
            window = "core features: the last 30 days against the 60 before"
        else:
            since, split = _first_of(day, 14), _first_of(day, 7)
            names = None
            window = "the last 7 days against the 7 before"
        found, truncated = _capped(_usage_by_event(tenant, account, since=since, split=split, day=day, names=names))
        return MeasureEvents("event_usage_compared", window, since, day, found, truncated)
    if measure_key == "open_tickets":
        rows = (
            SupportTicket.objects.filter(tenant=tenant, account=account)
            .filter(ticket_open_at(end))
            .select_related("contact")
            .order_by("priority", "-opened_at", "-pk")
        )
        found, truncated = _capped(rows)
        return MeasureEvents("tickets", "open at the end of the day", None, day, found, truncated)
    if measure_key == "csat":
        rows = (
            SupportTicket.objects.filter(
                tenant=tenant,
                account=account,
                closed_at__lt=end,
                closed_at__gte=end - dt.timedelta(days=90),
                csat__isnull=False,
            )
            .select_related("contact")
            .order_by("-closed_at", "-pk")
        )
        found, truncated = _capped(rows)
        return MeasureEvents(
            "tickets", "closed with a CSAT in the last 90 days", day - dt.timedelta(days=89), day, found, truncated
        )
    if measure_key == "late_payments":
        rows = Invoice.objects.filter(
            tenant=tenant, account=account, issued_on__lte=day, due_on__gte=_first_of(day, 180)
        ).order_by("-due_on", "-pk")
        found, truncated = _capped(rows)
        for invoice in found:
            invoice.late_by_then = invoice.days_late(day)
            invoice.paid_by_then = invoice.is_paid_by(day)
        return MeasureEvents("invoices", "due in the last 180 days", _first_of(day, 180), day, found, truncated)
    if measure_key == "downgrades":
        rows = SubscriptionChange.objects.filter(
            tenant=tenant,
            account=account,
            kind__in=[SubscriptionChangeKind.DOWNGRADE, SubscriptionChangeKind.SEATS_REMOVED],
            effective_on__gt=day - dt.timedelta(days=90),
            effective_on__lte=day,
        ).order_by("-effective_on", "-pk")
        found, truncated = _capped(rows)
        return MeasureEvents("changes", "the last 90 days", _first_of(day, 90), day, found, truncated)
    if measure_key in ("executive_touchpoint", "no_shows"):
        rows = Meeting.objects.filter(tenant=tenant, account=account, scheduled_at__lt=end)
        held_since: dt.date | None = None  # the executive touchpoint looks at every meeting before the day
        if measure_key == "executive_touchpoint":
            rows = rows.filter(EXECUTIVE_MEETING)
            window = "held meetings with an executive present"
        else:
            rows = rows.filter(
                scheduled_at__gte=end - dt.timedelta(days=90), status__in=[MeetingStatus.HELD, MeetingStatus.NO_SHOW]
            )
            window, held_since = "held and missed meetings of the last 90 days", _first_of(day, 90)
        found, truncated = _capped(rows.order_by("-scheduled_at", "-pk"))
        return MeasureEvents("meetings", window, held_since, day, found, truncated)
    if measure_key == "nps":
        rows = (
            NpsResponse.objects.filter(
                tenant=tenant, account=account, responded_on__lte=day, responded_on__gt=day - dt.timedelta(days=365)
            )
            .select_related("contact")
            .order_by("-responded_on", "-pk")
        )
        found, truncated = _capped(rows)
        return MeasureEvents(
            "nps", "answers of the last 365 days, the latest counts", _first_of(day, 365), day, found, truncated
        )
    return MeasureEvents("none", "", None, day)
