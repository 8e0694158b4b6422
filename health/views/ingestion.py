"""The tracking API, as Segment's HTTP API: POST /v1/batch and one endpoint per call type.

Plain Django views, not DRF: the SDKs expect this exact shape, and a write key authenticates
them, never a session. The write key comes as the HTTP Basic user name (the tenant middleware
has resolved it) or as `writeKey` in the body.
"""

import logging

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from tenancy import services as tenancy_services
from tenancy.credentials import presented_secret
from tenancy.models import ApiKey, ApiKeyKind
from tenancy.parsing import storable_text

from ..ingestion.parsing import RequestRejected, batch_calls, load_object, read_body
from ..ingestion.services import ingest
from ..ingestion.timestamps import BadTimestamp, parse_timestamp

logger = logging.getLogger(__name__)


class Unauthorized(Exception):
    pass


class LengthRequired(Exception):
    pass


def _failure(status: int, reason: str) -> JsonResponse:
    # `code` and `message` are what the Segment SDK logs of a refused upload.
    code = {401: "unauthorized", 404: "not_found"}.get(status, "invalid")
    body = {"success": False, "error": reason, "code": code, "message": reason}
    response = JsonResponse(body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="tracking API"'
    return response


def _write_key(request: HttpRequest, body: dict | None) -> ApiKey:
    if presented_secret(request) is not None:
        api_key = request.api_key
    elif body is not None and isinstance(body.get("writeKey"), str) and body["writeKey"]:
        # No key holds a NUL or a lone surrogate, and neither can be looked up.
        secret = body["writeKey"]
        api_key = tenancy_services.api_key_authenticate(secret) if storable_text(secret) else None
    else:
        raise Unauthorized("Send the write key as the HTTP Basic user name (empty password) or as writeKey.")
    if api_key is None:
        raise Unauthorized("The write key is unknown or has been revoked.")
    if api_key.kind != ApiKeyKind.WRITE_KEY:
        raise Unauthorized("That is a personal API token; events are sent with a write key.")
    return api_key


def _handle(request: HttpRequest, kind: str | None) -> JsonResponse:
    if request.method != "POST":
        response = _failure(405, "Send events with POST.")
        response["Allow"] = "POST"
        return response
    received_at = timezone.now()
    try:
        # A wrong key in the header is refused before the body is even read.
        if presented_secret(request) is not None:
            _write_key(request, None)
        length = request.META.get("CONTENT_LENGTH")
        data = read_body(
            _body_stream(request, length),
            content_length=int(length) if length and length.isdigit() else None,
            content_encoding=request.META.get("HTTP_CONTENT_ENCODING", ""),
        )
        body = load_object(data)
        api_key = _write_key(request, body)
        if kind is None:
            calls, sent_at = batch_calls(body), body.get("sentAt")
            try:
                parse_timestamp(sent_at, field="sentAt")
            except BadTimestamp as error:
                raise RequestRejected(str(error)) from error
        else:
            # The endpoint names the type; the key and the batch-only fields are not part of the call.
            calls, sent_at = [{**body, "type": kind}], None
            calls[0].pop("writeKey", None)
    except Unauthorized as error:
        return _failure(401, str(error))
    except LengthRequired as error:
        return _failure(411, str(error))
    except RequestRejected as error:
        return _failure(400, error.reason)
    result = ingest(tenant=api_key.tenant, calls=calls, received_at=received_at, sent_at=sent_at)
    if kind is not None and result.rejected:
        # One call, refused: say why (it is also listed among the tenant's ingestion errors).
        return _failure(400, result.rejected[0][1])
    if result.rejected:
        logger.info("tenant %s: %d of %d events refused", api_key.tenant.slug, len(result.rejected), len(calls))
    return JsonResponse({"success": True})


def _body_stream(request: HttpRequest, length: str | None):
    """Django reads a body by its Content-Length, so a chunked one (none) would read as empty. The WSGI
    server's input is read instead when the server ends it at the last chunk (gunicorn does, and says
    so in wsgi.input_terminated); read_body still stops past the size limit."""
    if length or "chunked" not in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        return request
    if not request.META.get("wsgi.input_terminated"):
        raise LengthRequired("This server cannot read a chunked body here; send it with a Content-Length.")
    return request.META["wsgi.input"]


@csrf_exempt
def batch(request: HttpRequest) -> JsonResponse:
    return _handle(request, None)


@csrf_exempt
def single_call(request: HttpRequest, kind: str) -> JsonResponse:
    return _handle(request, kind)


@csrf_exempt
def unknown_call(request: HttpRequest) -> JsonResponse:
    return _failure(
        404,
        f"There is no {request.path}; send events to /v1/batch, /v1/track, /v1/identify, /v1/group, "
        "/v1/page, /v1/screen or /v1/alias.",
    )
