"""Every write of health with a business rule, one module per feature; the pages, the API, the tasks and the
demo call these.

- usage.py: the event catalogue's points and flags, ingestion settings, raw events' retention, rollup rebuilds;
- records.py: the customer's records (tickets, invoices, subscription changes, meetings, NPS): create, update,
  delete and bulk upsert by external id, with the rules every path shares; record_imports.py: their CSV/Excel
  import as background work, record_import_checks.py: its columns and row checks;
- scores.py: health models, scoring a day for a set of accounts, one account now, history backfills;
  score_writes.py: its set-based writes; detection.py: the health signals a day's scores raise and resolve;
- signal_tasks.py: a task made of a health signal (activities), once per signal;
- runs.py: recompute runs (the nightly one and the manual ones) and their batches;
- backtest.py, backtest_jobs.py: how the models in effect (or a candidate) would have warned of churn.

Usage ingestion's pipeline is health.ingestion (its entry point: health.ingestion.services.ingest).
"""
