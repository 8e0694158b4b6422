"""Enter the tenant scope for every request, from the API credential or the signed-in user."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django_scopes import scope

from . import selectors, services
from .api_errors import error_response
from .credentials import presented_secret

SESSION_TENANT_KEY = "tenant_id"


class TenantScopeMiddleware:
    """Sets `request.tenant`, `request.membership` and `request.api_key`, and runs the view
    inside that tenant's scope. Requests without a tenant run without a scope, so any
    query of tenant-owned data there fails loudly instead of seeing everyone's rows."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.tenant = request.membership = request.api_key = None
        secret = presented_secret(request)
        if secret is not None:
            # The API authentication class turns a missing key into a 401.
            request.api_key = services.api_key_authenticate(secret)
            if request.user.is_authenticated and not self._same_person(request):
                return self._two_identities(request)
            if request.api_key is not None:
                request.tenant = request.api_key.tenant
                if request.api_key.user_id:
                    request.membership = selectors.membership_for_user(
                        user=request.api_key.user, tenant_id=request.tenant.pk
                    )
        elif request.user.is_authenticated:
            request.membership = self._session_membership(request)
            request.tenant = request.membership.tenant if request.membership else None

        if request.tenant is None:
            return self.get_response(request)
        # Times are stored in UTC and shown in the tenant's zone.
        with scope(tenant=request.tenant), timezone.override(request.tenant.zone):
            return self.get_response(request)

    @staticmethod
    def _same_person(request: HttpRequest) -> bool:
        """A signed-in browser may send its own personal token (the API docs' "try it"); anything else
        would make one request act as two people: the session's user in the token's tenant."""
        api_key = request.api_key
        return api_key is not None and api_key.user_id is not None and api_key.user_id == request.user.pk

    @staticmethod
    def _two_identities(request: HttpRequest) -> HttpResponse:
        detail = (
            "This request carries both a signed-in session and an API credential of someone else. "
            "Send one of them: a request acts as one person."
        )
        if request.path.startswith("/api/"):
            # The API's one error shape, though DRF never sees this request.
            return error_response(status=400, code="two_identities", message=detail)
        return HttpResponseBadRequest(detail, content_type="text/plain; charset=utf-8")

    @staticmethod
    def _session_membership(request: HttpRequest):
        user = request.user
        wanted = request.session.get(SESSION_TENANT_KEY) or user.last_tenant_id
        membership = selectors.membership_for_user(user=user, tenant_id=wanted)
        if membership is None and wanted is not None:
            # Removed from that tenant since: fall back to another one they belong to.
            membership = selectors.membership_for_user(user=user, tenant_id=None)
        if membership is not None:
            request.session[SESSION_TENANT_KEY] = membership.tenant_id
        return membership
