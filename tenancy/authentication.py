"""DRF authentication from the credential the tenant middleware already checked."""

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .credentials import presented_secret
from .models import ApiKeyKind


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """A personal API token acts as its user in its tenant; a write key only as itself."""

    def authenticate(self, request):
        django_request = request._request
        if presented_secret(django_request) is None:
            return None
        api_key = getattr(django_request, "api_key", None)
        if api_key is None:
            raise exceptions.AuthenticationFailed("The API key is unknown or has been revoked.")
        if api_key.kind == ApiKeyKind.PERSONAL:
            if django_request.membership is None or not api_key.user.is_active:
                raise exceptions.AuthenticationFailed("The token's owner is no longer a member of this tenant.")
            return api_key.user, api_key
        return AnonymousUser(), api_key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "tenancy.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A personal API token (pst_…)."}
