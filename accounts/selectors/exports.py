"""The book of business as CSV, streamed row by row so a 100,000-account book never sits in memory."""

import csv
from collections.abc import Iterator

from django.db.models import QuerySet

from core.imports.safety import safe_cell

from ..models import Account, CustomFieldDefinition

CHUNK_SIZE = 2000
COLUMNS = [
    "external_id",
    "name",
    "domain",
    "segment",
    "arr",
    "acv",
    "currency",
    "seats_purchased",
    "industry",
    "region",
    "owner_email",
    "service_tier",
    "tier_override",
    "is_strategic",
    "signed_on",
    "go_live_on",
    "status",
    "parent_external_id",
]


class _Echo:
    """A file-like object whose write() hands the formatted line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def accounts_csv(
    *, accounts: QuerySet[Account], definitions: list[CustomFieldDefinition], currency: str
) -> Iterator[str]:
    """The header and one line per account, in the order of `accounts`; one column per custom field.

    Values are written as the import reads them (codes, not labels; ISO dates), and every
    cell goes through `safe_cell`. It reads only the queryset it is given, never a model
    manager, so a StreamingHttpResponse may consume it after the request's tenant scope ended.
    """
    writer = csv.writer(_Echo())
    keys = [definition.key for definition in definitions]
    yield writer.writerow([*COLUMNS, *(f"cf_{key}" for key in keys)])
    rows = accounts.select_related("owner", "service_tier", "parent").iterator(chunk_size=CHUNK_SIZE)
    for account in rows:
        values = [
            account.external_id,
            account.name,
            account.domain,
            account.segment,
            account.arr,
            account.acv,
            currency,
            account.seats_purchased,
            account.industry,
            account.region,
            account.owner.email if account.owner else None,
            account.service_tier.name if account.service_tier else None,
            account.tier_override,
            account.is_strategic,
            account.signed_on,
            account.go_live_on,
            account.status,
            account.parent.external_id if account.parent else None,
            *(account.custom_fields.get(key) for key in keys),
        ]
        yield writer.writerow([safe_cell(value) for value in values])
