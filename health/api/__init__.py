"""Health's REST API, one module per feature (usage, records, model, scores), registered in config/api_urls.py."""
