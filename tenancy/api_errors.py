"""The API's one error shape:
    {"error": {"status": 400, "code": "invalid", "message": "...", "fields": {"email": ["..."]}}}
so a client reads one shape whatever went wrong. It lives in the kernel because the tenant middleware answers
in it before any view runs (a request with two identities); core.api's exception handler writes every other
API error in it, and config's 404 the paths under /api/ that no route matches."""

from django.http import JsonResponse


def error_body(*, status: int, code: str, message: str, fields: dict | None = None) -> dict:
    """The one error shape (see the module's docstring)."""
    body: dict = {"status": status, "code": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    return {"error": body}


def error_response(*, status: int, code: str, message: str) -> JsonResponse:
    """The error shape outside DRF: for answers given before a view runs or when no route matches."""
    return JsonResponse(error_body(status=status, code=code, message=message), status=status)
