"""Building one customer email: a plain-text and an HTML part, the preference-centre footer of every
non-transactional email, our own Message-ID and the headers the caller adds (one-click unsubscribe).

Nothing here sends, reads the database or tracks: the outbox renders the text, asks for the links,
runs the HTML through click and open tracking and hands the message to Django's email backend.
"""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, make_msgid
from django.utils.html import escape, linebreaks, urlize


def one_line(subject: str) -> str:
    # A merge value with a line break would make the subject an invalid header.
    return re.sub(r"\s+", " ", subject).strip()


def text_body(body: str, *, preferences_url: str | None) -> str:
    if not preferences_url:
        return body
    return f"{body.rstrip()}\n\n-- \nChoose which emails you get from us, or unsubscribe: {preferences_url}\n"


def html_body(body: str, *, preferences_url: str | None) -> str:
    """The text as HTML paragraphs with its links clickable (so click tracking can see them)."""
    content = linebreaks(urlize(body.strip(), autoescape=True), autoescape=False)
    footer = ""
    if preferences_url:
        footer = (
            '<p style="margin-top:2em;font-size:12px;color:#6c757d">'
            f'<a href="{escape(preferences_url)}">Choose which emails you get from us, or unsubscribe</a></p>'
        )
    return f'<!doctype html>\n<html><body style="font-family:sans-serif">{content}{footer}</body></html>'


def new_message_id() -> str:
    """A Message-ID we choose before sending, so the delivery knows it whatever the backend returns."""
    return make_msgid(domain=urlsplit(settings.SITE_URL).hostname or "localhost")


def message_build(
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    headers: dict[str, str] | None = None,
    reply_to: str | None = None,
) -> EmailMultiAlternatives:
    """The email to one contact. `headers`: the List-Unsubscribe pair of a non-transactional email
    (services.preferences.list_unsubscribe_headers); none on receipts and resets."""
    headers = {"Message-ID": message_id, **(headers or {})}
    message = EmailMultiAlternatives(
        subject=one_line(subject),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[reply_to] if reply_to else None,
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def sent_message_id(message: EmailMultiAlternatives, fallback: str) -> str:
    """The provider's id after sending (django-anymail reports it), else the Message-ID we set."""
    status = getattr(message, "anymail_status", None)
    return (getattr(status, "message_id", None) or fallback)[:255]
