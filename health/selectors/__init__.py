"""Every read of health worth a name, one module per feature; each takes the tenant.

- usage.py: ingestion settings, the event catalogue, ingestion errors, rollups and the usage overview;
- records.py: the customer's records, their lookups and an account's timeline (record_timeline.py: one record as
  one timeline item);
- scores.py: health models, scores, health signals, people's health and the rows behind a measure;
  signal_tasks.py: one signal, and signals with the tasks made of them;
- inputs.py: the raw values behind every measure for a set of accounts on a day (adoption.py: usage's part,
  from the rollups; rows.py: a queryset's rows as plain tuples for the large reads).
"""
