"""Synthetic product usage as Segment calls, with the account stories health looks for.

Each account follows a story over the days: steady, slowly declining, its power
user going silent, growing into its seats with advanced features, or churning.
The calls are what an SDK would send, so they go through the real ingestion.
"""

import datetime as dt
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

STEADY, DECLINING, POWER_USER_SILENT, SATURATING, CHURNING = (
    "steady",
    "declining",
    "power_user_silent",
    "saturating",
    "churning",
)
# (event name, relative frequency, kind): points are set in the catalogue, not here.
CORE_EVENTS = [
    ("Logged In", 30, "track"),
    ("Dashboard Viewed", 25, "track"),
    ("Report Created", 8, "track"),
    ("Report Published", 5, "track"),
    ("Data Source Connected", 1, "track"),
    ("Teammate Invited", 1, "track"),
    ("Alert Configured", 3, "track"),
    ("Reports", 6, "page"),
    ("Settings", 2, "page"),
]
ADVANCED_EVENTS = [("Advanced Query Run", 6, "track"), ("Export Scheduled", 3, "track")]
CURIOUS_EVENTS = [("SSO Settings Viewed", 1, "track"), ("Pricing", 1, "page")]
NAMESPACE = uuid.UUID("6f1d3c2e-5a4b-4c3d-9e8f-7a6b5c4d3e2f")


@dataclass
class AccountUsage:
    external_id: str
    user_ids: list[str]
    story: str = STEADY
    intensity: float = 1.0  # events per active user and day, relative
    ends_on: dt.date | None = None  # a churned account stops using the product
    silent_from: dt.date | None = None  # when the power user (the first user) stopped
    extra: dict = field(default_factory=dict)


def _activity(usage: AccountUsage, day_index: int, days: int, day: dt.date) -> float:
    if usage.story == DECLINING:
        return max(0.25, 1.0 - 0.75 * day_index / days)
    if usage.story == SATURATING:
        return 0.8 + 0.6 * day_index / days
    if usage.story == CHURNING and usage.ends_on:
        # Churn is seen coming: use fades over the 100 days before the account leaves.
        left = (usage.ends_on - day).days
        if left < 100:
            return max(0.1, left / 100)
    return 1.0


def usage_calls(accounts: list[AccountUsage], *, today: dt.date, days: int = 120, seed: int = 5) -> Iterator[dict]:
    """Track and page calls, day by day, with deterministic message ids (a rerun stores nothing twice)."""
    rng = random.Random(seed)
    start = today - dt.timedelta(days=days - 1)
    for day_index in range(days):
        day = start + dt.timedelta(days=day_index)
        weekend = day.weekday() >= 5
        for usage in accounts:
            if usage.ends_on and day > usage.ends_on:
                continue
            level = _activity(usage, day_index, days, day) * usage.intensity * (0.25 if weekend else 1.0)
            for position, user_id in enumerate(usage.user_ids):
                if position == 0 and usage.silent_from and day >= usage.silent_from:
                    continue
                # The first user is the power user: most active, and the one who uses advanced features.
                per_user = level * (3.2 if position == 0 else 1.0)
                count = _poisson(rng, per_user * 0.9)
                events = CORE_EVENTS + (ADVANCED_EVENTS if usage.story == SATURATING or position == 0 else [])
                if usage.story == SATURATING and rng.random() < 0.15:
                    events = events + CURIOUS_EVENTS
                for n in range(count):
                    name, _weight, kind = rng.choices(events, weights=[e[1] for e in events])[0]
                    moment = dt.datetime.combine(
                        day, dt.time(8 + rng.randint(0, 10), rng.randint(0, 59)), tzinfo=dt.UTC
                    )
                    yield _call(
                        kind, name, user_id, usage.external_id, moment, f"{usage.external_id}/{day}/{user_id}/{n}"
                    )


def _call(kind: str, name: str, user_id: str, group_id: str, moment: dt.datetime, key: str) -> dict:
    stamp = moment.isoformat().replace("+00:00", "Z")
    call = {
        "type": kind,
        "userId": user_id,
        "messageId": str(uuid.uuid5(NAMESPACE, key)),
        "timestamp": stamp,
        "sentAt": stamp,
        "context": {"groupId": group_id, "library": {"name": "analytics-python", "version": "2.3.3"}},
        "properties": {},
    }
    if kind == "track":
        call["event"] = name
    else:
        call["name"] = name
        call["properties"] = {"name": name, "path": "/" + name.lower()}
    return call


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: small means only, which is what daily events per user are.
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
