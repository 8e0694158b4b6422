from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from health.ingestion.backfill import backfill
from health.management.tenants import tenant_from_slug

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = "Load historical usage events (JSON lines of Segment calls, or CSV) through the ingestion path."

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            help="A .jsonl/.ndjson file of Segment calls, or a .csv with the columns "
            "type,event,name,userId,anonymousId,groupId,timestamp,messageId,properties",
        )
        parser.add_argument("--tenant", required=True, help="The tenant's slug.")
        parser.add_argument("--format", choices=["jsonl", "csv"], help="Defaults to the file's extension.")

    def handle(self, *args, file: str, tenant: str, format: str | None, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"There is no file {path}.")
        target = tenant_from_slug(tenant)
        fmt = format or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as error:
            raise CommandError(f"{path} is not UTF-8 text (byte {error.start}).") from error
        result = backfill(tenant=target, text=text, fmt=fmt)
        self.stdout.write(
            f"{result.stored} events stored, {result.duplicates} already there, {len(result.rejected)} rejected."
        )
        for line, reason in result.rejected[:SHOWN_ERRORS]:
            self.stdout.write(f"  line {line}: {reason}")
        if len(result.rejected) > SHOWN_ERRORS:
            self.stdout.write(f"  … and {len(result.rejected) - SHOWN_ERRORS} more (see Health → Ingestion errors).")
