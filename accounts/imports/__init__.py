"""Bulk imports of accounts and contacts from CSV and Excel files."""
