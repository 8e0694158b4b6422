"""Health's pages, thin: one module per feature (usage, records, model, scores) and the tracking API (ingestion).
Their routes are in health/urls.py."""
