"""The web kit every app's pages are built from (issue 16): the member gate, a tenant's object or a 404, a safe
`next`, a service's errors on its form, and what list pages share about filters (a CSM sees their own book first,
an owner filter never trusts an id the form did not check, and links keep the filters they were made under)."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import FileResponse, Http404, HttpRequest, QueryDict
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView

from tenancy.models import Role
from tenancy.parsing import parse_id
from tenancy.permissions import Capability, require
from tenancy.queue import BACKGROUND_UNAVAILABLE, queue_watch

T = TypeVar("T")

OWNER_ME, OWNER_ALL = "me", "all"


def get_or_404(selector: Callable[..., T], **lookup: Any) -> T:
    """Call a `<entity>_get` selector; a missing object, in this tenant, is a 404. Ids come parsed (the URL's
    int converter, or tenancy.parsing.parse_id for a query parameter): a TypeError or ValueError here is a bug
    to see, not a missing object."""
    try:
        return selector(**lookup)
    except ObjectDoesNotExist as error:
        raise Http404("Not found.") from error


def safe_next(request: HttpRequest) -> str:
    """The `next` page a form came from (POST, else GET), when it is one of ours; else "".

    Only our own pages: a redirect target taken from a form must not lead off the site.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def member_required(capability: Capability = Capability.VIEW):
    """Function views: signed in, a member of the active tenant, allowed `capability`."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.membership is None:  # type: ignore[attr-defined]  # the tenant middleware sets it
                return redirect("tenancy:no_tenant")
            require(request, capability)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class MemberRequiredMixin:
    """Class-based views: the same gate as `member_required`, with `required_capability`."""

    required_capability = Capability.VIEW

    def dispatch(self, request, *args, **kwargs):
        gate = member_required(self.required_capability)
        return gate(super().dispatch)(request, *args, **kwargs)  # type: ignore[misc]  # a View comes next


class SectionView(MemberRequiredMixin, TemplateView):
    """A section of the product with its title and what it shows once it has data."""

    template_name = "partials/section.html"
    title = empty_heading = empty_body = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=self.title, empty_heading=self.empty_heading, empty_body=self.empty_body, **kwargs
        )


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


def list_params(request: HttpRequest) -> QueryDict:
    """The query, with "my own" as a CSM's default owner filter and everyone's for other roles."""
    params = request.GET.copy()
    if "owner" not in params:
        params["owner"] = OWNER_ME if request.membership.role == Role.CSM else OWNER_ALL  # type: ignore[attr-defined]
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


def rejected_rows_download(job) -> FileResponse:
    """An import job's rejected rows (core.imports.jobs) as a download named after the uploaded file."""
    if not job.rejected_file:
        raise Http404("This import has no rejected rows.")
    stem = job.original_name.rsplit(".", 1)[0] or "import"
    # Every cell was made safe for spreadsheets when the file was written (core.imports.safety.safe_cell).
    return FileResponse(
        job.rejected_file.open("rb"),
        as_attachment=True,
        filename=f"{stem}-rejected.csv",
        content_type="text/csv; charset=utf-8",
    )


def upload_start(request: HttpRequest, form: forms.Form, start: Callable[[dict[str, Any]], T]) -> tuple[T | None, bool]:
    """The POST of an import's upload form: only for those who may manage; a valid form's data goes to
    `start` (the service that stores the upload and queues its run). Returns what `start` made (None when
    the form now shows why not: on its file, unless the service names a field) and whether its run was
    handed to the workers; when the queue is down the person is told the run starts once it is back."""
    require(request, Capability.MANAGE)
    if not form.is_valid():
        return None, False
    try:
        with queue_watch() as watch:
            made = start(form.cleaned_data)
    except ValidationError as error:
        apply_errors(form, error, unnamed_field="file")
        return None, False
    if watch.failed:
        messages.warning(request, BACKGROUND_UNAVAILABLE)
    return made, not watch.failed
