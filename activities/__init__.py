"""Tasks and notes: a CSM's work on an account and the record of what was done.

One Task model for the whole platform, placed just above accounts so that every app (health, renewals,
journeys, communications, playbooks) can create tasks without importing upwards; one inbox reads it.
"""
