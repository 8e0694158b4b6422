"""A tenant's settings, and a new tenant."""

import zoneinfo

from django import forms

from tenancy.models import Tenant, normalise_currency

TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


class TenantForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, help_text="Day boundaries and dates follow it.")
    currency = forms.CharField(max_length=10, help_text="ISO 4217 code; every amount of money is in it.")

    class Meta:
        model = Tenant
        fields = ["name", "time_zone", "currency"]

    def clean_currency(self) -> str:
        return normalise_currency(self.cleaned_data["currency"])


class TenantCreateForm(TenantForm):
    class Meta(TenantForm.Meta):
        fields = ["name", "slug", "time_zone", "currency"]
