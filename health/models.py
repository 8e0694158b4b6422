"""Health: Event ingestion (Segment-compatible), rollups, the health model, scores and signals."""
