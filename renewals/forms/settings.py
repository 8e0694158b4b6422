"""Forms of the renewal settings: a runway step, an outcome reason, the rules."""

from django import forms

from ..models import OutcomeReason, RenewalSettings, RunwayStep


class RunwayStepForm(forms.ModelForm):
    class Meta:
        model = RunwayStep
        fields = ["segment", "days_before", "title", "description", "is_active"]
        labels = {"days_before": "Days before the end (T-minus)"}


class OutcomeReasonForm(forms.ModelForm):
    class Meta:
        model = OutcomeReason
        fields = ["label", "applies_to", "position", "is_active"]


class RenewalSettingsForm(forms.ModelForm):
    class Meta:
        model = RenewalSettings
        fields = ["review_window_days", "product_led_auto_renew", "default_notice_days", "expansion_estimate_pct"]
        labels = {
            "review_window_days": "Review window (days before the end)",
            "product_led_auto_renew": "Product-led contracts auto-renew by default",
            "default_notice_days": "Default notice period (days)",
            "expansion_estimate_pct": "Expansion estimate (% of the account's ARR)",
        }
