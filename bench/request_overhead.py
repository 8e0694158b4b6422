"""What a tenant-scoped, token-authenticated API list costs over the bare SQL that reads the same rows.

Baseline: one SQL query for the members page (join to users, filtered by tenant).
Measured: GET /api/v1/members/?page_size=50 through the whole stack: middleware,
credential lookup, tenant scope, DRF, pagination and JSON rendering.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

MEMBERS = 50
ROUNDS = 300


def _timed(fn, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def tenant_with_members(members: int = MEMBERS):
    """A tenant of `members` members (its admin and CSMs) and its admin's personal token's secret."""
    from django_scopes import scope

    from tenancy import services
    from tenancy.models import ApiKeyKind, Membership, Role

    admin = services.user_create(email="bench-admin@example.com", password="x")
    tenant = services.tenant_create(name="Bench", slug="bench", admin=admin)
    with scope(tenant=tenant):
        for n in range(members - 1):
            Membership.objects.create(
                tenant=tenant, user=services.user_create(email=f"m{n}@example.com"), role=Role.CSM
            )
        _key, secret = services.api_key_create(
            tenant=tenant, kind=ApiKeyKind.PERSONAL, name="bench", by=admin, user=admin
        )
    return tenant, secret


def main() -> None:
    from django.db import connection
    from django.test.utils import setup_test_environment
    from rest_framework.test import APIClient

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        tenant, secret = tenant_with_members()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        sql = (
            "SELECT m.id, u.email, u.full_name, m.role, m.team, m.is_active, m.invitation_sent_at, m.created_at "
            "FROM tenancy_membership m JOIN tenancy_user u ON u.id = m.user_id "
            "WHERE m.tenant_id = %s ORDER BY u.email LIMIT 50"
        )

        def bare_sql():
            with connection.cursor() as cursor:
                cursor.execute(sql, [tenant.pk])
                assert len(cursor.fetchall()) == MEMBERS

        def api_list():
            response = client.get("/api/v1/members/", {"page_size": 50})
            assert response.status_code == 200 and len(response.json()["results"]) == MEMBERS

        bare_sql(), api_list()  # warm caches and connections
        baseline = _timed(bare_sql, ROUNDS)
        measured = _timed(api_list, ROUNDS)
        print(f"database: {connection.vendor}; {MEMBERS} members; median of {ROUNDS} rounds")
        print(f"bare SQL scan:         {baseline * 1e3:8.3f} ms")
        print(f"API list (full stack): {measured * 1e3:8.3f} ms")
        print(f"ratio:                 {measured / baseline:8.1f}x")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    import django

    django.setup()
    main()
