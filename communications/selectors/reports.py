"""Engagement figures of communications: open, click and unsubscribe rates by message type, cadence and
team over a period, and the promotional-over-educational mix per account and for the tenant.

Seed 004: "If 80% of your communication is promotional and 20% educational, customers switch off. Flip
the ratio and engagement improves dramatically." An account whose promotional messages outnumber its
educational ones is flagged. Every figure is a grouped query: a bounded number of them per report.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q

from core import tenant_time
from tenancy.models import Team, Tenant

from ..models import (
    CalendarEntry,
    Channel,
    Delivery,
    DeliveryStatus,
    EntryStatus,
    MessageType,
    PreferenceChange,
    PreferenceChoice,
)
from .calendar import PLANNED

NO_CADENCE = "No cadence (planned by hand or imported)"
# The entries that reach or will reach the customer: the mix counts these.
MIX_STATUSES = (*PLANNED, EntryStatus.SENT)
UNSUBSCRIBE_SOURCES = (PreferenceChange.Source.ONE_CLICK, PreferenceChange.Source.PREFERENCE_CENTRE)
# What the page lists of the mix; the CSV has every account.
MIX_SHOWN = 100
DIMENSIONS = {
    "message_type": ("By message type", "entry__message_type"),
    "cadence": ("By cadence", "entry__cadence_step__cadence__name"),
    "team": ("By team", "entry__team"),
}
LABELS = {"message_type": dict(MessageType.choices), "team": dict(Team.choices)}


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class RateRow:
    label: str
    sent: int = 0
    opened: int = 0
    clicked: int = 0
    unsubscribed: int = 0

    @property
    def open_rate(self) -> Decimal | None:
        return percent(self.opened, self.sent)

    @property
    def click_rate(self) -> Decimal | None:
        return percent(self.clicked, self.sent)

    @property
    def unsubscribe_rate(self) -> Decimal | None:
        return percent(self.unsubscribed, self.sent)


@dataclass
class MixRow:
    account_id: int | None
    label: str
    promotional: int = 0
    educational: int = 0
    other: int = 0

    @property
    def total(self) -> int:
        return self.promotional + self.educational + self.other

    @property
    def promotional_share(self) -> Decimal | None:
        """Promotional as a share of promotional and educational together (the seed's 80/20)."""
        return percent(self.promotional, self.promotional + self.educational)

    @property
    def flagged(self) -> bool:
        return self.promotional > self.educational


@dataclass
class EngagementReport:
    start: dt.date
    end: dt.date
    total: RateRow
    groups: dict[str, list[RateRow]]
    mix_total: MixRow
    mix: list[MixRow] = field(default_factory=list)

    @property
    def flagged_accounts(self) -> list[MixRow]:
        return [row for row in self.mix if row.flagged]


def _bounds(tenant: Tenant, start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return tenant_time.at(tenant, start), tenant_time.at(tenant, end + dt.timedelta(days=1))


def _label(dimension: str, value) -> str:
    if value in (None, ""):
        return NO_CADENCE if dimension == "cadence" else "—"
    return LABELS.get(dimension, {}).get(value, str(value))


def _rates(tenant: Tenant, since: dt.datetime, until: dt.datetime) -> tuple[RateRow, dict[str, list[RateRow]]]:
    # Opens and clicks are email's: a pixel and a tracked link. Each delivery counts once however often it
    # was opened, so the rate is of deliveries, not of pixel loads.
    deliveries = Delivery.objects.filter(
        tenant=tenant,
        channel=Channel.EMAIL,
        status=DeliveryStatus.SENT,
        entry__sent_at__gte=since,
        entry__sent_at__lt=until,
    )
    measures = {
        "sent": Count("id"),
        "opened": Count("id", filter=Q(opened_at__isnull=False)),
        "clicked": Count("id", filter=Q(clicked_at__isnull=False)),
    }
    total = RateRow("All email", **deliveries.aggregate(**measures))
    # An unsubscribe is a contact who said "none" through the link of a message sent in the period; one-click
    # says it for two types at once, so count each (contact, message) pair once.
    changes = PreferenceChange.objects.filter(
        tenant=tenant,
        to_choice=PreferenceChoice.NONE,
        source__in=UNSUBSCRIBE_SOURCES,
        entry__sent_at__gte=since,
        entry__sent_at__lt=until,
    )
    groups: dict[str, list[RateRow]] = {}
    for dimension, (_heading, path) in DIMENSIONS.items():
        rows: dict = {}
        for values in deliveries.values(group=F(path)).annotate(**measures).order_by():
            rows[values["group"]] = RateRow(
                _label(dimension, values["group"]), values["sent"], values["opened"], values["clicked"]
            )
        for key, _entry, _contact in changes.values_list(path, "entry_id", "contact_id").distinct().order_by():
            row = rows.setdefault(key, RateRow(_label(dimension, key)))
            row.unsubscribed += 1
        groups[dimension] = sorted(rows.values(), key=lambda r: (-r.sent, r.label))
    total.unsubscribed = changes.values_list("entry_id", "contact_id").distinct().order_by().count()
    return total, groups


def _mix(tenant: Tenant, since: dt.datetime, until: dt.datetime) -> tuple[MixRow, list[MixRow]]:
    counts = (
        CalendarEntry.objects.filter(
            tenant=tenant, status__in=MIX_STATUSES, scheduled_at__gte=since, scheduled_at__lt=until
        )
        .values("account_id", "account__name", "message_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    total = MixRow(None, "All accounts")
    rows: dict[int, MixRow] = {}
    for values in counts:
        row = rows.setdefault(values["account_id"], MixRow(values["account_id"], values["account__name"]))
        for target in (row, total):
            if values["message_type"] == MessageType.PROMOTIONAL:
                target.promotional += values["n"]
            elif values["message_type"] == MessageType.EDUCATIONAL:
                target.educational += values["n"]
            else:
                target.other += values["n"]
    # The accounts that need a change of mix first: flagged, most promotional, then by name.
    ordered = sorted(
        rows.values(), key=lambda r: (not r.flagged, -(r.promotional_share or Decimal(-1)), r.label.casefold())
    )
    return total, ordered


def engagement_report(*, tenant: Tenant, start: dt.date, end: dt.date) -> EngagementReport:
    """The figures of the local days [start, end]: deliveries sent in them, entries planned in them."""
    since, until = _bounds(tenant, start, end)
    total, groups = _rates(tenant, since, until)
    mix_total, mix = _mix(tenant, since, until)
    return EngagementReport(start=start, end=end, total=total, groups=groups, mix_total=mix_total, mix=mix)


CSV_COLUMNS = [
    "section",
    "group",
    "sent",
    "opened",
    "clicked",
    "unsubscribed",
    "open_rate_pct",
    "click_rate_pct",
    "unsubscribe_rate_pct",
    "promotional",
    "educational",
    "other",
    "promotional_share_pct",
    "flagged",
]


def report_csv_rows(report: EngagementReport) -> list[list]:
    """Every figure of the report as rows (header first): the rates, then the mix of every account."""
    rows: list[list] = [CSV_COLUMNS]

    def rate(section: str, row: RateRow) -> list:
        return [
            section,
            row.label,
            row.sent,
            row.opened,
            row.clicked,
            row.unsubscribed,
            row.open_rate,
            row.click_rate,
            row.unsubscribe_rate,
            "",
            "",
            "",
            "",
            "",
        ]

    def mix(row: MixRow) -> list:
        return [
            "mix",
            row.label,
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            row.promotional,
            row.educational,
            row.other,
            row.promotional_share,
            "yes" if row.flagged else "no",
        ]

    rows.append(rate("total", report.total))
    for dimension, group_rows in report.groups.items():
        rows.extend(rate(dimension, row) for row in group_rows)
    rows.append(mix(report.mix_total))
    rows.extend(mix(row) for row in report.mix)
    return [[("" if cell is None else cell) for cell in row] for row in rows]
