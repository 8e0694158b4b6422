"""An owner's task logged done, with a note."""

from django import forms


class TaskDoneForm(forms.Form):
    note = forms.CharField(label="Note", max_length=500, required=False)
