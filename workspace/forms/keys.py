"""A new write key or personal token."""

from django import forms


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. 'Web app (Segment)' or 'CRM sync'.")
