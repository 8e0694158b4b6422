"""Bulk imports of accounts and contacts: the job with its progress and outcome, and saved column mappings."""

from django.db import models

from core.imports.jobs import ImportJobBase
from core.imports.jobs import import_upload_path as import_upload_path  # named here by the first migrations
from tenancy.models import TenantOwned


class ImportKind(models.TextChoices):
    ACCOUNTS = "accounts", "Accounts"
    CONTACTS = "contacts", "Contacts"
    # Health's records (health.models.record_kinds' keys): one job framework for every import, run by the run
    # health registers (accounts.services.import_runners.register_import_runner), as accounts may not import health.
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


class ImportJob(TenantOwned, ImportJobBase):
    """An import of accounts, contacts or health's records: the upload, its column mapping, the run's
    progress and outcome (core.imports.jobs)."""

    queued_status = ImportStatus.QUEUED
    running_status = ImportStatus.RUNNING
    finished_statuses = (ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED)
    complete_statuses = (ImportStatus.DONE, ImportStatus.REJECTED)

    kind = models.CharField(max_length=32, choices=ImportKind.choices)
    encoding = models.CharField(max_length=16, blank=True)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, help_text="Target field -> column header.")
    mode = models.CharField(max_length=16, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING)
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "created_at"], name="import_job_tenant_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.original_name}"


class ImportMapping(TenantOwned):
    """The column mapping last used for a kind of import, offered again next time."""

    kind = models.CharField(max_length=16, choices=[(kind.value, kind.label) for kind in ACCOUNT_IMPORT_KINDS])
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "kind"], name="import_mapping_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.kind} mapping"
