"""The book most communications tests share: Bob's account and its contact Jane Roe (a file needing
Jane in another role defines its own `jane`)."""

import pytest

from .builders import contact_of, make_account


@pytest.fixture
def account(tenant_a, bob):
    return make_account(tenant_a, 1, owner=bob)


@pytest.fixture
def jane(tenant_a, account):
    return contact_of(tenant_a, account, 1, name="Jane Roe")
