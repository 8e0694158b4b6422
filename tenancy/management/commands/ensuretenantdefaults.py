from django.core.management.base import BaseCommand, CommandError

from tenancy import services
from tenancy.models import Tenant


class Command(BaseCommand):
    help = (
        "Give tenants the defaults a new tenant gets (tiers, health model, runways, cadences, caps...): "
        "for tenants made before they existed. Makes only what is missing; an admin's changes are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="Tenant slugs; every tenant when none is given.")

    def handle(self, *args, slugs, **options):
        tenants = Tenant.objects.order_by("slug")
        if slugs:
            tenants = tenants.filter(slug__in=slugs)
            missing = sorted(set(slugs) - set(tenants.values_list("slug", flat=True)))
            if missing:
                raise CommandError(f"No tenant with the slug {', '.join(missing)}.")
        for tenant in tenants:
            services.tenant_defaults_ensure(tenant=tenant)
            self.stdout.write(f"{tenant.slug}: defaults in place.")
