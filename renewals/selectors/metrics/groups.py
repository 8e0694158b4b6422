"""The groupings of the renewal metrics: whole tenant, segment, service tier, CSM and signup cohort.

An account is grouped by what it is today (its current segment, tier and owner), not by what it was
during the period. Its cohort is its signup quarter ("2025-Q3"), by `accounts.cohorts.signup_cohort`: the
same rule as journeys' analytics.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from accounts.cohorts import signup_cohort
from accounts.models import Account, Segment
from tenancy.models import Tenant

GROUPINGS = {
    "tenant": "Whole book",
    "segment": "Segment",
    "tier": "Service tier",
    "csm": "CSM",
    "cohort": "Signup cohort",
}
ALL_ACCOUNTS, NO_TIER, NO_OWNER = "All accounts", "No tier", "No owner"
SEGMENT_ORDER = {value: position for position, value in enumerate(Segment.values)}
SEGMENT_LABELS = dict(Segment.choices)
LAST = (1, "")


@dataclass(frozen=True)
class GroupKey:
    key: str
    label: str
    # How the groups of one grouping are ordered on the page and in the CSV.
    order: tuple


@dataclass(frozen=True)
class AccountGroups:
    """An account's group in each grouping."""

    account_id: int
    groups: dict[str, GroupKey]

    def of(self, grouping: str | None) -> GroupKey:
        return self.groups[grouping or "tenant"]


def cohort_of(signed_on: dt.date | None, created_at: dt.datetime, zone: ZoneInfo) -> GroupKey:
    label = signup_cohort(signed_on=signed_on, created_at=created_at, zone=zone)
    return GroupKey(label, label, (0, label))


ACCOUNT_FIELDS = [
    "id",
    "segment",
    "service_tier_id",
    "service_tier__name",
    "service_tier__rank",
    "owner_id",
    "owner__full_name",
    "owner__email",
    "signed_on",
    "created_at",
]
RENEWAL_ACCOUNT_FIELDS = [f"account__{name}" if name != "id" else "account_id" for name in ACCOUNT_FIELDS]


def groups_from_row(row: dict, zone: ZoneInfo, prefix: str = "") -> AccountGroups:
    """An account's groups from a `values()` row of ACCOUNT_FIELDS (or of them behind `prefix`)."""

    def get(name: str):
        return row[f"{prefix}{name}"]

    segment = get("segment")
    tier_id, owner_id = get("service_tier_id"), get("owner_id")
    tier = (
        GroupKey(
            str(tier_id), get("service_tier__name"), (0, -(get("service_tier__rank") or 0), get("service_tier__name"))
        )
        if tier_id
        else GroupKey("", NO_TIER, LAST)
    )
    owner_label = (get("owner__full_name") or get("owner__email")) if owner_id else NO_OWNER
    csm = GroupKey(str(owner_id), owner_label, (0, owner_label.lower())) if owner_id else GroupKey("", NO_OWNER, LAST)
    return AccountGroups(
        account_id=row["account_id" if prefix else "id"],
        groups={
            "tenant": GroupKey("all", ALL_ACCOUNTS, (0,)),
            "segment": GroupKey(segment, SEGMENT_LABELS.get(segment, segment), (SEGMENT_ORDER.get(segment, 99),)),
            "tier": tier,
            "csm": csm,
            "cohort": cohort_of(get("signed_on"), get("created_at"), zone),
        },
    )


def account_groups(*, tenant: Tenant, account_ids) -> dict[int, AccountGroups]:
    """The groups of these accounts, in one query."""
    rows = Account.objects.filter(tenant=tenant, id__in=list(account_ids)).values(*ACCOUNT_FIELDS)
    return {row["id"]: groups_from_row(row, tenant.zone) for row in rows}


def check_grouping(group_by: str | None) -> str:
    grouping = group_by or "tenant"
    if grouping not in GROUPINGS:
        raise ValueError(f"Unknown grouping {group_by!r}: one of {', '.join(GROUPINGS)}.")
    return grouping
