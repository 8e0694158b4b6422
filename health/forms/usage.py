from decimal import Decimal

from django import forms

from ..services.usage import MAX_POINTS, MAX_RETENTION_DAYS


class EventDefinitionForm(forms.Form):
    """Points and flags of one event; a plain form, so the service decides what re-weighting follows."""

    points = forms.DecimalField(min_value=Decimal(0), max_value=MAX_POINTS, decimal_places=2, max_digits=6)
    is_core = forms.BooleanField(required=False, label="Core feature")
    is_advanced = forms.BooleanField(required=False, label="Advanced feature")
    is_locked = forms.BooleanField(required=False, label="Locked or gated")
    is_upgrade_page = forms.BooleanField(required=False, label="Upgrade page")

    @classmethod
    def for_definition(cls, definition, data=None, prefix: str | None = None) -> "EventDefinitionForm":
        initial = {name: getattr(definition, name) for name in cls.base_fields}
        return cls(data, initial=initial, prefix=prefix)


class IngestionSettingsForm(forms.Form):
    group_traits = forms.CharField(
        label="Group traits",
        widget=forms.Textarea(attrs={"rows": 9, "class": "font-monospace"}),
        required=False,
        help_text=(
            "One per line: <code>trait = account field</code>. Account fields: name, domain, segment, industry, "
            "region, seats_purchased, arr, acv, or <code>cf_&lt;key&gt;</code> for a custom field. "
            "Empty: the defaults."
        ),
    )
    create_unknown_accounts = forms.BooleanField(
        required=False, label="A group call for an unknown groupId creates the account"
    )
    raw_retention_days = forms.IntegerField(
        min_value=1,
        max_value=MAX_RETENTION_DAYS,
        label="Keep raw events for (days)",
        help_text="Older raw events are deleted by purge_raw_events; the daily rollups health reads stay.",
    )

    @classmethod
    def for_settings(cls, settings, mapping: dict[str, str], data=None) -> "IngestionSettingsForm":
        lines = "\n".join(f"{trait} = {target}" for trait, target in mapping.items())
        initial = {
            "group_traits": lines,
            "create_unknown_accounts": settings.create_unknown_accounts,
            "raw_retention_days": settings.raw_retention_days,
        }
        return cls(data, initial=initial)

    def clean_group_traits(self) -> dict[str, str]:
        mapping: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["group_traits"].splitlines(), start=1):
            if not line.strip() or line.strip().startswith("#"):
                continue
            trait, equals, target = line.partition("=")
            if not equals or not trait.strip() or not target.strip():
                raise forms.ValidationError(f"Line {number}: write it as trait = account field.")
            mapping[trait.strip()] = target.strip()
        return mapping
