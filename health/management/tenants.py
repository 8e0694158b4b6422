"""What the health commands share: the tenant named by --tenant."""

from django.core.management.base import CommandError

from tenancy.models import Tenant


def tenant_from_slug(slug: str) -> Tenant:
    """The tenant with this slug, or a CommandError that names the slug."""
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        raise CommandError(f"There is no tenant with the slug {slug!r}.")
    return tenant
