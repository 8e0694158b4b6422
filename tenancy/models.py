"""Tenants, people and credentials, and the base every tenant-owned model builds on."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a time zone name such as Europe/Berlin.")


def normalise_currency(value: str) -> str:
    """An ISO 4217 code in upper case, or a ValidationError that says what is expected."""
    code = (value or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError(f"{value!r} is not a currency code: use three letters such as EUR or USD.")
    return code


class Tenant(models.Model):
    """One customer-success organisation; everything else belongs to exactly one."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    currency = models.CharField(
        max_length=3,
        default="USD",
        help_text="ISO 4217 code; every amount of money in this tenant is in it.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class TenantOwned(models.Model):
    """Base of every tenant-owned model.

    Queries through `objects` outside a tenant scope raise ScopeError instead of
    returning everyone's rows. Subclasses lead their composite indexes with
    `tenant`, so a table can later be distributed by tenant.
    """

    # No index of its own: every subclass has composite indexes led by tenant, which serve
    # tenant lookups too, and a lone one would only slow down writes (ingestion above all).
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", editable=False, db_index=False)

    objects = ScopedManager(tenant="tenant")

    class Meta:
        abstract = True


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, email: str):
        # People type their address as they like; it is stored lower-case.
        return self.get(email__iexact=email)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address; belongs to tenants through memberships."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the operator's Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)
    last_tenant = models.ForeignKey(
        Tenant,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The tenant the user last worked in; they land there after signing in.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs):
        self.email = self.email.lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name.split() or [self.email])[0]


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    LEADER = "leader", "CS leader"
    CSM = "csm", "CSM"
    VIEWER = "viewer", "Viewer"


class Team(models.TextChoices):
    CUSTOMER_SUCCESS = "customer_success", "Customer success"
    MARKETING = "marketing", "Marketing"
    SUPPORT = "support", "Support"
    PRODUCT = "product", "Product"
    SALES = "sales", "Sales"
    LEADERSHIP = "leadership", "Leadership"


class Membership(TenantOwned):
    """A user's place in one tenant: their role (what they may do) and team (who they speak for)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CSM)
    team = models.CharField(max_length=32, choices=Team.choices, default=Team.CUSTOMER_SUCCESS)
    is_active = models.BooleanField(default=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invitation_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user__email"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_one_per_user_and_tenant"),
        ]
        indexes = [models.Index(fields=["tenant", "role"], name="membership_tenant_role")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.tenant})"


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
