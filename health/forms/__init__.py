"""Health's forms, one module per feature (usage, records, model)."""
