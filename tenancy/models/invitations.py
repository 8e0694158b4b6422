"""Invitations to join a tenant (the rules: tenancy.services.invitations)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .people import Role, Team
from .tenants import TenantOwned


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    EXPIRED = "expired", "Expired"
    ACCEPTED = "accepted", "Accepted"
    REVOKED = "revoked", "Revoked"


class Invitation(TenantOwned):
    """An offer of membership sent to an email address; nobody joins a tenant without accepting one.

    The emailed link is signed and carries a random nonce of which only the SHA-256 is kept here:
    sending again replaces it, so only the newest link works, and only until `expires_at`.
    """

    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CSM)
    team = models.CharField(max_length=32, choices=Team.choices, default=Team.CUSTOMER_SUCCESS)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    link_digest = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the newest link's nonce.")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "email"], name="invitation_tenant_email")]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.tenant_id} as {self.role}"

    @property
    def status(self) -> InvitationStatus:
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    @property
    def is_open(self) -> bool:
        """Neither accepted nor revoked: it may be sent again (an expired one too)."""
        return self.accepted_at is None and self.revoked_at is None
