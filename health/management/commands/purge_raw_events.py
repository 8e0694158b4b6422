from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from core.text import plural
from health.services.usage import raw_events_purge
from tenancy.models import Tenant


class Command(BaseCommand):
    help = (
        "Delete raw usage events older than each tenant's retention (ingestion settings), in batches. "
        "The daily rollups that health reads stay."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="One tenant's slug; without it, every tenant.")
        parser.add_argument("--batch-size", type=int, default=5_000)

    def handle(self, *args, tenant: str | None, batch_size: int, **options):
        tenants = Tenant.objects.order_by("slug")
        if tenant:
            tenants = tenants.filter(slug=tenant)
            if not tenants.exists():
                raise CommandError(f"There is no tenant with the slug {tenant!r}.")
        for each in tenants:
            with scope(tenant=each):
                deleted = raw_events_purge(tenant=each, batch_size=batch_size)
            self.stdout.write(f"{each.slug}: {plural(deleted, 'raw event')} deleted")
