import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from health.management.tenants import tenant_from_slug
from health.services.usage import account_rollups_rebuild, rollups_rebuild


class Command(BaseCommand):
    help = (
        "Recompute a tenant's daily usage rollups from its raw events (days in the tenant's time zone). "
        "Gives the same rows as ingestion keeps; days older than the oldest raw event kept are left alone. "
        "With --accounts-only, sums the account rollups again from the per-person ones (no raw event read)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="The tenant's slug.")
        parser.add_argument("--since", help="First day to recompute, YYYY-MM-DD (default: the oldest raw event's).")
        parser.add_argument(
            "--accounts-only", action="store_true", help="Only the account rollups, from the per-person ones."
        )

    def handle(self, *args, tenant: str, since: str | None, accounts_only: bool = False, **options):
        found = tenant_from_slug(tenant)
        try:
            first_day = dt.date.fromisoformat(since) if since else None
        except ValueError as error:
            raise CommandError(f"--since {since!r} is not a day; use YYYY-MM-DD.") from error
        rebuild = account_rollups_rebuild if accounts_only else rollups_rebuild
        with scope(tenant=found):
            written = rebuild(tenant=found, since=first_day)
        since_text = f" from {first_day}" if first_day else ""
        kind = "account rollup" if accounts_only else "rollup"
        self.stdout.write(f"{found.slug}: {written} {kind} rows recomputed{since_text}")
