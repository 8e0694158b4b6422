"""The web kit (core.web) that every app's pages are built from."""

import pytest
from django.http import Http404
from django_scopes import scope

from accounts import selectors as account_selectors
from core.web import get_or_404

pytestmark = pytest.mark.django_db


def test_get_or_404_turns_only_a_missing_object_into_a_404(tenant_a):
    with scope(tenant=tenant_a):
        with pytest.raises(Http404):
            get_or_404(account_selectors.account_get, tenant=tenant_a, account_id=987654321)
        # A call with the wrong arguments is a bug, shown as one instead of hidden behind "Not found".
        with pytest.raises(TypeError):
            get_or_404(account_selectors.account_get, tenant=tenant_a, no_such_argument=1)
