"""Reads of records that the API, the import and the pages share; every one takes the tenant."""

from collections.abc import Iterable

from django.db.models import QuerySet

from accounts.models import Account
from activities.selectors.notes import account_notes
from tenancy.models import Tenant
from tenancy.parsing import storable_text

from ..models.record_kinds import KINDS, RecordKind
from ..models.records import Record
from .record_timeline import note_item, timeline_item

# SQLite allows a few thousand parameters per query; PostgreSQL more. Chunks stay under both.
CHUNK = 1000


def record_list(*, tenant: Tenant, kind: RecordKind) -> QuerySet[Record]:
    """The kind's records, newest first, with what a list row shows read in the same query."""
    related = ["account", "contact"] if kind.has_contact else ["account"]
    return kind.model.objects.filter(tenant=tenant).select_related(*related).order_by(f"-{kind.date_field}", "-pk")


def record_get(*, tenant: Tenant, kind: RecordKind, record_id: int) -> Record:
    return record_list(tenant=tenant, kind=kind).get(pk=record_id)


def record_by_external_id(*, tenant: Tenant, kind: RecordKind, external_ids: Iterable[str]) -> dict[str, Record]:
    """The records with these external ids (blank ids never match: they mean "no id"; nor do ids no row
    can hold, such as one with a NUL character)."""
    wanted = sorted({external_id for external_id in external_ids if external_id and storable_text(external_id)})
    found: dict[str, Record] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = record_list(tenant=tenant, kind=kind).filter(external_id__in=wanted[start : start + CHUNK])
        found.update((row.external_id, row) for row in rows)
    return found


def record_external_id_taken(*, tenant: Tenant, record: Record) -> bool:
    """Whether another record of the same kind has this record's external id."""
    if not record.external_id:
        return False
    others = type(record).objects.filter(tenant=tenant, external_id=record.external_id)
    return others.exclude(pk=record.pk).exists() if record.pk else others.exists()


def account_timeline(*, tenant: Tenant, account: Account, limit: int = 50, offset: int = 0) -> list[dict]:
    """The account's tickets, invoices, subscription changes, meetings, NPS responses and the notes its CSMs
    logged (activities), newest first,
    as dicts with `when`, `all_day`, `kind`, `title`, `detail` and `tone` (good, neutral or bad).

    One query per kind: each gives its newest `offset + limit` rows, which are enough to fill the
    page whatever the mix; deep pages cost more, and a person rarely goes there.
    """
    wanted = offset + limit
    items: list[dict] = []
    for kind in KINDS.values():
        rows = record_list(tenant=tenant, kind=kind).filter(account=account)
        items.extend(timeline_item(row, tenant=tenant) for row in rows[:wanted])
    notes = account_notes(tenant=tenant, account_id=account.pk)
    items.extend(note_item(note, tenant=tenant) for note in notes[:wanted])
    # sorted() is stable: same-moment items keep the order of KINDS.
    items = sorted(items, key=lambda item: item["when"], reverse=True)
    return items[offset : offset + limit]


def account_timeline_count(*, tenant: Tenant, account: Account) -> int:
    records = sum(kind.model.objects.filter(tenant=tenant, account=account).count() for kind in KINDS.values())
    return records + account_notes(tenant=tenant, account_id=account.pk).count()


class AccountTimeline:
    """The timeline as a sequence Django's Paginator can page through: it counts, and reads one page per slice."""

    def __init__(self, *, tenant: Tenant, account: Account):
        self.tenant, self.account = tenant, account

    def count(self) -> int:
        return account_timeline_count(tenant=self.tenant, account=self.account)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[dict]:
        if not isinstance(index, slice):
            raise TypeError("The timeline is read a page at a time: slice it.")
        start = index.start or 0
        return account_timeline(tenant=self.tenant, account=self.account, limit=index.stop - start, offset=start)
