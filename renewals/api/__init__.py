"""REST API of renewals: contracts and amendments, renewals with their checkpoints and forecast history, the
expansion pipeline, the tenant's runway steps and outcome reasons, and the retention metrics.
Every write goes through renewals.services, under the same rules as the pages; registered in config/api_urls.py."""
