"""Small helpers the views of every app use to stay thin."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView

from .permissions import Capability, require

T = TypeVar("T")


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
            if request.membership is None:
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
        return gate(super().dispatch)(request, *args, **kwargs)


class SectionView(MemberRequiredMixin, TemplateView):
    """A section of the product with its title and what it shows once it has data."""

    template_name = "partials/section.html"
    title = empty_heading = empty_body = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=self.title, empty_heading=self.empty_heading, empty_body=self.empty_body, **kwargs
        )
