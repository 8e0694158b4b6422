"""The transactional outbox of the event contract (core.events): one row per announcement."""

from django.db import models
from django.utils import timezone

from .tenants import TenantOwned


class OutboxEvent(TenantOwned):
    """An event one app announced to the others (core.events), written in the transaction of the change it
    announces: what that change commits, its news commits with it, and a worker killed after the commit
    leaves the row for the sweep instead of losing the news. `done` lists the receivers that succeeded, so
    a retry runs only the ones that failed."""

    name = models.CharField(max_length=80)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True, help_text="When every receiver had succeeded.")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    done = models.JSONField(default=list, blank=True, help_text="The receivers that succeeded (module.name).")
    # A dispatch holds the row until then (a compare-and-set claim); the next try is not before retry_at.
    claimed_until = models.DateTimeField(null=True, blank=True)
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # The sweep's question: what is still waiting, oldest first. Partial, so it holds only the few
            # rows in flight however long the delivered ones are kept, and the sweep reads all of it.
            models.Index(
                fields=["tenant", "created_at"],
                name="outbox_event_waiting",
                condition=models.Q(dispatched_at__isnull=True),
            ),
            models.Index(fields=["tenant", "name", "created_at"], name="outbox_event_tenant_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"
