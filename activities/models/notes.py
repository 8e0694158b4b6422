from django.conf import settings
from django.db import models
from django.utils import timezone

from tenancy.models import TenantOwned


class NoteKind(models.TextChoices):
    CALL = "call", "Call"
    MEETING = "meeting", "Meeting"
    EMAIL = "email", "Email"
    NOTE = "note", "Note"


class Note(TenantOwned):
    """A touch a CSM logged on an account (a call, a meeting, an email, a note): it shows on the account's
    timeline. A note written while closing a task keeps the task."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="notes"
    )
    kind = models.CharField(max_length=8, choices=NoteKind.choices, default=NoteKind.NOTE)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    happened_at = models.DateTimeField(default=timezone.now, help_text="When the call or meeting took place.")
    task = models.ForeignKey("activities.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="notes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-happened_at", "-id"]
        indexes = [models.Index(fields=["tenant", "account", "happened_at"], name="note_account_happened")]

    def __str__(self) -> str:
        return self.subject or self.get_kind_display()
