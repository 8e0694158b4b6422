"""Write keys, tracking API requests and readings of usage rows for the ingestion tests."""

import base64
import gzip
import json
import uuid

from django_scopes import scope

from accounts import services as account_services
from health.models import EventDefinition, EventRollup, IngestionError, RawEvent
from tenancy import services as tenancy_services
from tenancy.models import ApiKeyKind


def write_key(tenant) -> str:
    with scope(tenant=tenant):
        _key, secret = tenancy_services.api_key_create(
            tenant=tenant, kind=ApiKeyKind.WRITE_KEY, name="Web app", by=None
        )
    return secret


def basic(secret: str) -> dict:
    """The header the Segment and RudderStack SDKs send: the write key as Basic user name, no password."""
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{secret}:".encode()).decode()}


def post(client, path: str, body, *, secret: str | None = None, gzipped: bool = False, **extra):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    if gzipped:
        data = gzip.compress(data)
        extra["HTTP_CONTENT_ENCODING"] = "gzip"
    headers = basic(secret) if secret else {}
    return client.post(path, data=data, content_type="application/json", **headers, **extra)


def track(user_id: str | None = "u1", event: str = "Report Created", **fields) -> dict:
    call = {"type": "track", "event": event, "messageId": str(uuid.uuid4()), **fields}
    if user_id:
        call["userId"] = user_id
    return call


def account(tenant, external_id: str, name: str = "", **fields):
    with scope(tenant=tenant):
        return account_services.account_create(
            tenant=tenant, by=None, external_id=external_id, name=name or external_id, segment="mid_market", **fields
        )


def contact(tenant, account, external_id: str, name: str = "Jane Roe", **fields):
    with scope(tenant=tenant):
        return account_services.contact_create(
            tenant=tenant, account=account, external_id=external_id, name=name, **fields
        )


def raw_events(tenant, **filters) -> list[RawEvent]:
    with scope(tenant=tenant):
        return list(RawEvent.objects.filter(tenant=tenant, **filters).order_by("timestamp", "id"))


def rollups(tenant) -> list[tuple]:
    """Every rollup row as (account_id, contact_id, name, day, count, points), in key order."""
    with scope(tenant=tenant):
        rows = EventRollup.objects.filter(tenant=tenant).values_list(
            "account_id", "contact_id", "name", "day", "count", "points"
        )
        return sorted(rows, key=lambda r: (r[0], r[1] or 0, r[2], r[3]))


def definitions(tenant) -> dict[str, EventDefinition]:
    with scope(tenant=tenant):
        return {d.name: d for d in EventDefinition.objects.filter(tenant=tenant)}


def errors(tenant) -> list[IngestionError]:
    with scope(tenant=tenant):
        return list(IngestionError.objects.filter(tenant=tenant).order_by("id"))
