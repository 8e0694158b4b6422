"""Building communications fixtures through the services the product uses (each builder enters the
tenant's scope itself), and the stand-ins the tests share: email backends that fail or die mid-send, the
outbox's clock, and a local Slack webhook."""

import datetime as dt
import json
import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from smtplib import SMTPServerDisconnected

from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django_scopes import scope

from accounts import services as accounts_services
from communications import services
from communications.models import CadenceAnchor, CalendarEntry, Delivery
from communications.services import cadences, outbox
from core import tenant_time

from ..accounts.builders import make_account

__all__ = [
    "MONDAY",
    "DyingBackend",
    "FailingBackend",
    "FlakyBackend",
    "Webhook",
    "WorkerKilled",
    "at_local",
    "contact_of",
    "custom_cadence",
    "deliveries",
    "enrol",
    "entries_of",
    "entry_for",
    "make_account",
    "monday",
    "reload_entry",
    "send_due",
    "sent_to",
    "today",
]


def today(tenant) -> dt.date:
    """Today in the tenant's zone."""
    return tenant_time.today(tenant)


def at_local(tenant, year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment in the tenant's zone, as an aware datetime."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=tenant.zone)


def contact_of(tenant, account, n: int, roles=("champion",), **fields):
    """Contact n of `account` ("Contact n" <contact-n@account-id.example>), made through the service."""
    fields.setdefault("name", f"Contact {n}")
    fields.setdefault("email", f"contact-{n}@account-{account.pk}.example")
    with scope(tenant=tenant):
        return accounts_services.contact_create(tenant=tenant, account=account, roles=list(roles), **fields)


def entry_for(
    tenant,
    account,
    *,
    at: dt.datetime,
    contacts=(),
    message_type: str = "educational",
    channel: str = "email",
    by=None,
    **kw,
) -> CalendarEntry:
    """An entry for `account` at `at`, scheduled under the rules (by=None: the system, which governance
    allows); pass schedule=False for a draft."""
    kw.setdefault("subject", f"{message_type.title()} touchpoint")
    with scope(tenant=tenant):
        return services.entry_create(
            tenant=tenant,
            account=account,
            by=by,
            message_type=message_type,
            channel=channel,
            scheduled_at=at,
            contacts=contacts,
            **kw,
        )


def reload_entry(tenant, entry: CalendarEntry) -> CalendarEntry:
    with scope(tenant=tenant):
        return CalendarEntry.objects.get(pk=entry.pk)


def custom_cadence(tenant, steps, *, key="check-ins", anchor=CadenceAnchor.ENROLLED, **fields):
    """A cadence "Check-ins" with one relationship email per (offset_days, send_hour, extra fields) step."""
    with scope(tenant=tenant):
        cadence = cadences.cadence_save(tenant=tenant, key=key, anchor=anchor, name="Check-ins", **fields)
        for offset, hour, extra in steps:
            cadences.cadence_step_save(
                cadence=cadence,
                offset_days=offset,
                send_hour=hour,
                message_type="relationship",
                subject=extra.pop("subject", f"Day {offset}: hello {{{{ contact.first_name }}}}"),
                **extra,
            )
        return cadence


def entries_of(tenant, enrollment) -> list[CalendarEntry]:
    """The enrolment's calendar entries, in the order they go out."""
    with scope(tenant=tenant):
        return list(
            CalendarEntry.objects.filter(enrollment=enrollment).prefetch_related("contacts").order_by("scheduled_at")
        )


def enrol(tenant, cadence, account, anchor_on, anchor_ref="", by=None):
    with scope(tenant=tenant):
        return cadences.enrollment_enrol(
            cadence=cadence, account=account, anchor_on=anchor_on, anchor_ref=anchor_ref, by=by
        )


class FailingBackend(BaseEmailBackend):
    """An SMTP server that is down: every message is refused (what leaves the machine, nothing else)."""

    def send_messages(self, messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


class FlakyBackend(LocmemBackend):
    """Delivers like the test backend, but refuses the first message to each address in `refuse_once`."""

    refuse_once: set[str] = set()

    def send_messages(self, messages):
        for message in messages:
            if message.to[0] in self.refuse_once:
                self.refuse_once.discard(message.to[0])
                raise SMTPServerDisconnected(f"{message.to[0]}: 421 try again later")
        return super().send_messages(messages)


class WorkerKilled(BaseException):
    """What a worker killed mid-send looks like from inside: nothing after this line runs."""


class DyingBackend(LocmemBackend):
    """Hands the message to the server, then the worker is killed before it can record that."""

    def send_messages(self, messages):
        super().send_messages(messages)
        raise WorkerKilled


MONDAY = (2030, 12, 2)


def monday(tenant, hour=10, minute=0):
    return at_local(tenant, *MONDAY, hour, minute)


def send_due(tenant, now) -> int:
    with scope(tenant=tenant):
        return outbox.outbox_send_due(tenant=tenant, now=now)


def deliveries(tenant, entry) -> list[Delivery]:
    with scope(tenant=tenant):
        return list(Delivery.objects.filter(tenant=tenant, entry=entry).select_related("contact").order_by("key"))


def sent_to() -> list[str]:
    return [message.to[0] for message in mail.outbox]


class Webhook:
    """A Slack incoming webhook on localhost: records each JSON body; answers `statuses` in turn, then 200."""

    def __init__(self, statuses=(), redirect_to=""):
        self.received = queue.Queue()
        self.statuses = list(statuses)
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.received.put((self.headers["Content-Type"], json.loads(body)))
                status = hook.statuses.pop(0) if hook.statuses else 200
                self.send_response(status)
                if redirect_to:
                    self.send_header("Location", redirect_to)
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"invalid_payload")

            def do_GET(self):
                hook.received.put(("GET", None))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A local stand-in for the tenant's Slack incoming webhook.
        self.url = f"http://127.0.0.1:{self.server.server_port}/incoming-webhook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def bodies(self) -> list[dict]:
        found = []
        while not self.received.empty():
            found.append(self.received.get_nowait())
        return found
