"""What a new tenant starts with, as plain data copied into it on first use and editable there: the seed's
cadences (cadences.py) and the rules that protect the customer (rules.py: caps, blackouts, send permissions)."""
