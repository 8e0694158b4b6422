"""core.text for templates: `{% load text %}`, then `{{ renewal.due_on|day }}`, `{{ signal.resolved_at|day:tenant }}`,
`{{ entry.sent_at|moment:tenant }}`, `{{ account.arr|money:tenant }}`, `{{ count|plural:"account" }}` (or
`|plural:"opportunity,opportunities"`).

A filter cannot see the template's context, so the tenant (which every page has as `tenant`) is passed as the
argument, as every lookup takes it. An empty value prints nothing, so `|default:"—"` still works after these.
"""

import datetime as dt

from django import template

from core import text

register = template.Library()


@register.filter
def day(value, tenant=None) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        if tenant is None:
            raise TypeError("|day of a stored moment needs the tenant: |day:tenant")
        return text.day_of(value, tenant)
    return text.day(value)


@register.filter
def moment(value, tenant) -> str:
    if value in (None, ""):
        return ""
    return text.moment(value, tenant)


@register.filter
def money(value, tenant) -> str:
    if value in (None, ""):
        return ""
    return text.money(value, tenant)


@register.filter
def plural(count, nouns: str) -> str:
    if count in (None, ""):
        return ""
    noun, _, many = nouns.partition(",")
    return text.plural(int(count), noun, many or None)
