"""Reading typed values from what people type or put in spreadsheets, with errors that say what was expected."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

TRUE_WORDS = {"true", "yes", "y", "1", "ja", "x"}
FALSE_WORDS = {"false", "no", "n", "0", "nein", ""}
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y", "%Y/%m/%d")
MAX_MONEY = Decimal("999999999999.99")


def parse_decimal(value, *, minimum: Decimal | None = Decimal(0), maximum: Decimal = MAX_MONEY) -> Decimal:
    if isinstance(value, Decimal):
        number = value
    else:
        text = str(value).strip().replace(" ", "").replace("_", "").replace("\u00a0", "")
        text = _plain_number(text)
        for symbol in ("$", "€", "£", "EUR", "USD"):
            text = text.replace(symbol, "")
        try:
            number = Decimal(text)
        except InvalidOperation as error:
            raise ValidationError(f"{value!r} is not a number.") from error
    if not number.is_finite():
        raise ValidationError(f"{value!r} is not a number.")
    if minimum is not None and number < minimum:
        raise ValidationError(f"{value} is below the minimum of {minimum}.")
    if number > maximum:
        raise ValidationError(f"{value} is above the maximum of {maximum}.")
    return number.quantize(Decimal("0.01"))


def _plain_number(text: str) -> str:
    """1,234,567.89 / 1.234.567,89 / 1234,5 -> digits with a decimal point.

    With both separators the last one is the decimal mark; a lone comma followed by
    exactly three digits (1,200) is a thousands separator, otherwise a decimal comma.
    """
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            return text.replace(".", "").replace(",", ".")
        return text.replace(",", "")
    if text.count(",") == 1 and len(text.split(",")[1]) != 3:
        return text.replace(",", ".")
    return text.replace(",", "")


def parse_int(value, *, minimum: int = 0, maximum: int = 10_000_000) -> int:
    number = parse_decimal(value, minimum=Decimal(minimum), maximum=Decimal(maximum))
    if number != number.to_integral_value():
        raise ValidationError(f"{value!r} is not a whole number.")
    return int(number)


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError(f"{value!r} is not yes or no.")


def parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if "T" in text or (" " in text and ":" in text):
        text = text.replace("T", " ").split(" ")[0]
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationError(f"{value!r} is not a date; use YYYY-MM-DD.")


def parse_moment(value, zone: dt.tzinfo) -> dt.datetime:
    """A date, a date and time, or ISO 8601 with an offset; without an offset it is in `zone`."""
    try:
        moment = parse_datetime(str(value).strip())
    except ValueError:
        moment = None
    if moment is None:
        moment = dt.datetime.combine(parse_date(value), dt.time())
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, zone)


def parse_choice(value, choices: list[tuple[str, str]] | list[str]) -> str:
    """A choice by its value or its label, in any case: 'Mid-market', 'mid_market' and 'MID-MARKET' all work."""
    pairs = [(c, c) if isinstance(c, str) else c for c in choices]

    def norm(text: str) -> str:
        return "".join(ch for ch in str(text).lower() if ch.isalnum())

    wanted = norm(value)
    for stored, label in pairs:
        if wanted in (norm(stored), norm(label)):
            return stored
    allowed = ", ".join(label for _, label in pairs)
    raise ValidationError(f"{value!r} is not one of: {allowed}.")
