"""core.text: one way to read a day, a moment, an amount of money and a count, whatever zone the process runs in."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone

from core import text
from tenancy.models import Tenant

# UTC+14: most moments fall on another day than in UTC, so a formatter that ignores the tenant shows it.
KIRITIMATI = Tenant(name="Line Islands", slug="line", time_zone="Pacific/Kiritimati", currency="EUR")
LATE_UTC = dt.datetime(2026, 12, 5, 23, 30, tzinfo=dt.UTC)


def test_a_day_reads_day_month_year_without_a_leading_zero():
    assert text.day(dt.date(2026, 12, 6)) == "6 Dec 2026"
    assert text.day(dt.date(2027, 1, 31)) == "31 Jan 2027"


def test_a_stored_moment_is_not_a_day_until_a_tenant_says_which():
    with pytest.raises(TypeError):
        text.day(LATE_UTC)
    assert text.day_of(LATE_UTC, KIRITIMATI) == "6 Dec 2026"


def test_a_moment_reads_on_the_tenants_clock_even_where_the_process_runs_in_utc():
    with timezone.override(dt.UTC):
        assert text.moment(LATE_UTC, KIRITIMATI) == "6 Dec 2026, 13:30"
    berlin = Tenant(time_zone="Europe/Berlin", currency="EUR")
    assert text.moment(dt.datetime(2026, 7, 1, 7, 5, tzinfo=dt.UTC), berlin) == "1 Jul 2026, 09:05"


@pytest.mark.parametrize(
    "amount, shown",
    [
        (Decimal("46000.00"), "46,000 EUR"),
        (Decimal("1234567.49"), "1,234,567 EUR"),
        (Decimal("12.50"), "13 EUR"),  # halves round away from zero, as people round money
        (Decimal("0.49"), "0 EUR"),
        (Decimal("-1200.50"), "-1,201 EUR"),
        (Decimal("-0.4"), "0 EUR"),  # never "-0"
        (46000, "46,000 EUR"),
        (0.5, "1 EUR"),
    ],
)
def test_money_is_whole_units_with_separators_and_the_tenants_currency_after(amount, shown):
    assert text.money(amount, KIRITIMATI) == shown


def test_money_reads_the_currency_of_the_tenant_it_is_given():
    assert text.money(Decimal("999.99"), Tenant(currency="USD")) == "1,000 USD"


@pytest.mark.parametrize(
    "count, noun, nouns, shown",
    [
        (1, "account", None, "1 account"),
        (0, "account", None, "0 accounts"),
        (1204, "account", None, "1,204 accounts"),
        (2, "opportunity", None, "2 opportunities"),
        (2, "day", None, "2 days"),
        (3, "child", "children", "3 children"),
    ],
)
def test_plural_counts_with_the_right_noun(count, noun, nouns, shown):
    assert text.plural(count, noun, nouns) == shown


def test_the_template_filters_print_what_the_functions_print():
    rendered = Template(
        "{% load text %}{{ d|day }}|{{ m|day:tenant }}|{{ m|moment:tenant }}|{{ a|money:tenant }}|"
        '{{ n|plural:"opportunity" }}|{{ n|plural:"child,children" }}|{{ none|money:tenant|default:"—" }}|'
        '{{ none|day|default:"—" }}'
    ).render(
        Context(
            {
                "d": dt.date(2026, 12, 6),
                "m": LATE_UTC,
                "a": Decimal("46000.00"),
                "n": 2,
                "none": None,
                "tenant": KIRITIMATI,
            }
        )
    )
    assert rendered == "6 Dec 2026|6 Dec 2026|6 Dec 2026, 13:30|46,000 EUR|2 opportunities|2 children|—|—"


def test_the_day_filter_refuses_a_moment_without_the_tenant():
    with pytest.raises(TypeError):
        Template("{% load text %}{{ m|day }}").render(Context({"m": LATE_UTC}))


def test_djangos_format_strings_print_the_same_as_the_functions():
    # tenancy sits below core and writes these formats with Django's |date filter: they must agree.
    from django.utils import dateformat

    local = timezone.localtime(LATE_UTC, KIRITIMATI.zone)
    assert dateformat.format(local, text.DAY_FORMAT) == text.day_of(LATE_UTC, KIRITIMATI)
    assert dateformat.format(local, text.MOMENT_FORMAT) == text.moment(LATE_UTC, KIRITIMATI)
    assert dateformat.format(dt.date(2027, 1, 5), text.DAY_FORMAT) == text.day(dt.date(2027, 1, 5))
