import secrets

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from tenancy import services
from tenancy.models import Tenant, User


class Command(BaseCommand):
    help = "Create a tenant and its first admin (creating the user if needed)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The organisation's name, e.g. 'Acme Analytics'.")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-name", default="")
        parser.add_argument("--admin-password", help="Without it a new user gets a random password, printed once.")
        parser.add_argument("--slug", help="Defaults to the name, slugified.")
        parser.add_argument("--time-zone", default="UTC")
        parser.add_argument("--currency", default="USD")

    def handle(self, *args, name, admin_email, admin_name, admin_password, slug, time_zone, currency, **options):
        slug = slug or slugify(name)
        if Tenant.objects.filter(slug=slug).exists():
            raise CommandError(f"A tenant with the slug {slug!r} exists already.")
        generated = None
        try:
            with transaction.atomic():
                user = User.objects.filter(email=admin_email.lower()).first()
                if user is None:
                    generated = None if admin_password else secrets.token_urlsafe(12)
                    password = admin_password or generated
                    user = services.user_create(email=admin_email, full_name=admin_name, password=password)
                tenant = services.tenant_create(
                    name=name, slug=slug, admin=user, time_zone=time_zone, currency=currency
                )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(f"Created tenant {tenant.name} ({tenant.slug}) with admin {user.email}."))
        if generated:
            self.stdout.write(f"Password for {user.email}: {generated}")
