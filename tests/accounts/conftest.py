"""Fixtures of the accounts tests; the helpers other tests import are in builders.py."""

import pytest
from django_scopes import scope

from accounts import services


@pytest.fixture
def tiers(tenant_a):
    """The three default tiers of the hybrid model: {'high': ..., 'low': ..., 'tech': ...}."""
    with scope(tenant=tenant_a):
        made = services.tiers_create_defaults(tenant=tenant_a)
    return {tier.touch_model.split("_")[0]: tier for tier in made}


@pytest.fixture
def in_a(tenant_a):
    """Run the test body inside tenant A's scope."""
    with scope(tenant=tenant_a):
        yield tenant_a
