"""Forms of the checkpoint tasks: whose tasks the list shows, and a checkpoint done or skipped."""

from django import forms

from core.web import OWNER_ALL, OWNER_ME
from tenancy.models import Tenant

from ..models import CheckpointStatus
from . import SMALL_SELECT
from .renewals import owner_choices


class TaskFilterForm(forms.Form):
    owner = forms.ChoiceField(required=False, label="Owner", widget=forms.Select(attrs=SMALL_SELECT))

    def __init__(self, data=None, *, tenant: Tenant, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["owner"].choices = [(OWNER_ME, "My tasks"), (OWNER_ALL, "Everyone's tasks"), *owner_choices(tenant)]


class CheckpointCompleteForm(forms.Form):
    status = forms.ChoiceField(choices=[(CheckpointStatus.DONE, "Done"), (CheckpointStatus.SKIPPED, "Skipped")])
    note = forms.CharField(max_length=500, required=False)
