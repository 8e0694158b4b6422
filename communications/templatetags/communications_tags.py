"""Template filters of communications."""

from django import template

from ..personalisation import outline

register = template.Library()


@register.filter
def merge_outline(text: str) -> str:
    """A subject or body with its merge fields as readable placeholders (see personalisation.outline)."""
    return outline(text)
