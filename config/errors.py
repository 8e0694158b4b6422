"""The 404 page: the app's own page (templates/404.html, in the layout) for people, JSON for the API.

A path under /api/ that no route matches answers in the API's one error shape (tenancy.api_errors), as
DRF's views do for a missing object, so a client never parses an HTML page."""

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from tenancy.api_errors import error_response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return error_response(status=404, code="not_found", message="Not found: no API endpoint has this path.")
    return defaults.page_not_found(request, exception)
