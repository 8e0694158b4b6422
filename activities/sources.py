"""Links from a task back to what made it. The app that owns a source (renewals' checkpoints, communications'
cadence steps, journeys' flags, health's signals, playbooks' runs) is above this one, so it registers its
link here from its AppConfig.ready(); a task of a source nobody registered simply has no link."""

from collections.abc import Callable

from django.urls import NoReverseMatch

SourceLink = Callable[[int], str]

_links: dict[str, SourceLink] = {}


def source_link_register(source: str, link: SourceLink) -> None:
    """`link(source_id)` answers the URL of the object a task of `source` came from."""
    _links[source] = link


def source_url(source: str, source_id: int | None) -> str | None:
    link = _links.get(source)
    if link is None or source_id is None:
        return None
    try:
        return link(source_id)
    except NoReverseMatch:
        return None
