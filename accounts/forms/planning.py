"""The capacity planner's form: growth, horizon and the accounts each tier is planned to carry."""

from django import forms

from ..models import ServiceTier


class CapacityForm(forms.Form):
    growth_pct = forms.DecimalField(
        label="Growth a year (%)", initial=25, min_value=-100, max_value=1000, decimal_places=1
    )
    horizon_months = forms.IntegerField(label="Horizon (months)", initial=12, min_value=1, max_value=60)

    def __init__(self, data=None, *, tiers: list[ServiceTier], **kwargs):
        super().__init__(data, **kwargs)
        for tier in tiers:
            self.fields[f"tier_{tier.pk}"] = forms.IntegerField(
                label=f"{tier.name} accounts",
                required=False,
                min_value=0,
                max_value=10_000_000,
                help_text="Leave empty to grow today's count.",
            )
        self.tiers = tiers

    def projected(self) -> dict[int, int]:
        return {
            t.pk: self.cleaned_data[f"tier_{t.pk}"]
            for t in self.tiers
            if self.cleaned_data.get(f"tier_{t.pk}") is not None
        }
