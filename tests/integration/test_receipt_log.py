"""Verifiable order of receipt (issue 23; Artikel 4, II.3.2, III.3.2): signed receipts from the real handlers with
moto's KMS, the receipt log the sequencer keeps, its proofs through the API, the monitor that recomputes it from the
record and catches every tampering, and the lottery nobody can compute before the day's checkpoint exists."""

import base64
import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from imvo.admin.actions import draw_of
from imvo.admin.allocation import DrawNotYetPossible, allocate, checked_commitment, seed_commitment
from imvo.intake.refusal import Refusal
from imvo.intake.storage import ApplicationStore, encode_document
from imvo.programme.facts import load_openings
from imvo.settings import PROJECT_ROOT, load_settings
from imvo.transparency.audit import audit
from imvo.transparency.merkle import leaf_hash, verify_consistency
from imvo.transparency.publication import KEYS_FILE
from imvo.transparency.receipt_log import BATCHES_PREFIX, ReceiptLog, epoch_ms_of_record_key, parse_checkpoint
from imvo.transparency.sequencing import Sequencer
from imvo.transparency.signed_receipt import log_entry
from imvo.transparency.verification import (NotVerified, published_keys, verify_checkpoint, verify_inclusion_answer,
                                            verify_receipt)
from imvo_local.iam_model import acting_as
from tests.conftest import BUCKET, SITE_BUCKET, handler_module, load_event, load_fixture
from tests.integration.test_allocation import CEILINGS, candidate
from tests.integration.test_intake import FlakyClient, post, supplement
from tests.integration.test_submit_hot_path import calls_of

# 15 and 16 March 2023 (CET), inside the first opening; the sequencer runs "later" on the same clock.
MARCH_15 = [1678871730250, 1678872000000, 1678875600000]
MARCH_16 = 1678960800000  # 16 March 2023 11:00 CET
SUPPLEMENTED = 1679047200000  # 17 March 2023 11:00 CET: the supplement
LATER = SUPPLEMENTED + 3_600_000  # when the sequencer runs: 15 and 16 March have ended, 17 March has not
ORIGIN = "imvo-portal.example/log"


def _sequence(now_ms: int) -> dict | None:
    with acting_as("SequencerFunction"):
        return SEQUENCER[0].run_pass(now_ms)


SEQUENCER: list[Sequencer] = []


@pytest.fixture
def opening_day(s3, submit):
    """Three applications on 15 March, one incomplete one on 16 March and its supplement (17 March), each through
    the real handler, and the sequencer as the stack's (under its policy)."""
    with acting_as("SequencerFunction"):
        SEQUENCER[:] = [Sequencer.from_settings(load_settings())]
    receipts = []
    for number, moment in enumerate(MARCH_15):
        code, receipt = post(submit, load_fixture("pillar2-complete.json"), epoch_ms=moment, request_id=f"log-{number}")
        assert code == 201, receipt
        receipts.append(receipt)
    code, incomplete = post(submit, load_fixture("pillar1-incomplete.json"), epoch_ms=MARCH_16, request_id="log-3")
    assert code == 201, incomplete
    code, supplemented = supplement(incomplete["reference"], incomplete["supplementToken"], load_fixture("pillar1-complete.json"))
    assert code == 201, supplemented
    return receipts + [incomplete, supplemented]


def _keys(s3) -> dict:
    return published_keys(json.loads(s3.get_object(Bucket=SITE_BUCKET, Key=KEYS_FILE)["Body"].read()))


def _store() -> ApplicationStore:
    from imvo.intake.storage import s3_client

    return ApplicationStore(s3_client(), BUCKET)


def test_every_receipt_is_signed_by_the_kms_key_over_what_is_stored(opening_day, s3):
    _sequence(LATER)  # publishes the key set
    keys = _keys(s3)
    for receipt in opening_day:
        statement = verify_receipt(receipt["signedReceipt"], keys)
        assert statement["receivedAtMs"] == round(datetime.fromisoformat(receipt["receivedAt"].replace("Z", "+00:00")).timestamp() * 1000)
        assert receipt["logEntry"] == log_entry(receipt["signedReceipt"]).hex()
    # What is signed is the application as stored: its SHA-256 is that of the record's "application" member.
    key = next(k["Key"] for k in s3.list_objects_v2(Bucket=BUCKET, Prefix="applications/2023-03-15/")["Contents"])
    stored = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    import hashlib

    assert stored["receipt"]["signedReceipt"]["statement"]["sha256"] == hashlib.sha256(encode_document(stored["application"])).hexdigest()
    supplement_statement = opening_day[-1]["signedReceipt"]["statement"]
    assert supplement_statement["type"] == "supplement" and supplement_statement["reference"] == opening_day[-2]["reference"]


def test_the_log_holds_each_receipt_once_in_order_of_receipt_with_signed_checkpoints_and_day_ends(opening_day, s3):
    batch = _sequence(LATER)
    assert batch["treeSize"] == 5 and batch["late"] == 0
    log = ReceiptLog(_store(), ORIGIN)
    log.refresh()
    in_order = sorted(opening_day, key=lambda r: (r["receivedAt"], r["requestId"]))
    assert [leaf.entry.hex() for leaf in log.leaves] == [r["logEntry"] for r in in_order]
    keys = _keys(s3)
    assert verify_checkpoint(log.checkpoint, keys, ORIGIN) == (5, log.tree.root())
    # The checkpoint of the end of each Dutch day with receipts: 15 March holds three receipts, 16 March four.
    days = log.day_checkpoints()
    assert [days["2023-03-15"]["treeSize"], days["2023-03-16"]["treeSize"]] == [3, 4]
    assert verify_checkpoint(days["2023-03-15"]["checkpoint"], keys, ORIGIN) == (3, log.tree.root(3))
    # Published as C2SP tiles: the checkpoint, the partial level-0 tile and its entry bundle.
    published = {o["Key"] for o in s3.list_objects_v2(Bucket=SITE_BUCKET, Prefix="log/")["Contents"]}
    assert {"log/checkpoint", "log/checkpoints/5", "log/tile/0/000.p/5", "log/tile/entries/000.p/5",
            "log/days/2023-03-15.json", KEYS_FILE} <= published
    tile = s3.get_object(Bucket=SITE_BUCKET, Key="log/tile/0/000.p/5")["Body"].read()
    assert tile == b"".join(leaf_hash(bytes.fromhex(r["logEntry"])) for r in in_order)
    # Nothing new: no batch in the record; but inside an opening (17 March 2023 is in the first) the site's
    # checkpoint is signed afresh once a minute has passed (the same size and root).
    before = s3.get_object(Bucket=SITE_BUCKET, Key="log/checkpoint")["Body"].read()
    assert _sequence(LATER + 10_000) is None
    assert _sequence(LATER + 70_000) is None
    fresh = s3.get_object(Bucket=SITE_BUCKET, Key="log/checkpoint")["Body"].read().decode()
    assert fresh != before.decode() and verify_checkpoint(fresh, keys, ORIGIN) == (5, log.tree.root())
    assert _store().keys_under(BATCHES_PREFIX) == ["log/batches/000000000.json"]


def test_a_receipt_younger_than_the_settle_time_waits_for_the_next_pass(opening_day, s3):
    settle = int(load_settings().log_settle_seconds * 1000)
    batch = _sequence(MARCH_16 + settle + 1)  # 16 March's application is logged; the supplement (17 March) not yet
    assert batch["treeSize"] == 4
    assert _sequence(SUPPLEMENTED + settle + 1)["treeSize"] == 5


def test_a_pass_whose_publishing_failed_leaves_it_to_the_next_pass(opening_day, s3):
    """The batch is in the record before the site gets its files: when a put to the site fails after it (S3 down),
    the next pass publishes what the site lacks, tiles, day checkpoints and checkpoint, though it logs nothing new."""
    sequencer = SEQUENCER[0]
    real = sequencer.client
    sequencer.client = FlakyClient(real, "log/tile/")
    with pytest.raises(Exception, match="Could not connect"):
        _sequence(LATER)
    assert _store().keys_under(BATCHES_PREFIX) == ["log/batches/000000000.json"]  # logged, not yet published
    assert "log/checkpoints/5" not in {o["Key"] for o in s3.list_objects_v2(Bucket=SITE_BUCKET).get("Contents", [])}
    sequencer.client = real
    assert _sequence(LATER + 1_000) is None  # nothing new to log
    published = {o["Key"] for o in s3.list_objects_v2(Bucket=SITE_BUCKET, Prefix="log/")["Contents"]}
    assert {"log/checkpoint", "log/checkpoints/5", "log/tile/0/000.p/5", "log/tile/entries/000.p/5",
            "log/days/2023-03-15.json", "log/days/2023-03-16.json"} <= published
    site_checkpoint = s3.get_object(Bucket=SITE_BUCKET, Key="log/checkpoint")["Body"].read().decode()
    assert verify_checkpoint(site_checkpoint, _keys(s3), ORIGIN)[0] == 5


def test_a_pass_that_could_not_read_one_record_writes_nothing_and_the_next_reads_only_that_one(opening_day, s3):
    """Order of receipt (Artikel 4): a batch holds every settled receipt or none, so one failed read fails the pass;
    what it did read is kept (a record is write-once), so during an opening a retried pass does not read the same
    hundreds of records again (the opening benchmark's log lag, when a read failed in a pass of 300)."""
    log = SEQUENCER[0].log
    records = sorted(log.store.keys_under("applications/") + log.store.keys_under("supplements/"))
    log.store.client = FlakyClient(log.store.client, records[2], operation="get_object")

    def records_read(calls) -> list[str]:  # as S3 saw them: arn:aws:s3:::<bucket>/<key>
        return sorted(c.needs[0].resource.split("/", 1)[1] for c in calls if c.operation == "GetObject"
                      and c.needs[0].resource.split("/", 1)[1].startswith(("applications/", "supplements/")))

    def failing_pass():
        with pytest.raises(Exception, match="Could not connect"):
            _sequence(LATER)

    _, calls = calls_of("SequencerFunction", failing_pass)
    assert _store().keys_under(BATCHES_PREFIX) == []
    assert records_read(calls) == [key for key in records if key != records[2]]  # the failed read never reached S3
    batch, calls = calls_of("SequencerFunction", lambda: _sequence(LATER + 1_000))
    assert batch["treeSize"] == 5 and records_read(calls) == [records[2]]
    assert [leaf.record_key for leaf in log.leaves] == sorted(records, key=epoch_ms_of_record_key)


def test_the_api_gives_an_inclusion_proof_and_a_consistency_proof_anyone_can_check(opening_day, s3):
    _sequence(MARCH_16 + 60_000)  # four receipts
    _sequence(LATER)  # and the supplement: five
    proofs = handler_module("receiptlog")
    keys = _keys(s3)
    for receipt in opening_day:
        event = load_event("log-inclusion.json")
        event["queryStringParameters"] = {"entry": receipt["logEntry"]}
        answer = proofs.handler(event)
        assert answer["statusCode"] == 200, answer
        body = json.loads(answer["body"])
        assert verify_inclusion_answer(receipt["signedReceipt"], body, keys, ORIGIN)[1] == 5
    # Another receipt's proof does not prove this one.
    with pytest.raises(NotVerified, match="not in the log as the proof claims"):
        verify_inclusion_answer(opening_day[0]["signedReceipt"], body, keys, ORIGIN)
    event = load_event("log-consistency.json")
    event["queryStringParameters"] = {"from": "4", "to": "5"}
    consistency = json.loads(proofs.handler(event)["body"])
    first = s3.get_object(Bucket=SITE_BUCKET, Key="log/checkpoints/4")["Body"].read().decode()
    second = s3.get_object(Bucket=SITE_BUCKET, Key="log/checkpoints/5")["Body"].read().decode()
    (size4, root4), (size5, root5) = verify_checkpoint(first, keys, ORIGIN), verify_checkpoint(second, keys, ORIGIN)
    verify_consistency(size4, size5, root4, root5, [base64.b64decode(p) for p in consistency["proof"]])
    # Sizes as the contract writes them (ASCII digits, 1 <= from <= to <= size): Python's int() alone would read
    # Arabic-Indic digits and underscores; each is refused, naming the field, once the log holds entries.
    for query in ({"from": "\u0664", "to": "5"}, {"from": "4", "to": "5_0"}, {"from": " 4"}, {"from": "6"},
                  {"from": "0", "to": "5"}, {"to": "5"}):
        event["queryStringParameters"] = query
        refused = proofs.handler(event)
        assert refused["statusCode"] == 400 and "$.from" in refused["body"], (query, refused)
    # An entry that is not logged, and one that is no entry at all: said plainly.
    event = load_event("log-inclusion.json")
    event["queryStringParameters"] = {"entry": "0" * 64}
    assert proofs.handler(event)["statusCode"] == 404
    event["queryStringParameters"] = {"entry": "IMVO-20230315"}
    refused = proofs.handler(event)
    assert refused["statusCode"] == 400 and "$.entry" in refused["body"]


def test_the_monitor_finds_the_log_and_the_record_in_agreement(opening_day, s3):
    _sequence(LATER)
    report = audit(_store(), _keys(s3), ORIGIN, opening="2022-1")
    assert report.holds, report.problems
    assert (report.records, report.leaves) == (5, 5) and report.checkpoints == 1


def _first_key(s3, prefix: str) -> str:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)["Contents"])[0]


def _rewrite(s3, key: str, change) -> None:
    """A new version of an object (Object Lock keeps the old one: this is what an insider with write access could
    do, and what the monitor must catch)."""
    document = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    change(document)
    s3.put_object(Bucket=BUCKET, Key=key, Body=encode_document(document))


def _delete_a_record(s3):
    s3.delete_object(Bucket=BUCKET, Key=_first_key(s3, "applications/2023-03-15/"))


def _insert_a_record(s3):
    key = _first_key(s3, "applications/2023-03-15/")
    document = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    document["receipt"]["reference"] = document["receipt"]["signedReceipt"]["statement"]["reference"] = "IMVO-20230315-INSERTED"
    s3.put_object(Bucket=BUCKET, Key=key.replace(key.rsplit("-", 1)[1], "INSERTED.json"), Body=encode_document(document))


def _reorder_the_log(s3):
    def swap(batch):
        batch["entries"][0], batch["entries"][1] = batch["entries"][1], batch["entries"][0]
    _rewrite(s3, _first_key(s3, BATCHES_PREFIX), swap)


def _alter_a_record(s3):
    _rewrite(s3, _first_key(s3, "applications/2023-03-15/"),
             lambda d: d["application"]["penvoerder"].update(name="Een andere aanvrager"))


def _alter_a_log_entry(s3):
    _rewrite(s3, _first_key(s3, BATCHES_PREFIX), lambda b: b["entries"][2].update(entry="ab" * 32))


@pytest.mark.parametrize("tamper, found", [
    (_delete_a_record, "in the log, but no stored record has this receipt"),
    (_insert_a_record, "stored, but not in the log"),
    (_reorder_the_log, "the log was changed after it was signed"),
    (_alter_a_record, "not the one the receipt signed"),
    (_alter_a_log_entry, "the log was changed after it was signed"),
])
def test_the_monitor_detects_every_tampering(opening_day, s3, tamper, found):
    _sequence(LATER)
    tamper(s3)
    report = audit(_store(), _keys(s3), ORIGIN)
    assert not report.holds
    assert any(found in problem for problem in report.problems), report.problems


def test_the_draw_cannot_be_computed_before_the_days_checkpoint_and_is_reproducible_after(opening_day, s3):
    # 16 March would pass the companies' ceiling: the two applications of that day are drawn by lot.
    found = [candidate("A", "03-16T09:00:00.000", 5_900_000, sector="bouw"),
             candidate("B", "03-16T10:00:00.000", 400_000, sector="chemie"),
             candidate("C", "03-16T11:00:00.000", 300_000, sector="metaal")]
    _sequence(MARCH_16 + 60_000)  # 16 March is still open on this clock: no checkpoint of its end
    draw, days = draw_of(_store(), "the seed")
    assert list(days) == ["2023-03-15"]  # 15 March has ended; 16 March has not
    with pytest.raises(DrawNotYetPossible) as not_yet:
        allocate(found, CEILINGS, draw)
    assert not_yet.value.day == "2023-03-16"
    _sequence(LATER)
    draw, days = draw_of(_store(), "the seed")
    lines = allocate(found, CEILINGS, draw)
    drawn = [line for line in lines if line.lottery]
    assert len(drawn) == 3 and allocate(found, CEILINGS, draw_of(_store(), "the seed")[0]) == lines
    # Anyone recomputes it from the seed, the signed day checkpoint and the references (the published script).
    import importlib.util

    spec = importlib.util.spec_from_file_location("herbereken", PROJECT_ROOT / "content" / "extra" / "herbereken-loting.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    root = script.day_root(days["2023-03-16"]["checkpoint"])
    assert root == parse_checkpoint(days["2023-03-16"]["checkpoint"])[2].hex()
    by_script = [reference for _, reference in script.draw("the seed", root, ["A", "B", "C"])]
    assert by_script == [line.candidate.reference for line in sorted(drawn, key=lambda line: line.lottery_position)]
    # Another seed, or the same seed on another day's root, gives another key.
    assert draw_of(_store(), "another seed")[0].key("2023-03-16", "A") != draw.key("2023-03-16", "A")


def test_the_revealed_seed_must_match_the_commitment_published_before_the_opening():
    settings = load_settings()
    openings = load_openings(settings.data_dir, PROJECT_ROOT / "infra" / "local" / "demo-opening.json")
    demo = next(o for o in openings if o.id == "demo")
    assert demo.lottery_commitment == seed_commitment("imvo-demo-loting-2024")
    assert checked_commitment("imvo-demo-loting-2024", "demo", openings) == demo.lottery_commitment
    with pytest.raises(Refusal) as refused:
        checked_commitment("a seed chosen afterwards", "demo", openings)
    assert refused.value.findings[0].path == "$.seed" and "commitment" in refused.value.message_en
    assert checked_commitment("any", "2022-1", openings) is None  # no commitment was published for it: said in the report


def test_the_admin_functions_allocation_refuses_a_seed_that_does_not_match(s3, monkeypatch):
    monkeypatch.setenv("IMVO_EXTRA_OPENINGS_FILE", str(PROJECT_ROOT / "infra" / "local" / "demo-opening.json"))
    from tests.conftest import admin_call

    code, body = admin_call(handler_module("admin"), "admin-start-allocation.json", {"seed": "guessed", "opening": "demo"})
    assert code == 400 and body["error"]["findings"][0]["rule"] == "lottery:commitment"



def test_the_allocation_report_shows_the_commitment_the_revealed_seed_and_the_day_checkpoint(opening_day, s3):
    """Issue 23, item 8: what the draw used is in the report; the job reads the day checkpoints from the log."""
    from imvo.admin.allocation_report import report_html
    from tests.conftest import run_admin_job

    _sequence(LATER)
    found = [candidate("A", "03-16T09:00:00.000", 5_900_000, sector="bouw"),
             candidate("B", "03-16T10:00:00.000", 400_000, sector="chemie")]
    draw, days = draw_of(_store(), "imvo-demo-loting-2024")
    lines = allocate(found, CEILINGS, draw)
    html = report_html(lines, CEILINGS, "imvo-demo-loting-2024", "demo", seed_commitment("imvo-demo-loting-2024"),
                       [days["2023-03-16"]])
    assert seed_commitment("imvo-demo-loting-2024") in html and "imvo-demo-loting-2024" in html
    assert days["2023-03-16"]["checkpoint"].split("\n")[2] in html and "past niet" not in html
    assert "past niet bij de toezegging" in report_html(lines, CEILINGS, "other", "demo", seed_commitment("imvo-demo-loting-2024"))
    job, download = run_admin_job(handler_module("admin"), "admin-start-allocation.json", {"seed": "s", "opening": "2022-1"})
    (key,) = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="bundles/allocation/")["Contents"]
              if o["Key"].endswith("verdeling-2022-1.html")]
    report = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    assert job["result"]["seed"] == "s" and "verdeling-2022-1.html" in download["files"]
    assert "Onthulde seed" in report and "Niet gepubliceerd" in report


def test_a_new_container_finds_its_key_published_and_a_rotated_key_is_published_beside_the_old(opening_day, s3):
    import boto3

    _sequence(LATER)
    first = json.loads(s3.get_object(Bucket=SITE_BUCKET, Key=KEYS_FILE)["Body"].read())
    with acting_as("SequencerFunction"):
        SEQUENCER[:] = [Sequencer.from_settings(load_settings())]
    _sequence(LATER + 120_000)
    assert json.loads(s3.get_object(Bucket=SITE_BUCKET, Key=KEYS_FILE)["Body"].read()) == first
    # Rotation: a new key behind the alias (runbook). Receipts signed with the old key stay verifiable.
    kms = boto3.client("kms", region_name="eu-west-1")
    new_key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    kms.update_alias(AliasName=load_settings().receipt_key_id, TargetKeyId=new_key)
    with acting_as("SequencerFunction"):
        SEQUENCER[:] = [Sequencer.from_settings(load_settings())]
    _sequence(LATER + 240_000)
    rotated = json.loads(s3.get_object(Bucket=SITE_BUCKET, Key=KEYS_FILE)["Body"].read())
    assert [k["keyId"] for k in rotated["keys"]][:1] == [k["keyId"] for k in first["keys"]] and len(rotated["keys"]) == 2
    assert rotated["keys"][0]["validUntil"] and rotated["keys"][1]["validUntil"] is None
    assert verify_receipt(opening_day[0]["signedReceipt"], published_keys(rotated))
    assert audit(_store(), published_keys(rotated), ORIGIN).holds  # checkpoints by both keys verify
