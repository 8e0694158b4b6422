"""Accounts: Account, Contact, ServiceTier, tier history, unit economics and CSV import."""
