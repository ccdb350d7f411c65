"""Lambda handler for POST /api/admin/bundles (IAM only): build a day's zip, store it, answer a link."""

import json
from datetime import date

from imvo.apigw import json_response, parse_event, refusal_response, unavailable_response
from imvo.bundle import build_bundle
from imvo.findings import Finding
from imvo.intake import Refusal
from imvo.settings import load_settings
from imvo.storage import AlreadyStored, ApplicationStore, StorageUnavailable, s3_client

LINK_SECONDS = 300


def _requested_day(body: bytes) -> str:
    try:
        return date.fromisoformat(json.loads(body or b"{}")["day"]).isoformat()
    except (ValueError, KeyError, TypeError) as error:
        raise Refusal("invalid", "Geef de dag als {\"day\": \"JJJJ-MM-DD\"}.", "Give the day as {\"day\": \"YYYY-MM-DD\"}.",
                      [Finding("$.day", "schema:format", "reject", "Een datum JJJJ-MM-DD.", "A date YYYY-MM-DD.")]) from error


def handler(event, context=None):
    settings = load_settings()
    client = s3_client()
    store = ApplicationStore(client, settings.submissions_bucket)
    try:
        day = _requested_day(parse_event(event).body)
        bundle = build_bundle(store, day, settings.data_dir)
        key = f"bundles/{day}/{bundle.sha256}.zip"
        try:
            store.put_new(key, bundle.zip_bytes, content_type="application/zip")
        except AlreadyStored:
            pass  # the same data gives the same bytes: the stored zip is this one
        url = client.generate_presigned_url(
            "get_object", Params={"Bucket": settings.submissions_bucket, "Key": key,
                                  "ResponseContentDisposition": f'attachment; filename="{bundle.filename}"'},
            ExpiresIn=LINK_SECONDS)
    except Refusal as refusal:
        return refusal_response(refusal)
    except StorageUnavailable:
        return unavailable_response()
    return json_response(201, {"day": day, "applications": bundle.count, "key": key, "sha256": bundle.sha256,
                               "url": url, "expiresInSeconds": LINK_SECONDS})
