"""The ratio and percentage of the metrics: Decimals to fixed places, None where there is no whole."""

from decimal import Decimal

RATE_PLACES = Decimal("0.000001")


def ratio(part, whole) -> Decimal | None:
    """part / whole as a Decimal to six places (1.0925 is 109.25%); None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES)


def percent(rate: Decimal | None) -> Decimal | None:
    return None if rate is None else (rate * 100).quantize(Decimal("0.01"))
