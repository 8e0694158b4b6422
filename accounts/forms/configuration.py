"""What admins configure for the book: a service tier, the economics policy, a custom field."""

from django import forms

from ..models import TIER_SETTINGS, CustomFieldType, ServiceTier


class ServiceTierForm(forms.ModelForm):
    # A ModelForm is fine here: tier_save validates the whole tier as it stands.
    class Meta:
        model = ServiceTier
        fields = list(TIER_SETTINGS)
        labels = {"acv_min": "ACV from", "acv_max": "ACV below", "accounts_per_csm_planned": "Planned accounts per CSM"}

    def _post_clean(self):
        # Constraints and uniqueness are checked by tier_save with messages of its own.
        return None


class CustomFieldForm(forms.Form):
    label = forms.CharField(max_length=80)
    key = forms.SlugField(
        max_length=50,
        required=False,
        help_text="How imports, exports and the API name it; made from the label when empty.",
    )
    field_type = forms.ChoiceField(choices=CustomFieldType.choices, label="Type")
    choices = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="For a choice field: one value a line."
    )
    required = forms.BooleanField(required=False)
    help_text = forms.CharField(max_length=200, required=False)
    position = forms.IntegerField(min_value=0, initial=0)

    def clean_choices(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]


class ServiceModelPolicyForm(forms.Form):
    cost_share_min_pct = forms.DecimalField(
        label="Healthy cost to serve from (% of ACV)", min_value=0, max_value=100, decimal_places=2
    )
    cost_share_max_pct = forms.DecimalField(
        label="Healthy cost to serve up to (% of ACV)", min_value=0, max_value=100, decimal_places=2
    )
    at_risk_upgrade_days = forms.IntegerField(label="At-risk upgrades last (days)", min_value=1, max_value=730)

    def clean(self):
        data = super().clean()
        low, high = data.get("cost_share_min_pct"), data.get("cost_share_max_pct")
        if low is not None and high is not None and low >= high:
            raise forms.ValidationError("The lower bound must be below the upper bound.")
        return data
