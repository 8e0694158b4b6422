"""The dashboard reads from every app and owns no domain data."""
