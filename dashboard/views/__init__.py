"""The dashboard's pages, one module per feature: the home page, the reports, the account 360."""
