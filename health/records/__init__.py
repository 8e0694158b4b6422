"""The customer's records behind the support, financial and relationship measures (tickets, invoices,
subscription changes, meetings, NPS): how they arrive and how they show. A health signal is something else
(health.models.HealthSignal, raised by the scoring).

- kinds.py: the five kinds (tickets, invoices, subscription changes, meetings, NPS) and what differs between them;
- services.py: create, update, delete and bulk upsert (by external id), with the rules every path shares;
- selectors.py: lists, lookups and the account timeline;
- serializers.py, api.py: the REST API (single and bulk writes), registered in config/api_urls.py;
- imports.py, forms.py, views.py, urls.py: the CSV/Excel import and the timeline pages.

Usage events live in health.ingestion and never show here.
"""
