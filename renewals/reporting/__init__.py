"""Pure computation behind renewals' metrics (no ORM, no request): the periods they are measured over
(periods.py) and the ratios they report (rates.py)."""
