import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from health.management.tenants import tenant_from_slug
from health.scoring.detection import signals_announce_day


class Command(BaseCommand):
    help = (
        "Announce again the health signals a tenant's recompute runs raised and resolved for a day, for when "
        "a worker died after a batch committed and before it told the other apps: the CSM alerts, cadence "
        "enrolments, forecast refreshes, expansion opportunities and journey flags it missed are made now, "
        "and what was made already is left as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="The tenant's slug.")
        parser.add_argument(
            "--day", required=True, help="The run's day, YYYY-MM-DD, as the recompute runs page shows it."
        )

    def handle(self, *args, tenant: str, day: str, **options):
        try:
            scored = dt.date.fromisoformat(day)
        except ValueError as error:
            raise CommandError(f"{day!r} is not a day: give it as YYYY-MM-DD.") from error
        target = tenant_from_slug(tenant)
        with scope(tenant=target):
            counts = signals_announce_day(tenant=target, day=scored)
        self.stdout.write(
            f"{target.slug} {scored}: announced again {counts['raised']} raised and {counts['resolved']} resolved "
            "signals; their receivers did what was missing."
        )
