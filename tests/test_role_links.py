"""No page shows a link its viewer may not open: every page, opened by a CS leader, a CSM and a viewer,
links only to pages that answer them (a link that answers 403 is a dead end that only looks open).

The pages come from the URL resolver, with one object of each kind (tests/factories.OBJECT_MAKERS), so a
page added later is walked without anyone listing it here."""

import re

import pytest

from tenancy.models import Role

from .routes import all_routes, make_one_of_each, route_url, unknown_kwargs

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<a\b[^>]*\bhref="(/[^"#?]*)')
NOT_PAGES = ("/static/", "/django-admin/", "/api/", "/v1/", "/logout/")


@pytest.fixture
def tenant_a_objects(tenant_a, alice, bob):
    return make_one_of_each(tenant_a)


@pytest.mark.parametrize("role", [Role.LEADER, Role.CSM, Role.VIEWER])
def test_no_page_links_to_a_page_its_viewer_may_not_open(tenant_a_objects, member_of, login, role):
    client = login(member_of(role))
    status: dict[str, int] = {}
    links: dict[str, set[str]] = {}
    for route in all_routes():
        if route.is_api or unknown_kwargs(route) or route.pattern.startswith(NOT_PAGES[1:]):
            continue
        url = route_url(route, tenant_a_objects)
        response = client.get(url)
        status[url] = response.status_code
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            for target in LINK.findall(response.content.decode()):
                if not target.startswith(NOT_PAGES):
                    links.setdefault(target, set()).add(url)
    problems = []
    for target, pages in sorted(links.items()):
        if target not in status:
            status[target] = client.get(target).status_code
        if status[target] == 403:
            problems.append(f"{', '.join(sorted(pages))} link(s) to {target}, which answers 403 to a {role.label}")
    assert not problems, "\n".join(problems)
