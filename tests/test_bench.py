"""Each benchmark's data generator, run on tiny sizes against the current schema, so that none can rot
unnoticed between two measurements (bench/health_data.py did: a new NOT NULL column broke its COPY)."""

import json
import random
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django_scopes import scope

from accounts.models import Account, Contact
from bench import health_data, import_accounts, ingest_batch, request_overhead
from health.models import AccountRollup, EventRollup, RawEvent
from tests.health.builders import basic

ON_POSTGRESQL = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def _database_url() -> str:
    database = connection.settings_dict
    host, port = database["HOST"] or "127.0.0.1", database["PORT"] or 5432
    password = ":" + quote(database["PASSWORD"], safe="") if database["PASSWORD"] else ""
    user = quote(database["USER"], safe="") + password
    return f"postgres://{user}@{host}:{port}/{database['NAME']}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not ON_POSTGRESQL, reason="health_data writes with COPY and PostgreSQL's own SQL")
def test_health_data_generates_a_consistent_tenant():
    summary = health_data.generate(_database_url(), 0.0002, log=lambda _line: None)

    assert (summary["accounts"], summary["contacts"]) == (2, 40)
    with scope(tenant=summary["tenant_id"]):
        tenant_id = summary["tenant_id"]
        assert Account.objects.filter(tenant_id=tenant_id).count() == 2
        assert Contact.objects.filter(tenant_id=tenant_id).count() == 40
        rollups = EventRollup.objects.filter(tenant_id=tenant_id)
        assert summary["events"] > 0 and sum(rollups.values_list("count", flat=True)) == summary["events"]
        # The raw events are exactly the ones the rollups count, and the account rollups sum the same.
        assert RawEvent.objects.filter(tenant_id=tenant_id).count() == summary["events"]
        accounts = AccountRollup.objects.filter(tenant_id=tenant_id)
        assert sum(accounts.values_list("count", flat=True)) == summary["events"]
    records = summary["records"]
    assert records["invoice"] > 0 and records["supportticket"] >= 0


def test_ingest_batch_people_add_up_and_batches_span_dozens():
    rng = random.Random(3)
    sizes = ingest_batch.account_sizes(50, 1_000, rng, even=False)
    assert sum(sizes) == 1_000 and min(sizes) >= 1 and max(sizes) > 3 * min(sizes)
    assert ingest_batch.account_sizes(200, 1_000, rng, even=True) == [5] * 200

    people = [(f"user-{n}", f"acct-{n % 50}", rng.paretovariate(1.2)) for n in range(1_000)]
    bodies = ingest_batch.batches(people, events=2_000, days=1)
    spans = [len({call["userId"] for call in json.loads(body)["batch"]}) for body in bodies]
    assert len(bodies) == 20 and all(10 <= span <= 60 for span in spans), spans


@pytest.mark.django_db
def test_ingest_batch_generates_batches_the_tracking_api_stores_whole(client):
    tenant, secret = ingest_batch.tenant_with_key()
    people = ingest_batch.prepare(tenant, accounts=4, people=30, even=False)
    assert len(people) == 30
    bodies = ingest_batch.batches(people, events=300, days=30)
    for body in bodies:
        response = client.post("/v1/batch", data=body, content_type="application/json", **basic(secret))
        assert response.status_code == 200, response.content
    with scope(tenant=tenant):
        assert RawEvent.objects.filter(tenant=tenant, account__isnull=False, contact__isnull=False).count() == 300
        assert sum(EventRollup.objects.filter(tenant=tenant).values_list("count", flat=True)) == 300


@pytest.mark.django_db(transaction=True)
def test_import_accounts_rows_import_and_insert_bare(tenant_a, alice):
    from accounts import services as account_services

    with scope(tenant=tenant_a):
        account_services.tiers_create_defaults(tenant=tenant_a)
    frame = import_accounts.rows(8)
    # As in the bench, outside a transaction: the import's task is sent (and run) as its setup commits.
    import_accounts.full_import(tenant_a, alice, frame.to_csv(index=False).encode(), expected=8)

    other = request_overhead.tenant_with_members(3)[0]
    import_accounts.bare_insert(other.pk, frame)
    with scope(tenant=other):
        assert sorted(Account.objects.filter(tenant=other).values_list("external_id", flat=True)) == sorted(
            frame["Account ID"]
        )


@pytest.mark.django_db
def test_request_overhead_members_list_through_the_api():
    from rest_framework.test import APIClient

    _tenant, secret = request_overhead.tenant_with_members(4)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = api.get("/api/v1/members/", {"page_size": 50})
    assert response.status_code == 200 and len(response.json()["results"]) == 4
