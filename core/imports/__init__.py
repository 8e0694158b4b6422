"""The file-import kit every import shares: reading an upload safely (reading), cells safe for spreadsheets
(safety), and the import job with its claim, batches, progress and rejected rows (jobs)."""
