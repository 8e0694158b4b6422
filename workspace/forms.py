import zoneinfo

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from tenancy.models import Membership, Role, Team, Tenant, normalise_currency

TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True}))


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


class MembershipInviteForm(forms.Form):
    email = forms.EmailField(help_text="They get a link by email and become a member when they accept it.")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CSM)
    team = forms.ChoiceField(choices=Team.choices, initial=Team.CUSTOMER_SUCCESS)


class MembershipForm(forms.Form):
    # A plain form: a ModelForm would change the membership before the service
    # checks the change against what it was (the last admin must stay admin).
    role = forms.ChoiceField(choices=Role.choices)
    team = forms.ChoiceField(choices=Team.choices)
    is_active = forms.BooleanField(required=False, label="Active (may sign in to this tenant)")

    @classmethod
    def for_membership(cls, membership: Membership, data=None) -> "MembershipForm":
        return cls(data, initial={"role": membership.role, "team": membership.team, "is_active": membership.is_active})


class InvitationAcceptForm(forms.Form):
    """A new person accepting an invitation: the address is the invited one, the rest is theirs to choose."""

    full_name = forms.CharField(max_length=150, label="Your name")
    password1 = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password2") and cleaned["password1"] != cleaned["password2"]:
            self.add_error("password2", "The two passwords differ.")
        return cleaned


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. 'Web app (Segment)' or 'CRM sync'.")
