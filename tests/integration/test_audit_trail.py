"""Issue 11: the audit trail of an application, each event written once under retention, in time order;
shown by the admin route and command, and carried in every bundle the application is in."""

import io
import json
import zipfile

from imvo_local import admin_cli

from tests.conftest import BUCKET, admin_call, complete_records, handler_module, load_fixture, run_admin_job
from tests.integration.test_intake import post, supplement

ADMIN = "cognito:beheerder-a"  # the signed-in officer of tests/events/admin-*.json


def audit_keys(s3, reference):
    return [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix=f"audit/{reference}/").get("Contents", [])]


def test_received_supplemented_rejected_bundled_downloaded_in_order_and_in_the_bundle(s3, submit, capsys):
    code, receipt = post(submit, load_fixture("pillar1-incomplete.json"))
    assert code == 201
    reference = receipt["reference"]
    assert post(submit, load_fixture("pillar1-incomplete.json"))[1]["replayed"]  # the same request again
    complete_records()  # the event is filed after storing, by the record function; the replay stored nothing
    assert sorted(k.rsplit("-", 2)[-2] for k in audit_keys(s3, reference)) == ["emailed", "received"]  # …not received twice
    code, supplemented = supplement(reference, receipt["supplementToken"], load_fixture("pillar1-complete.json"))
    assert code == 201
    assert admin_cli.main(["reject", reference, "--reason", "II.3.1, criterium 2: onvoldoende bijdrage"]) == 0
    admin = handler_module("admin")
    job, _ = run_admin_job(admin, "admin-start-bundle.json", {"from": receipt["dutchDay"], "to": supplemented["dutchDay"]})

    status, trail = admin_call(admin, "admin-audit-trail.json", reference=reference)
    assert status == 200
    # each version's confirmation e-mail stands right after it (filed at its time of receipt)
    assert [e["event"] for e in trail["events"]] == ["received", "emailed", "supplemented", "emailed", "decided",
                                                     "bundled", "downloaded"]
    assert [e["version"] for e in trail["events"] if e["event"] == "emailed"] == [reference, supplemented["supplementReference"]]
    events = [e for e in trail["events"] if e["event"] != "emailed"]
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    assert events[0]["at"] == receipt["receivedAt"] and events[1]["at"] == supplemented["receivedAt"]
    assert events[1]["supplementReference"] == supplemented["supplementReference"]
    assert [e["by"] for e in events[:2]] == ["applicant", "applicant"]
    assert events[2]["reason"].startswith("II.3.1") and events[2]["by"].startswith("arn:aws:")  # the CLI's identity
    assert events[2]["decision"] == "rejected" and events[2]["section"] == "II.3.1"
    assert events[3]["by"] == events[4]["by"] == ADMIN and events[3]["job"] == events[4]["job"] == job["id"]
    assert events[3]["bundleSha256"] == job["result"]["sha256"]

    # written once, under retention, like the record
    for key in audit_keys(s3, reference):
        head = s3.head_object(Bucket=BUCKET, Key=key)
        assert head["ObjectLockMode"] == "COMPLIANCE"

    # the bundle carries each application's trail as it stood when the bundle was made
    zip_key = f"bundles/{receipt['dutchDay']}/{job['result']['sha256']}.zip"
    archive = zipfile.ZipFile(io.BytesIO(s3.get_object(Bucket=BUCKET, Key=zip_key)["Body"].read()))
    trails = [json.loads(archive.read(name)) for name in archive.namelist() if name.endswith("/audit.json")]
    assert len(trails) == 2  # the original and its supplement, each with the application's trail
    assert all(t["reference"] == reference for t in trails)
    assert [e["event"] for e in trails[0]["events"]] == ["received", "emailed", "supplemented", "emailed", "decided"]
    assert "SHA256SUMS" in archive.namelist()

    capsys.readouterr()
    assert admin_cli.main(["trail", reference]) == 0
    printed = [line.split()[1] for line in capsys.readouterr().out.splitlines()]
    assert printed == ["received", "emailed", "supplemented", "emailed", "decided", "bundled", "downloaded"]


def test_the_trail_of_an_unknown_reference_is_a_404_and_the_command_says_so(s3, capsys):
    status, body = admin_call(handler_module("admin"), "admin-audit-trail.json", reference="IMVO-20230315-NOSUCHAP")
    assert status == 404 and "IMVO-20230315-NOSUCHAP" in body["error"]["message"]["en"]
    assert admin_cli.main(["trail", "IMVO-20230315-NOSUCHAP"]) == 4
    assert "IMVO-20230315-NOSUCHAP" in capsys.readouterr().err


def test_the_days_overview_counts_each_application_once_with_the_status_of_its_latest_version(s3, submit):
    code, receipt = post(submit, load_fixture("pillar1-incomplete.json"))
    assert post(submit, load_fixture("pillar2-complete.json"), request_id="req-2")[0] == 201
    admin = handler_module("admin")
    status, before = admin_call(admin, "admin-days.json")
    assert status == 200 and before["days"][0]["pillars"] == {"1": {"parts_missing": 1}, "2": {"parts_present": 1}}
    assert supplement(receipt["reference"], receipt["supplementToken"], load_fixture("pillar1-complete.json"))[0] == 201
    status, after = admin_call(admin, "admin-days.json")
    (day,) = after["days"]
    assert day["day"] == receipt["dutchDay"] and day["applications"] == 2  # the supplement is no new application
    assert day["pillars"] == {"1": {"parts_present": 1}, "2": {"parts_present": 1}} and day["opening"] == "2022-1"
