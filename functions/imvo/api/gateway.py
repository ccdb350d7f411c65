"""API Gateway HTTP API (payload 2.0) events in, responses out: the thin edge shared by all handlers."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from imvo.intake.applications import Refusal
from imvo.intake.receipt import Receipt
from imvo.intake.storage import StorageUnavailable

STATUS_OF_REFUSAL = {
    "invalid_json": 400,
    "invalid": 400,
    "outside_opening": 403,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "too_large": 413,
    "unsupported_media_type": 415,
    "rejected": 422,
}

RETRY_AFTER_SECONDS = 5


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    path_parameters: dict[str, str]
    query: dict[str, str]
    receipt: Receipt

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
        body = raw_body.encode("utf-8")
    return Request(
        method=context.get("http", {}).get("method", ""),
        path=context.get("http", {}).get("path", event.get("rawPath", "")),
        headers={k.lower(): v for k, v in (event.get("headers") or {}).items()},
        body=body,
        path_parameters=event.get("pathParameters") or {},
        query=event.get("queryStringParameters") or {},
        receipt=Receipt(epoch_ms=int(context["timeEpoch"]), request_id=str(context["requestId"])),
    )


def json_response(status: int, payload: dict, headers: dict | None = None) -> dict:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json; charset=utf-8", "cache-control": "no-store"} | (headers or {}),
        "body": json.dumps(payload, ensure_ascii=False),
    }


def refusal_response(refusal: Refusal) -> dict:
    return json_response(STATUS_OF_REFUSAL.get(refusal.kind, 400), refusal.as_dict())


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


def api_handler(function):
    """The edge every handler shares: parse the event, run `function(request)`, shape refusals and faults."""

    def handler(event, context=None):
        try:
            return function(parse_event(event))
        except Refusal as refusal:
            return refusal_response(refusal)
        except StorageUnavailable:
            return unavailable_response()

    handler.__doc__ = function.__doc__
    return handler
