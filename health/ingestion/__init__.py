"""Usage ingestion: a Segment- and RudderStack-compatible tracking API.

- limits.py: what a request and an event may weigh;
- parsing.py: a request body into calls, and each call checked and normalised;
- timestamps.py: ISO-8601 times and Segment's clock-skew correction;
- identity.py, traits.py: group, identify and alias: who and which account each call is for;
- writer.py: raw events, the catalogue, and the attribution of earlier events;
- rollups.py: the daily rollups, added to per batch and rebuilt from raw events;
- services.py: `ingest`, the one entry point of the views, the demo and backfills;
- backfill.py: CSV and JSON-lines files of past calls, fed to `ingest` (the backfill_events command);

Its endpoints (POST /v1/batch, /v1/track, /v1/identify, /v1/group, /v1/page, /v1/screen, /v1/alias) are
health/views/ingestion.py, routed by health.urls.tracking_urlpatterns.
"""
