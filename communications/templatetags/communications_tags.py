"""Template filters of communications."""

from django import template

from ..personalisation import entry_title as title_of
from ..personalisation import outline

register = template.Library()


@register.filter
def merge_outline(text: str) -> str:
    """A subject or body with its merge fields as readable placeholders (see personalisation.outline)."""
    return outline(text)


@register.filter
def entry_title(entry) -> str:
    """An entry's subject with its account's fields filled in (see personalisation.entry_title); views that
    list entries title them at once with personalisation.entries_titled."""
    return title_of(entry)
