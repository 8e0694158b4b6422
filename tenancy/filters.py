"""Base for API filter sets on tenant-owned models."""

from django_filters import rest_framework as filters
from django_filters.filterset import FilterSetMetaclass
from django_scopes import scopes_disabled


class _FilterSetMetaclass(FilterSetMetaclass):
    # django-filter builds a query from the default manager to learn field types
    # when the class is defined; no rows are read, but the scoped manager refuses.
    def __new__(mcs, name, bases, attrs):
        with scopes_disabled():
            return super().__new__(mcs, name, bases, attrs)


class TenantFilterSet(filters.FilterSet, metaclass=_FilterSetMetaclass):
    """Base of every API filter set on tenant-owned models."""
