"""A calendar feed to create: the person's own, the tenant's or one account's."""

from django import forms

from accounts.models import Account
from tenancy.models import Tenant


class FeedCreateForm(forms.Form):
    account = forms.ModelChoiceField(
        queryset=Account.objects.none(),
        required=False,
        empty_label="All my accounts and my entries",
        help_text="Leave it on “All my accounts” for your own feed, or choose one account.",
    )

    def __init__(self, *args, tenant: Tenant, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this tenant's accounts: an id from elsewhere is not a valid choice.
        self.fields["account"].queryset = Account.objects.filter(tenant=tenant).order_by("name")
