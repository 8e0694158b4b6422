"""How a date, a moment, an amount of money and a count read to a person: the one house style of every page,
email and sentence, so "the renewal is due 6 Dec 2026" and "46,000 EUR" read the same wherever they appear.

- A day is "6 Dec 2026" (Django's "j M Y", the style most pages already used).
- A moment is "6 Dec 2026, 14:30" on the tenant's clock (core.tenant_time): times are stored in UTC and a task
  has no active zone, so the tenant is always passed.
- Money is whole units with thousands separators and the tenant's currency code after: "46,000 EUR". One rule
  for every amount, small ones included (an invoice of 12.50 reads "13 EUR"): a customer-success reader compares
  ARR, deals and invoices, and cents on some amounts but not others made the same number read two ways.
  Halves round away from zero, as people round money. Machine-readable values (CSV, API JSON, chart data,
  form inputs) keep their full precision and never go through here.
- A count is "1 account", "3 accounts", "1,204 accounts".

Pure functions: no database, no active zone, no locale.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from core import tenant_time
from tenancy.models import Tenant

# The same styles in Django's date-format syntax, for the few places that must hand Django a format string.
DAY_FORMAT = "j M Y"
MOMENT_FORMAT = "j M Y, H:i"


def day(value: dt.date) -> str:
    """A calendar day: "6 Dec 2026". A stored moment is not a day until a tenant's zone says which one."""
    if isinstance(value, dt.datetime):
        raise TypeError("day() takes a date; for a stored moment use day_of(moment, tenant).")
    return f"{value.day} {value:%b %Y}"


def day_of(moment: dt.datetime, tenant: Tenant) -> str:
    """The day a stored moment falls on in the tenant's zone: "6 Dec 2026"."""
    return day(tenant_time.day_of(tenant, moment))


def moment(value: dt.datetime, tenant: Tenant) -> str:
    """A stored moment on the tenant's clock: "6 Dec 2026, 14:30"."""
    local = tenant_time.local(tenant, value)
    return f"{day(local.date())}, {local:%H:%M}"


def money(amount: Decimal | int | float | str, tenant: Tenant) -> str:
    """An amount in the tenant's currency: "46,000 EUR" (whole units, see the module note)."""
    whole = Decimal(str(amount)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    # "-0" would read as a loss of nothing: a rounded-away amount is zero.
    return f"{int(whole):,} {tenant.currency}"


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """A count and its noun: plural(1, "account") -> "1 account", plural(1204, "account") -> "1,204 accounts".
    The plural is the noun plus "s" (a consonant's "y" becomes "ies"); pass `nouns` for any other."""
    if count == 1:
        return f"1 {noun}"
    if nouns is None:
        nouns = f"{noun[:-1]}ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else f"{noun}s"
    return f"{count:,} {nouns}"
