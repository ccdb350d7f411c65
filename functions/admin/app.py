"""Lambda handler for the IAM-only admin routes: POST /api/admin/bundles and POST /api/admin/allocation.

Both write their result under the bucket's bundles/ prefix and answer short-lived presigned links.
"""

import hashlib
import json
from datetime import date

from imvo.admin.actions import allocation_files
from imvo.api.gateway import api_handler, json_response
from imvo.admin.bundle import build_bundle, days_between
from imvo.programme.findings import REJECT, Finding
from imvo.intake.applications import Refusal
from imvo.settings import load_settings
from imvo.intake.storage import AlreadyStored, ApplicationStore, s3_client

LINK_SECONDS = 300


def _day(body: dict, key: str) -> str:
    try:
        return date.fromisoformat(body[key]).isoformat()
    except (ValueError, KeyError, TypeError) as error:
        raise Refusal("invalid", f"Geef '{key}' als JJJJ-MM-DD.", f"Give '{key}' as YYYY-MM-DD.",
                      [Finding(f"$.{key}", "schema:format", REJECT, "Een datum JJJJ-MM-DD.", "A date YYYY-MM-DD.")]) from error


def _body(raw: bytes) -> dict:
    try:
        body = json.loads(raw or b"{}")
    except ValueError as error:
        raise Refusal("invalid_json", "Geen geldige JSON.", "Not valid JSON.") from error
    return body if isinstance(body, dict) else {}


def _store_and_link(client, store, key: str, content: bytes, content_type: str, filename: str) -> str:
    try:
        store.put_new(key, content, content_type=content_type)
    except AlreadyStored:
        pass  # keys carry the content's hash: what is there is this
    return client.generate_presigned_url(
        "get_object", Params={"Bucket": store.bucket, "Key": key,
                              "ResponseContentDisposition": f'attachment; filename="{filename}"'},
        ExpiresIn=LINK_SECONDS)


@api_handler
def handler(request):
    settings = load_settings()
    client = s3_client()
    store = ApplicationStore(client, settings.submissions_bucket)
    body = _body(request.body)
    if request.path.endswith("/allocation"):
        seed = str(body.get("seed") or "")
        if not seed:
            raise Refusal("invalid", "Geef de gepubliceerde seed van de loting.", "Give the published lottery seed.",
                          [Finding("$.seed", "schema:required", REJECT, "Verplicht.", "Required.")])
        files = allocation_files(store, settings.data_dir, seed, str(body.get("opening") or "2022-1"))
        links = {}
        for name, content in files.items():
            digest = hashlib.sha256(content).hexdigest()[:16]
            kind = {"csv": "text/csv", "html": "text/html", "pdf": "application/pdf"}[name.rsplit(".", 1)[1]]
            links[name] = _store_and_link(client, store, f"bundles/allocation/{digest}-{name}", content, kind, name)
        return json_response(201, {"files": links, "expiresInSeconds": LINK_SECONDS})
    days = [_day(body, "day")] if "day" in body else days_between(_day(body, "from"), _day(body, "to"))
    bundle = build_bundle(store, days, settings.data_dir)
    key = f"bundles/{days[0]}/{bundle.sha256}.zip"
    url = _store_and_link(client, store, key, bundle.zip_bytes, "application/zip", bundle.filename)
    return json_response(201, {"days": days, "applications": bundle.count, "key": key, "sha256": bundle.sha256,
                               "url": url, "expiresInSeconds": LINK_SECONDS})
