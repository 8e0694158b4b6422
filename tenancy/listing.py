"""What the list pages of every app share about filters: a CSM sees their own book first, an owner filter
never trusts an id the form did not check, and links keep the filters they were made under."""

from typing import Any

from django import forms
from django.http import HttpRequest, QueryDict

from .models import Role
from .parsing import parse_id

OWNER_ME, OWNER_ALL = "me", "all"


def list_params(request: HttpRequest) -> QueryDict:
    """The query, with "my own" as a CSM's default owner filter and everyone's for other roles."""
    params = request.GET.copy()
    if "owner" not in params:
        params["owner"] = OWNER_ME if request.membership.role == Role.CSM else OWNER_ALL
    return params


def owner_filtered(request: HttpRequest, form: forms.Form) -> tuple[dict[str, Any], str, int | None]:
    """The form's filters, the owner choice ("me", "all" or a user id) and the owner's user id (None: all).

    An invalid filter shows everything it may, never an unchecked owner id; the form's choices hold only
    this tenant's people, so a valid id is one of them."""
    data = form.cleaned_data if form.is_valid() else {"owner": OWNER_ME if form.data.get("owner") == OWNER_ME else ""}
    value = data.get("owner") or OWNER_ALL
    owner_id = request.user.pk if value == OWNER_ME else parse_id(value)
    return data, value, owner_id


def query_without(params: QueryDict, *drop: str) -> str:
    """The query string for links on the page: the same filters, without the page number and `drop`."""
    query = params.copy()
    for name in ("page", *drop):
        query.pop(name, None)
    return query.urlencode()
