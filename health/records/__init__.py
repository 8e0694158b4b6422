"""The customer's records behind the support, financial and relationship measures (tickets, invoices,
subscription changes, meetings, NPS): how they arrive and how they show. A health signal is something else
(health.models.HealthSignal, raised by the scoring).

- kinds.py: the five kinds (tickets, invoices, subscription changes, meetings, NPS) and what differs between them;
- services.py: create, update, delete and bulk upsert (by external id), with the rules every path shares;
- selectors.py: lists, lookups and the account timeline;
- imports.py: the CSV/Excel import's columns and row checks; import_jobs.py: the import as background work;

and in health's layers: api/records.py and api/record_serializers.py (the REST API, single and bulk writes,
registered in config/api_urls.py), forms/records.py and views/records.py (the import and the timeline pages).

Usage events live in health.ingestion and never show here.
"""
