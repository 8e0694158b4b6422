"""Template filters of communications."""

from django import template

from ..composing.merge import outline
from ..selectors.personalisation import entry_title as title_of

register = template.Library()


@register.filter
def merge_outline(text: str) -> str:
    """A subject or body with its merge fields as readable placeholders (see composing.merge.outline)."""
    return outline(text)


@register.filter
def entry_title(entry) -> str:
    """An entry's subject with its account's fields filled in (see selectors.personalisation.entry_title); views that
    list entries title them at once with selectors.personalisation.entries_titled."""
    return title_of(entry)
