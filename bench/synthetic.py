"""Synthetic books of business, shared by the demo and the benchmarks.

ARR is log-normal within each segment's range (a few large accounts, many small
ones), onboarding takes as long as the journey article says per segment, and
every draw comes from one seeded generator so a run is repeatable.
"""

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class SegmentProfile:
    segment: str
    share: float  # of all accounts
    arr_low: int
    arr_median: int
    arr_high: int
    seats: tuple[int, int]
    onboarding_days: tuple[int, int]
    contacts: tuple[int, int]


SEGMENTS = [
    SegmentProfile("enterprise", 0.08, 100_000, 220_000, 1_200_000, (200, 5_000), (60, 120), (5, 8)),
    SegmentProfile("mid_market", 0.32, 12_000, 42_000, 150_000, (25, 400), (30, 60), (3, 5)),
    SegmentProfile("smb", 0.36, 3_000, 8_500, 25_000, (5, 40), (7, 30), (1, 3)),
    SegmentProfile("product_led", 0.24, 500, 2_800, 12_000, (1, 15), (1, 7), (1, 2)),
]
INDUSTRIES = [
    "Software",
    "Retail",
    "Financial services",
    "Healthcare",
    "Manufacturing",
    "Logistics",
    "Media",
    "Education",
    "Energy",
    "Public sector",
]
REGIONS = ["EMEA", "North America", "APAC", "LATAM"]
NAME_PARTS = (
    [
        "Blue",
        "North",
        "Bright",
        "Iron",
        "Silver",
        "Quantum",
        "Green",
        "Summit",
        "Harbor",
        "Nova",
        "Pioneer",
        "Atlas",
        "Vertex",
        "Cedar",
        "Falcon",
        "Orbit",
        "Lumen",
        "Granite",
        "Solar",
        "Crescent",
    ],
    [
        "Logistics",
        "Health",
        "Retail",
        "Labs",
        "Systems",
        "Foods",
        "Energy",
        "Media",
        "Capital",
        "Robotics",
        "Analytics",
        "Works",
        "Networks",
        "Pharma",
        "Mobility",
        "Textiles",
        "Insurance",
        "Studios",
    ],
    ["GmbH", "Inc.", "AG", "Ltd", "SA", "BV", "Co.", "Group", "AB", "Oy"],
)
FIRST_NAMES = [
    "Anna",
    "Ben",
    "Chiara",
    "David",
    "Elif",
    "Felix",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kim",
    "Lea",
    "Mateo",
    "Nora",
    "Omar",
    "Paula",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Yara",
]
LAST_NAMES = [
    "Becker",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jansen",
    "Kowalski",
    "Laine",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Unger",
    "Varga",
]
TITLES = {
    "executive_sponsor": ["VP Operations", "Chief Digital Officer", "CTO", "Head of Customer Experience"],
    "decision_maker": ["Director of IT", "Head of Analytics", "Procurement Lead"],
    "champion": ["Analytics Lead", "Product Operations Manager", "Team Lead Data"],
    "power_user": ["Data Analyst", "Operations Analyst", "BI Developer"],
    "admin": ["IT Administrator", "Systems Engineer"],
    "end_user": ["Analyst", "Account Manager", "Marketing Specialist", "Support Agent"],
}


def lognormal_in_range(rng: random.Random, low: int, median: int, high: int) -> Decimal:
    """A log-normal draw with the given median, redrawn until it falls inside [low, high]."""
    sigma = (math.log(high) - math.log(low)) / 4
    for _ in range(100):
        value = rng.lognormvariate(math.log(median), sigma)
        if low <= value <= high:
            return Decimal(round(value, -2) if value > 1_000 else round(value)).quantize(Decimal("0.01"))
    return Decimal(median)


def account_rows(count: int, *, seed: int = 7, today: dt.date | None = None) -> Iterator[dict]:
    """`count` accounts as plain dicts (the fields account_create takes, plus `contacts_wanted`)."""
    rng = random.Random(seed)
    today = today or dt.date(2026, 11, 23)
    used_names: set[str] = set()
    for n in range(count):
        profile = rng.choices(SEGMENTS, weights=[s.share for s in SEGMENTS])[0]
        arr = lognormal_in_range(rng, profile.arr_low, profile.arr_median, profile.arr_high)
        name = _company_name(rng, used_names)
        signed = today - dt.timedelta(days=rng.randint(20, 3 * 365))
        go_live = signed + dt.timedelta(days=rng.randint(*profile.onboarding_days))
        yield {
            "external_id": f"acct_{n + 1:05d}",
            "name": name,
            "domain": name.split()[0].lower() + name.split()[1].lower() + ".example",
            "segment": profile.segment,
            "arr": arr,
            "acv": arr,
            "seats_purchased": rng.randint(*profile.seats),
            "industry": rng.choice(INDUSTRIES),
            "region": rng.choices(REGIONS, weights=[45, 35, 15, 5])[0],
            "signed_on": signed,
            "go_live_on": go_live if go_live <= today else None,
            "contacts_wanted": rng.randint(*profile.contacts),
        }


def contact_rows(account_external_id: str, count: int, *, rng: random.Random, segment: str) -> Iterator[dict]:
    """People at an account: a champion first, a sponsor at larger accounts, then users."""
    roles_in_order = [
        ["champion", "power_user"],
        ["executive_sponsor", "decision_maker"],
        ["power_user"],
        ["decision_maker"],
        ["admin", "power_user"],
        ["end_user"],
        ["end_user"],
        ["end_user"],
    ]
    if segment in ("smb", "product_led"):
        roles_in_order = [["champion", "admin", "power_user"], ["end_user"], ["decision_maker"]]
    for index in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        roles = roles_in_order[index % len(roles_in_order)]
        yield {
            "external_id": f"{account_external_id}_u{index + 1}",
            "name": f"{first} {last}",
            "email": f"{first}.{last}.{index}@{account_external_id.replace('_', '-')}.example".lower(),
            "title": rng.choice(TITLES[roles[0]]),
            "roles": roles,
            "days_since_seen": rng.choice([0, 1, 2, 3, 5, 8, 13, 22, 35, 60]),
        }


def _company_name(rng: random.Random, used: set[str]) -> str:
    first, second, suffix = NAME_PARTS
    for _ in range(1000):
        name = f"{rng.choice(first)} {rng.choice(second)} {rng.choice(suffix)}"
        if name not in used:
            used.add(name)
            return name
    name = f"{rng.choice(first)} {rng.choice(second)} {len(used)}"
    used.add(name)
    return name
