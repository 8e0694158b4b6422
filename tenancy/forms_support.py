"""Helpers for forms that hand their data to a service."""

from django import forms
from django.core.exceptions import ValidationError


def apply_errors(form: forms.Form, error: ValidationError, *, unnamed_field: str | None = None) -> None:
    """Show a service's ValidationError on the form: on the field it names, else on `unnamed_field`
    (an upload's errors belong to its file), else on the form.

    Custom field errors come keyed `custom_fields.<key>`; their form field is `cf_<key>`.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(unnamed_field, error.messages)
        return
    for name, errors in error.message_dict.items():
        field = name.replace("custom_fields.", "cf_", 1)
        if field in form.fields:
            form.add_error(field, errors)
        else:
            form.add_error(None, [f"{name}: {e}" for e in errors] if name != "__all__" else errors)
