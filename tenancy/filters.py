"""Base for API filter sets on tenant-owned models, and the filters they share."""

from django import forms
from django_filters import rest_framework as filters
from django_filters.filterset import FilterSetMetaclass
from django_scopes import scopes_disabled

from .parsing import BadTime, parse_api_datetime


class _FilterSetMetaclass(FilterSetMetaclass):
    # django-filter builds a query from the default manager to learn field types
    # when the class is defined; no rows are read, but the scoped manager refuses.
    def __new__(mcs, name, bases, attrs):
        with scopes_disabled():
            return super().__new__(mcs, name, bases, attrs)


class TenantFilterSet(filters.FilterSet, metaclass=_FilterSetMetaclass):
    """Base of every API filter set on tenant-owned models."""


class _DateTimeField(forms.DateTimeField):
    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_api_datetime(value)
        except BadTime as error:
            raise forms.ValidationError(str(error), code="invalid") from error


class DateTimeFilter(filters.IsoDateTimeFilter):
    """A time in a query string: ISO 8601, read in the tenant's zone without an offset; an offset
    PostgreSQL cannot take (beyond ±15:59) is a 400 that says so, not a database error."""

    field_class = _DateTimeField
