"""The pure part of the import of accounts and contacts (no ORM, no request): what an import can fill and
guessing which column fills which (mapping.py), and checking every row against what the database holds,
read once by the run (validation.py). The import's job lives in the layers: selectors/imports.py,
services/imports.py (upload, mapping, queue, claim), services/import_runs.py (the run),
services/import_writes.py (the bulk writes), services/import_runners.py (the runs other apps register),
forms/imports.py and views/imports.py."""
