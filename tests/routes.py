"""Every named route of the URL resolver, and its URL for one object of each kind (tests/factories.OBJECT_MAKERS),
for the tests that walk all of them: isolation, role links, page formats."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .factories import OBJECT_MAKERS

# Keywords that are not tenant objects, with a value that makes the URL resolve.
PUBLIC_KWARGS = {"uidb64": "MQ", "token": "set-password", "format": "json"}
# The operator's Django admin is staff-only and outside tenancy; see test_isolation.test_django_admin_is_staff_only.
EXCLUDED_NAMESPACES = {"admin"}


@dataclass(frozen=True)
class Route:
    name: str
    kwargs: tuple[str, ...]
    pattern: str

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")


def _walk(patterns, namespace: str = "", prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace])) if entry.namespace else namespace
            if entry.namespace in EXCLUDED_NAMESPACES:
                continue
            yield from _walk(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield Route(name, tuple(entry.pattern.regex.groupindex), prefix + str(entry.pattern))


def all_routes() -> list[Route]:
    unique = {(r.name, r.kwargs): r for r in _walk(get_resolver().url_patterns)}
    return sorted(unique.values(), key=lambda r: (r.name, r.kwargs))


def make_one_of_each(tenant) -> dict:
    """One object of each kind for `tenant`, by the keyword its routes take (`account_id`: its id, ...)."""
    return {keyword: make(tenant) for keyword, make in OBJECT_MAKERS.items()}


def route_url(route: Route, ids: dict) -> str:
    return reverse(route.name, kwargs={k: ids.get(k, PUBLIC_KWARGS.get(k)) for k in route.kwargs})


def unknown_kwargs(route: Route) -> list[str]:
    """The route's keywords that are neither an object the makers make nor a public value."""
    return [k for k in route.kwargs if k not in OBJECT_MAKERS and k not in PUBLIC_KWARGS]
