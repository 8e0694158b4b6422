"""Merge fields: `{{ contact.first_name }}` in a subject or body, filled from a fixed, documented context.

This is NOT Django's or Jinja's template engine. The context is a flat dict of plain strings computed up
front (MERGE_FIELDS), and a small regex renderer looks names up in it and nowhere else: there is no
attribute access, no filter but `default`, no block tag. `{{ settings.SECRET_KEY }}`,
`{{ account.owner.password }}` or `{{ contact.__class__ }}` are names the dict does not have: they are
reported as unknown (which blocks scheduling) and left in the text. `{% load static %}` and every other
block tag stay as text and are reported too.

A field whose value is missing (None or "") is reported, unless the tag's inline default
(`{{ contact.first_name | default:"there" }}`) or the entry's `fallbacks` ({"contact.first_name": "there"})
gives one. Missing values and unknown names block sending; the preview shows them marked."""

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from accounts.models import Account, Contact
from core.text import day
from tenancy.models import Tenant, User

USAGE_FIELD = re.compile(r"^usage\.([a-z0-9_]+)\.month$")
USAGE_PATTERN = "usage.<event>.month"

# The whole context a template can reach: name -> what it holds (shown on the entry form and in the docs).
MERGE_FIELDS: dict[str, str] = {
    "contact.first_name": "The recipient's first name, e.g. Jane",
    "contact.name": "The recipient's full name, e.g. Jane Roe",
    "contact.email": "The recipient's email address",
    "contact.title": "The recipient's job title, e.g. Head of Operations",
    "account.name": "The customer company, e.g. Acme",
    "account.segment": "The account's segment: Enterprise, Mid-market, SMB or Product-led",
    "csm.name": "The account's CSM, e.g. Bob Smith",
    "csm.first_name": "The CSM's first name, e.g. Bob",
    "csm.email": "The CSM's email address",
    "renewal.date": "The due date of the account's next open renewal, e.g. 7 Dec 2026",
    "health.score": "The account's health score, 0-100",
    "health.band": "The account's health band: green, yellow or red",
    USAGE_PATTERN: (
        "How often the account used an event this calendar month, by the event's name in lower case with "
        "underscores: {{ usage.report_exported.month }} for Report Exported (empty when not used this month)"
    ),
    "usage.top_feature.month": "The event the account used most this calendar month, e.g. Report Exported",
    "tenant.name": "Your company's name, as the sender",
}

# {{ anything }}: what is inside is parsed below; {% anything %}: a block tag, never run.
_VARIABLE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_BLOCK = re.compile(r"\{%.*?%\}", re.DOTALL)
_INSIDE = re.compile(
    r"""^\s*(?P<name>[A-Za-z_][A-Za-z0-9_.]*)\s*"""
    r"""(?:\|\s*default\s*:\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)')\s*)?$"""
)


def event_key(event_name: str) -> str:
    """ "Report Exported" -> "report_exported": how an event is named in a usage merge field."""
    return re.sub(r"[^a-z0-9]+", "_", event_name.lower()).strip("_")


def is_known_field(name: str) -> bool:
    return (name in MERGE_FIELDS and name != USAGE_PATTERN) or bool(USAGE_FIELD.match(name))


@dataclass(frozen=True)
class Rendered:
    """The text with its fields filled; `missing` and `unknown` name what blocks sending, in order of first
    use; `html` is the text escaped, with missing and unknown fields marked for the preview."""

    text: str
    missing: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    html: SafeString = field(default_factory=SafeString)


@dataclass(frozen=True)
class Preview:
    subject: str
    body: str
    missing: list[str]
    unknown: list[str]
    subject_html: SafeString
    body_html: SafeString


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_UNCLOSED = re.compile(r"\{[{%][^\n]{0,30}")


def _literal(literal: str, out: list[str], marked: list[str], unknown: list[str]) -> None:
    """Text between tags; an opening `{{` or `{%` never closed is a typo that would reach the customer."""
    out.append(literal)
    marked.append(escape(literal))
    for stray in _UNCLOSED.findall(literal):
        if stray not in unknown:
            unknown.append(stray)


def render(text: str, context: Mapping[str, str | None], fallbacks: Mapping[str, str] | None = None) -> Rendered:
    """Fill `{{ name }}` and `{{ name | default:"..." }}` from `context` alone (see the module's docstring).

    A value comes from the context, else the tag's default, else `fallbacks`; a field that has none is
    rendered empty and listed in `missing`. Unknown names and block tags stay as written and are listed in
    `unknown`."""
    fallbacks = fallbacks or {}
    missing: list[str] = []
    unknown: list[str] = []
    out: list[str] = []
    marked: list[str] = []
    position = 0
    tokens = sorted([*_VARIABLE.finditer(text or ""), *_BLOCK.finditer(text or "")], key=lambda m: m.start())
    for match in tokens:
        if match.start() < position:  # a block tag inside a {{ }} (or the reverse) was handled with it
            continue
        _literal(text[position : match.start()], out, marked, unknown)
        position = match.end()
        raw = match.group(0)
        parsed = _INSIDE.match(match.group(1)) if raw.startswith("{{") else None
        if parsed is None or not is_known_field(parsed.group("name")):
            if raw not in unknown:
                unknown.append(raw)
            out.append(raw)
            marked.append(format_html('<mark class="merge-unknown" title="Not a merge field">{}</mark>', raw))
            continue
        name = parsed.group("name")
        default = parsed.group("dq") if parsed.group("dq") is not None else parsed.group("sq")
        value = context.get(name)
        if _blank(value):
            value = default if not _blank(default) else fallbacks.get(name)
        if _blank(value):
            if name not in missing:
                missing.append(name)
            out.append("")
            marked.append(
                format_html(
                    '<mark class="merge-missing" title="No value and no fallback">{}</mark>', "{{ " + name + " }}"
                )
            )
            continue
        out.append(str(value))
        marked.append(escape(str(value)))
    _literal((text or "")[position:], out, marked, unknown)
    # Every piece was escaped or built with format_html above.
    html = mark_safe("".join(marked))  # noqa: S308
    return Rendered(text="".join(out), missing=missing, unknown=unknown, html=html)


def _first_name(name: str) -> str:
    return (name or "").split()[0] if (name or "").split() else ""


def account_fields(
    *, tenant: Tenant, account: Account, owner: User | None, renewal_on: dt.date | None
) -> dict[str, str | None]:
    """The fields of the account, its CSM, its health, its next renewal and the tenant."""
    return {
        "account.name": account.name,
        "account.segment": account.get_segment_display(),
        "csm.name": owner.get_full_name() if owner else None,
        "csm.first_name": _first_name(owner.full_name) if owner and owner.full_name else None,
        "csm.email": owner.email if owner else None,
        "renewal.date": day(renewal_on) if renewal_on else None,
        "health.score": None if account.health_score is None else str(account.health_score),
        "health.band": account.health_band or None,
        "tenant.name": tenant.name,
    }


def contact_context(contact: Contact | None) -> dict[str, str | None]:
    if contact is None:
        return dict.fromkeys(("contact.first_name", "contact.name", "contact.email", "contact.title"))
    return {
        "contact.first_name": _first_name(contact.name) or None,
        "contact.name": contact.name or None,
        "contact.email": contact.email or None,
        "contact.title": contact.title or None,
    }


def outline(text: str, context: Mapping[str, str | None] | None = None) -> str:
    """A template as a person planning reads it, before any contact is chosen: each merge field takes its
    value from `context` where it has one (the account's, see title_contexts), else its inline default,
    else a placeholder ("Your renewal on [renewal date]")."""
    context = context or {}

    def placeholder(match: re.Match) -> str:
        parsed = _INSIDE.match(match.group(1))
        if parsed is None or not is_known_field(parsed.group("name")):
            return match.group(0)
        name = parsed.group("name")
        if not _blank(value := context.get(name)):
            return str(value)
        default = parsed.group("dq") if parsed.group("dq") is not None else parsed.group("sq")
        if default:
            return default
        words = name.replace("contact.", "").replace(".", " ").replace("_", " ").strip()
        return f"[{words}]"

    return _VARIABLE.sub(placeholder, text or "")
