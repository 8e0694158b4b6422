"""Fields an admin adds to accounts, with a type that every write path enforces."""

from django.db import models
from django.utils import timezone

from tenancy.models import TenantOwned


class CustomFieldType(models.TextChoices):
    NUMBER = "number", "Number"
    TEXT = "text", "Text"
    BOOLEAN = "boolean", "Yes/no"
    DATE = "date", "Date"
    CHOICE = "choice", "Choice"


class CustomFieldDefinition(TenantOwned):
    key = models.SlugField(max_length=50, help_text="How imports, exports and the API name it, e.g. data_residency.")
    label = models.CharField(max_length=80)
    field_type = models.CharField(max_length=16, choices=CustomFieldType.choices)
    choices = models.JSONField(default=list, blank=True, help_text="The allowed values of a choice field.")
    required = models.BooleanField(default=False)
    help_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "label"]
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="custom_field_unique_key")]

    def __str__(self) -> str:
        return self.label
