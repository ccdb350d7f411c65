"""API Gateway HTTP API (payload 2.0) events in, responses out: the thin edge shared by all handlers."""

from __future__ import annotations

import base64
import binascii
import json
import time
import uuid
from dataclasses import dataclass

from imvo.api.origin import ORIGIN_HEADER, origin_guard
from imvo.intake.applications import Refusal
from imvo.intake.receipt import Receipt, format_utc
from imvo.intake.storage import StorageDenied, StorageUnavailable, request_deadline
from imvo.settings import load_settings
from imvo.telemetry import (INTERNAL_ERRORS, REFUSALS, UNAVAILABLE, UPLOAD_VERIFICATIONS_FAILED, count, fault_detail,
                            logger)

STATUS_OF_REFUSAL = {
    "invalid_json": 400,
    "invalid": 400,
    "outside_opening": 403,
    "forbidden": 403,
    "unauthorized": 401,
    "not_found": 404,
    "conflict": 409,
    "herstel_closed": 409,
    "scan_pending": 409,
    "too_large": 413,
    "unsupported_media_type": 415,
    "too_many": 429,
}

RETRY_AFTER_SECONDS = 5
# Stop starting S3 calls this long before Lambda's own timeout, to answer our 503 in time.
ANSWER_MARGIN_SECONDS = 1.0

@dataclass(frozen=True)
class Request:
    method: str
    path: str
    route: str  # the route key: "GET /api/admin/jobs/{id}"
    headers: dict[str, str]
    body: bytes
    path_parameters: dict[str, str]
    query: dict[str, str]
    receipt: Receipt
    claims: dict | None = None  # the verified token's claims, on the admin routes (API Gateway's JWT authorizer)

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")


def parse_event(event: dict) -> Request:
    context = event.get("requestContext", {})
    raw_body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw_body, validate=True)
        except (binascii.Error, ValueError) as error:
            raise Refusal("invalid_json", "De inhoud is geen geldige base64.", "The body is not valid base64.") from error
    else:
        body = raw_body.encode("utf-8", "surrogatepass")
    return Request(
        method=context.get("http", {}).get("method", ""),
        path=context.get("http", {}).get("path", event.get("rawPath", "")),
        route=event.get("routeKey", ""),
        headers={k.lower(): v for k, v in (event.get("headers") or {}).items()},
        body=body,
        path_parameters=event.get("pathParameters") or {},
        query=event.get("queryStringParameters") or {},
        receipt=Receipt(epoch_ms=int(context["timeEpoch"]), request_id=str(context["requestId"])),
        claims=((context.get("authorizer") or {}).get("jwt") or {}).get("claims"),
    )


def json_response(status: int, payload: dict, headers: dict | None = None) -> dict:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json; charset=utf-8", "cache-control": "no-store"} | (headers or {}),
        "body": json.dumps(payload, ensure_ascii=False),
    }


def refusal_response(refusal: Refusal) -> dict:
    headers = {"retry-after": str(refusal.retry_after)} if refusal.retry_after else None
    return json_response(STATUS_OF_REFUSAL.get(refusal.kind, 400), refusal.as_dict(), headers)


def unavailable_response() -> dict:
    """A fault on our side: nothing was stored, and the same request may simply be sent again."""
    return json_response(
        503,
        {"error": {"code": "unavailable", "message": {
            "nl": "De opslag is even niet bereikbaar. Er is niets opgeslagen; probeer het over enkele seconden opnieuw.",
            "en": "Storage is briefly unavailable. Nothing was stored; please try again in a few seconds.",
        }, "findings": []}},
        headers={"retry-after": str(RETRY_AFTER_SECONDS)},
    )


def internal_error_response(incident: str) -> dict:
    """A defect on our side (an unexpected error, or a permission our stack lacks): not worth retrying as is."""
    return json_response(500, {"error": {"code": "internal", "incident": incident, "message": {
        "nl": f"Er ging iets mis aan onze kant. Er is niets opgeslagen. Noem bij contact dit kenmerk: {incident}.",
        "en": f"Something went wrong on our side. Nothing was stored. Quote this incident id when you contact us: {incident}.",
    }, "findings": []}})


def _origin_refusal() -> Refusal:
    return Refusal("forbidden", "Gebruik de API via de website.", "Use the API through the website.")


def _deadline_from(context) -> float | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return time.monotonic() + remaining() / 1000 - ANSWER_MARGIN_SECONDS if remaining else None


def _reference_of(event: dict, response: dict | None) -> str | None:
    """The application a request concerned: its path names it, or a new one's Location header does."""
    named = (event.get("pathParameters") or {}).get("reference")
    location = ((response or {}).get("headers") or {}).get("location", "")
    return named or (location.rsplit("/", 1)[-1] if location else None)


def _receipt_time(event: dict) -> str | None:
    epoch_ms = (event.get("requestContext") or {}).get("timeEpoch")
    try:
        return format_utc(Receipt(int(epoch_ms), "").received_utc)
    except (TypeError, ValueError):
        return None


def _log(event: dict, status: int, started: float, response: dict | None = None, **facts) -> None:
    """One line per request: ids, route, outcome, time of receipt and duration; never the body, names or codes."""
    line = {"route": event.get("routeKey"), "status": status, "reference": _reference_of(event, response),
            "receivedAt": _receipt_time(event), "durationMs": round((time.monotonic() - started) * 1000, 1)}
    logger.info("request", extra={k: v for k, v in (line | facts).items() if v is not None})


def _is_upload_problem(refusal: Refusal) -> bool:
    return refusal.kind == "scan_pending" or any(f.rule.startswith("attachment") for f in refusal.findings)


def api_handler(function):
    """The edge every handler shares: parse the event, run `function(request)`, shape refusals and faults."""

    guards: dict = {}  # this function's container's origin guard (imvo.api.origin)

    def handler(event, context=None):
        started = time.monotonic()
        token = request_deadline.set(_deadline_from(context))
        logger.set_correlation_id((event.get("requestContext") or {}).get("requestId"))
        try:
            request = parse_event(event)
            guard = origin_guard(load_settings(), guards)
            if guard and not guard.admits(request.headers.get(ORIGIN_HEADER)):
                raise _origin_refusal()
            response = function(request)
            _log(event, response["statusCode"], started, response)
            return response
        except Refusal as refusal:
            count(REFUSALS, code=refusal.kind)
            if _is_upload_problem(refusal):
                count(UPLOAD_VERIFICATIONS_FAILED)
            response = refusal_response(refusal)
            _log(event, response["statusCode"], started, refusal=refusal.kind)
            return response
        except StorageUnavailable as fault:
            count(UNAVAILABLE)
            _log(event, 503, started, fault="storage_unavailable", detail=fault_detail(fault))
            return unavailable_response()
        except StorageDenied as denied:
            incident = uuid.uuid4().hex[:12]
            count(INTERNAL_ERRORS)
            _log(event, 500, started, fault="access_denied", detail=str(denied), incident=incident)
            return internal_error_response(incident)
        except Exception as error:  # noqa: BLE001 - the catch-all: our error shape, never the gateway's bare 500
            incident = uuid.uuid4().hex[:12]
            count(INTERNAL_ERRORS)
            _log(event, 500, started, fault="unexpected", detail=fault_detail(error), incident=incident)
            return internal_error_response(incident)
        finally:
            request_deadline.reset(token)

    handler.__doc__ = function.__doc__
    return handler
