"""The scoring engine, pure (no queries, no request): the measures and their points (measures.py), scores from
inputs under a health model (engine.py) and the sentences that explain them (explain.py)."""
