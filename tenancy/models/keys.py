"""API credentials: personal tokens and write keys."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .tenants import TenantOwned


class ApiKeyKind(models.TextChoices):
    PERSONAL = "personal", "Personal API token"
    WRITE_KEY = "write_key", "Ingestion write key"


class ApiKey(TenantOwned):
    """A credential for the API: a user's personal token, or a tenant's ingestion write key.

    Only a SHA-256 digest of the secret is kept: the secret is shown once, at creation.
    The secrets are 256 random bits, so a fast digest is enough to make a leaked table useless.
    """

    kind = models.CharField(max_length=16, choices=ApiKeyKind.choices)
    name = models.CharField(max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_keys",
        help_text="Whose personal token this is; empty for write keys.",
    )
    prefix = models.CharField(max_length=24, help_text="The first characters, to recognise the key by.")
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="write_key", user__isnull=True) | models.Q(kind="personal", user__isnull=False),
                name="api_key_personal_tokens_have_a_user",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "kind", "user"], name="api_key_tenant_kind_user")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def owner_id(self) -> int | None:
        return self.user_id
