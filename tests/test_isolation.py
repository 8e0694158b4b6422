"""Tenant isolation: every route, asked by charlie (admin of tenant B) for tenant A's objects, says 404.

The routes come from the URL resolver (tests/routes.py) and the OpenAPI schema, so a route added by a
later issue is walked without anyone listing it here. A route whose URL takes an
object id this harness cannot make fails the test until tests/factories.py learns
to make that object (OBJECT_MAKERS).
"""

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from .factories import CANARY, OBJECT_MAKERS
from .routes import all_routes, make_one_of_each, route_url, unknown_kwargs

WRITE_METHODS = ("post", "put", "patch", "delete")


@pytest.fixture
def tenant_a_objects(tenant_a, alice, bob):
    return make_one_of_each(tenant_a)


def _body(response) -> str:
    # Exports stream their rows; read them all, a leak may be in any row.
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(errors="replace")


def test_every_object_route_hides_other_tenants_objects(
    tenant_a_objects, tenant_a, charlie, login, api_as, tenant_b, alice
):
    charlie_web = login(charlie)
    charlie_api = api_as(charlie, tenant_b)
    alice_web = login(alice)
    problems, walked = [], 0
    for route in all_routes():
        if not any(k in OBJECT_MAKERS for k in route.kwargs):
            if unknown := unknown_kwargs(route):
                problems.append(f"{route.name} takes {unknown}: teach tests/factories.OBJECT_MAKERS to make one")
            continue
        if unknown := unknown_kwargs(route):
            problems.append(f"{route.name} takes {unknown}: teach tests/factories.OBJECT_MAKERS to make one")
            continue
        walked += 1
        url = route_url(route, tenant_a_objects)
        # The object exists and its owner reaches it: a 404 for charlie is isolation, not a typo.
        if alice_web.get(url).status_code == 404:
            problems.append(f"{route.name}: even tenant A's admin gets 404 at {url}; the harness made the wrong object")
        for client, who in ((charlie_web, "session"), (charlie_api, "token")):
            if who == "token" and not route.is_api:
                continue
            statuses = {}
            for method in ("get", *WRITE_METHODS):
                response = getattr(client, method)(url)
                statuses[method] = response.status_code
                if response.status_code not in (404, 405):
                    problems.append(f"{route.name} {method.upper()} {url} as charlie ({who}): {response.status_code}")
                if CANARY in _body(response):
                    problems.append(f"{route.name} {method.upper()} {url} as charlie ({who}) shows tenant A's data")
            if 404 not in statuses.values():
                problems.append(f"{route.name} {url} as charlie ({who}): no method answered 404: {statuses}")
    assert walked >= len(OBJECT_MAKERS), "the harness found fewer object routes than object kinds"
    assert not problems, "\n".join(problems)
    # Nothing charlie tried changed tenant A's objects.
    for route in all_routes():
        if route.kwargs and not unknown_kwargs(route) and route.name.endswith(("-detail", "member_edit")):
            assert alice_web.get(route_url(route, tenant_a_objects)).status_code == 200, route.name


def test_list_routes_show_only_own_tenant(tenant_a_objects, charlie, login, api_as, tenant_b, tenant_a):
    charlie_web = login(charlie)
    charlie_api = api_as(charlie, tenant_b)
    problems = []
    for route in all_routes():
        if route.kwargs and set(route.kwargs) - {"format"}:
            continue
        url = route_url(route, {})
        clients = [(charlie_web, "session")] + ([(charlie_api, "token")] if route.is_api else [])
        for client, who in clients:
            response = client.get(url)
            body = _body(response)
            if response.status_code >= 500:
                problems.append(f"{route.name} {url} as charlie ({who}): {response.status_code}")
            if CANARY in body or tenant_a.name in body:
                problems.append(f"{route.name} {url} as charlie ({who}) shows tenant A's data")
    assert not problems, "\n".join(problems)


def test_every_schema_path_hides_other_tenants_objects(tenant_a_objects, charlie, api_as, tenant_b):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    charlie_api = api_as(charlie, tenant_b)
    problems, walked = [], 0
    for path, operations in schema["paths"].items():
        params = [p["name"] for op in operations.values() for p in op.get("parameters", []) if p["in"] == "path"]
        if not params:
            continue
        unknown = [p for p in params if p not in OBJECT_MAKERS]
        if unknown:
            problems.append(f"{path} takes {unknown}: teach tests/factories.OBJECT_MAKERS to make one")
            continue
        url = path
        for name in set(params):
            url = url.replace("{" + name + "}", str(tenant_a_objects[name]))
        for method in operations:
            walked += 1
            response = getattr(charlie_api, method)(url)
            if response.status_code != 404:
                problems.append(f"{method.upper()} {url} as charlie: {response.status_code}")
            elif response.json()["error"]["code"] != "not_found":
                problems.append(f"{method.upper()} {url} as charlie: 404 without the error format")
    assert walked > 0
    assert not problems, "\n".join(problems)


def test_django_admin_is_staff_only(charlie, login):
    response = login(charlie).get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/django-admin/login/" in response["Location"]
