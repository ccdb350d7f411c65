"""Lambda handler of the budget function: after each Dutch day (EventBridge Scheduler), the public
budget.json of the current opening, written to the site bucket (Artikel 3, Artikel 4)."""

from datetime import datetime, timezone

from imvo.admin.budget import BUDGET_FILE, as_file, budget_of, latest_opened
from imvo.intake.storage import ApplicationStore, s3_client
from imvo.programme.facts import load_openings
from imvo.settings import load_settings
from imvo.telemetry import logger

# The site's CDN may keep it this long: a day's figure, published once a day.
CACHE_SECONDS = 300


def handler(event, context=None):
    settings = load_settings()
    moment = datetime.now(timezone.utc)
    opening = latest_opened(load_openings(settings.data_dir, settings.extra_openings_file), moment)
    if opening is None:
        logger.info("budget", extra={"state": "no opening has opened yet"})
        return {"published": False}
    client = s3_client()
    meter = budget_of(ApplicationStore(client, settings.submissions_bucket), settings.data_dir, opening.id, moment)
    client.put_object(Bucket=settings.site_bucket, Key=BUDGET_FILE, Body=as_file(meter),
                      ContentType="application/json; charset=utf-8", CacheControl=f"public, max-age={CACHE_SECONDS}")
    logger.info("budget", extra={"opening": opening.id, "passed": [c["id"] for c in meter["ceilings"] if c["passed"]]})
    return {"published": True, "opening": opening.id}
