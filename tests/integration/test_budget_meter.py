"""Issue 12: the public budget meter. After a Dutch day, budget.json says per ceiling what complete
applications ask for in order of receipt, what remains and whether the ceiling was passed (a lottery day,
Artikel 4); its totals are the allocation's own, and it names no one."""

import json
from datetime import datetime, timezone
from decimal import Decimal

from imvo.admin.decisions import record_rejection
from imvo.admin.allocation import HELD, REJECTED, INCOMPLETE, allocate, candidates, ceilings_of
from imvo.intake.storage import ApplicationStore
from imvo.programme.facts import load_facts
from imvo.settings import PROJECT_ROOT
from imvo_local import admin_cli

from tests.conftest import BUCKET, sealed, SITE_BUCKET, handler_module, load_event, load_fixture
from tests.integration.test_admin_jobs import generate_day
from tests.integration.test_intake import post, supplement

DATA = PROJECT_ROOT / "content" / "data"


def test_after_a_day_that_passes_the_pillar_2_ceiling_the_meter_matches_the_allocation(s3, submit, tmp_path, capsys):
    references = generate_day(s3, submit, count=20)  # 20 × €143,250 > the €2.3M pillar-2 ceiling
    code, incomplete = post(submit, load_fixture("pillar1-incomplete.json"), request_id="waiting")
    assert code == 201 and incomplete["status"] == "parts_missing"
    code, waiting = post(submit, load_fixture("pillar1-incomplete.json"), request_id="supplemented-later")
    code, supplemented = supplement(waiting["reference"], waiting["supplementToken"], load_fixture("pillar1-complete.json"))
    assert code == 201 and supplemented["status"] == "parts_present"  # herstel: now counted, at its own time
    store = ApplicationStore(s3, BUCKET, retention_days=1)
    record_rejection(store, references[3], "II.3.1: test", datetime.now(timezone.utc), "cognito:beheerder-a")

    assert handler_module("budget").handler(load_event("scheduler-budget.json"))["published"]
    stored = s3.get_object(Bucket=SITE_BUCKET, Key="budget.json")
    assert stored["ContentType"].startswith("application/json") and "max-age" in stored["CacheControl"]
    meter = json.loads(stored["Body"].read())

    originals = [a for day in ("2023-03-15", "2023-03-17") for a in store.applications_of_day(day)]
    lines = allocate(candidates(originals, store.all_supplements(), store.decisions()), ceilings_of(load_facts(DATA)), sealed("seed"))
    by_id = {c["id"]: c for c in meter["ceilings"]}
    for name, ceiling in ceilings_of(load_facts(DATA)).items():
        asked = sum((l.candidate.amounts.get(name, Decimal(0)) for l in lines if l.status not in (REJECTED, INCOMPLETE)),
                    Decimal(0))
        assert Decimal(by_id[name]["asked"]) == asked, name
        assert Decimal(by_id[name]["remaining"]) == max(Decimal(0), ceiling - asked)
        assert by_id[name]["passed"] == any(l.status == HELD and l.candidate.amounts.get(name, 0) > 0 for l in lines)
    assert by_id["pillar2"]["passed"] and by_id["pillar2"]["passedOn"] == "2023-03-15"
    assert any(l.lottery for l in lines)  # the allocation drew that day by lot
    assert Decimal(by_id["pillar2"]["asked"]) == 19 * Decimal("143250.00")  # the rejected one is not counted
    assert not by_id["pillar1-companies"]["passed"] and Decimal(by_id["pillar1-companies"]["asked"]) > 0

    text = json.dumps(meter)
    assert not any(reference in text for reference in references + [incomplete["reference"], waiting["reference"]])
    assert load_fixture("pillar2-complete.json")["penvoerder"]["name"] not in text
    assert meter["opening"] == "2022-1" and meter["computedAt"].endswith("Z")

    assert admin_cli.main(["budget", "--site", str(tmp_path)]) == 0
    local = json.loads((tmp_path / "budget.json").read_text())
    assert local["ceilings"] == meter["ceilings"]
