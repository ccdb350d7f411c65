"""What came in: per opening and per Dutch day, the number of applications per pillar and status."""

from __future__ import annotations

from collections import defaultdict

from imvo.intake.applications import latest_version
from imvo.intake.storage import ApplicationStore


def days_overview(store: ApplicationStore) -> list[dict]:
    """[{opening, day, applications, pillars: {"1": {"complete": n, "incomplete": n}, …}}], newest day first.
    An application counts on the day it was received, with the status of its latest version (herstel)."""
    originals = store.all_applications()
    supplements = defaultdict(list)
    for supplement in store.all_supplements():
        supplements[supplement["receipt"]["reference"]].append(supplement)
    counts: dict[tuple[str, str], dict] = {}
    for original in originals:
        receipt = original["receipt"]
        status = latest_version(original, supplements[receipt["reference"]])["receipt"]["status"]
        entry = counts.setdefault((receipt["opening"], receipt["dutchDay"]), defaultdict(lambda: defaultdict(int)))
        entry[str(receipt["pillar"])][status] += 1
    return [{"opening": opening, "day": day, "applications": sum(sum(s.values()) for s in pillars.values()),
             "pillars": {pillar: dict(statuses) for pillar, statuses in sorted(pillars.items())}}
            for (opening, day), pillars in sorted(counts.items(), key=lambda item: item[0][1], reverse=True)]
