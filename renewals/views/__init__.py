"""Renewals pages: the list and a renewal's page, the checkpoint tasks, the settings, the account card."""
