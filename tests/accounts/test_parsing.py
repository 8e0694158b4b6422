from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.parsing import parse_bool, parse_choice, parse_date, parse_decimal


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1234.5", "1234.50"),
        ("1,234,567.89", "1234567.89"),
        ("1.234.567,89", "1234567.89"),
        ("1.200,50", "1200.50"),
        ("12,5", "12.50"),
        ("1,200", "1200.00"),
        ("€ 48 000", "48000.00"),
        ("USD 3,200.00", "3200.00"),
    ],
)
def test_numbers_as_spreadsheets_write_them(text, number):
    assert parse_decimal(text) == Decimal(number)


def test_numbers_out_of_range_or_not_numbers_say_why():
    with pytest.raises(ValidationError, match="below the minimum of 0"):
        parse_decimal("-5")
    with pytest.raises(ValidationError, match="is not a number"):
        parse_decimal("abc")


def test_dates_yes_no_and_choices():
    assert str(parse_date("23.11.2026")) == "2026-11-23"
    assert str(parse_date("2026-11-23T10:00:00Z")) == "2026-11-23"
    assert parse_bool("Ja") is True and parse_bool("no") is False
    assert parse_choice("MID-MARKET", [("mid_market", "Mid-market"), ("smb", "SMB")]) == "mid_market"
    with pytest.raises(ValidationError, match="is not one of: Mid-market, SMB"):
        parse_choice("huge", [("mid_market", "Mid-market"), ("smb", "SMB")])
