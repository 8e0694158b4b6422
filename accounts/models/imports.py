"""Bulk imports of accounts and contacts: the job with its progress and outcome, and saved column mappings."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenancy.models import TenantOwned


def import_upload_path(job: "ImportJob", filename: str) -> str:
    # Files carry their tenant in the path, like every other tenant-owned thing.
    return f"imports/tenant-{job.tenant_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class ImportKind(models.TextChoices):
    ACCOUNTS = "accounts", "Accounts"
    CONTACTS = "contacts", "Contacts"
    # Health's records (health.signals.kinds keys): one job framework for every import, run by the
    # runner health registers (accounts.imports.runner.register_import_runner), as accounts may not import health.
    TICKETS = "ticket", "Support tickets"
    INVOICES = "invoice", "Invoices and payments"
    SUBSCRIPTION_CHANGES = "subscription_change", "Subscription changes (plans and seats)"
    MEETINGS = "meeting", "Meetings and touchpoints"
    NPS = "nps", "NPS responses"


# The kinds of the account import's pages and column mapping; the others have pages of their own app.
ACCOUNT_IMPORT_KINDS = (ImportKind.ACCOUNTS, ImportKind.CONTACTS)


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", "All or nothing: import only if every row is valid"
    VALID_ROWS = "valid_rows", "Import the valid rows and give me the rejected ones as a CSV"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Waiting for the column mapping"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    REJECTED = "rejected", "Rejected: nothing imported"
    FAILED = "failed", "Failed"


class ImportJob(TenantOwned):
    kind = models.CharField(max_length=32, choices=ImportKind.choices)
    file = models.FileField(upload_to=import_upload_path)
    original_name = models.CharField(max_length=255)
    encoding = models.CharField(max_length=16, blank=True)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, help_text="Target field -> column header.")
    mode = models.CharField(max_length=16, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING)
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, help_text="The first errors: line, column, value, reason.")
    message = models.CharField(max_length=500, blank=True)
    rejected_file = models.FileField(upload_to=import_upload_path, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "created_at"], name="import_job_tenant_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.original_name}"

    @property
    def progress_pct(self) -> int:
        if not self.total_rows:
            return 100 if self.status in (ImportStatus.DONE, ImportStatus.REJECTED) else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED)


class ImportMapping(TenantOwned):
    """The column mapping last used for a kind of import, offered again next time."""

    kind = models.CharField(max_length=16, choices=[(kind.value, kind.label) for kind in ACCOUNT_IMPORT_KINDS])
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "kind"], name="import_mapping_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.kind} mapping"
