"""Allocation (Artikel 3, Artikel 4, II.3.1, II.3.2, III.3.2) with hand-computed expectations."""

import csv
import io
from decimal import Decimal

from imvo.admin.allocation import (HELD, INCOMPLETE, REJECTED, SECTOR_CAP, WITHIN_CEILING, Candidate, allocate,
                             lottery_key)
from tests.conftest import DAY_ROOT, sealed
from imvo.admin.allocation_report import report_csv, report_html, report_pdf

CEILINGS = {"pillar1-companies": Decimal("6000000"), "pillar1-cso": Decimal("3000000"), "pillar2": Decimal("2300000")}


def candidate(reference, when, amount_companies=0, amount_cso=0, pillar=1, sector="metaal", complete=True, rejected=False,
              amount_p2=0):
    return Candidate(reference=reference, received_at=f"2023-{when}Z", request_id=reference, dutch_day=f"2023-{when[:5]}",
                     pillar=pillar, sector=sector, penvoerder=f"{reference} B.V.",
                     amounts={"pillar1-companies": Decimal(amount_companies), "pillar1-cso": Decimal(amount_cso),
                              "pillar2": Decimal(amount_p2)},
                     complete=complete, rejected=rejected)


def statuses(lines):
    return {line.candidate.reference: line.status for line in lines}


def test_order_of_receipt_until_the_ceiling_is_reached_on_a_given_day():
    # Companies' ceiling €6,000,000. Day 1: 2.0M + 2.5M = 4.5M fits. Day 2: 1.0M fits (5.5M).
    # Day 3: 0.4M + 0.3M = 0.7M > 0.5M left: that day is drawn by lot; day 4 is held.
    found = [candidate("A", "05-01T09:00:00.000", 2_000_000, sector="bouw"), candidate("B", "05-01T10:00:00.000", 2_500_000, sector="chemie"),
             candidate("C", "05-02T09:00:00.000", 1_000_000, sector="energie"),
             candidate("D", "05-03T09:00:00.000", 400_000, sector="metaal"), candidate("E", "05-03T09:30:00.000", 300_000, sector="textiel-en-kleding"),
             candidate("F", "05-04T09:00:00.000", 50_000, sector="bouw")]
    lines = allocate(found, CEILINGS, sealed("seed-2023"))
    result = statuses(lines)
    assert result["A"] == result["B"] == result["C"] == WITHIN_CEILING
    assert {line.candidate.reference for line in lines if line.lottery} == {"D", "E"}
    first = min(["D", "E"], key=lambda r: lottery_key("seed-2023", DAY_ROOT, r))
    second = ({"D", "E"} - {first}).pop()
    assert result[first] == WITHIN_CEILING and result[second] == HELD
    assert result["F"] == HELD  # after the ceiling was reached, later applications are held (II.3.1)
    used = Decimal(5_500_000) + (Decimal(400_000) if first == "D" else Decimal(300_000))
    assert lines[-1].cumulative["pillar1-companies"] == used


def test_lottery_is_reproducible_and_depends_on_the_seed():
    found = [candidate(f"R{i}", f"06-01T09:{i:02d}:00.000", 1_000_000, sector=s)
             for i, s in enumerate(["bouw", "chemie", "energie", "metaal", "olie-en-gas", "textiel-en-kleding", "voedingsmiddelen"])]
    winners = lambda seed: [l.candidate.reference for l in sorted(allocate(found, CEILINGS, sealed(seed)), key=lambda l: l.lottery_key) if l.status == WITHIN_CEILING]
    assert winners("published-seed") == winners("published-seed")
    assert len(winners("published-seed")) == 6
    seeds = {tuple(winners(f"seed-{n}")) for n in range(10)}
    assert len(seeds) > 1


def test_at_most_three_grants_per_sector():
    found = [candidate(f"T{i}", f"07-0{i + 1}T09:00:00.000", 100_000, sector="textiel-en-kleding") for i in range(5)]
    found.append(candidate("O", "07-08T09:00:00.000", 100_000, sector="other"))
    result = statuses(allocate(found, CEILINGS, sealed("s")))
    assert [result[f"T{i}"] for i in range(5)] == [WITHIN_CEILING] * 3 + [SECTOR_CAP] * 2
    assert result["O"] == WITHIN_CEILING


def test_a_rejected_earlier_application_frees_room_for_a_later_one():
    found = [candidate("BIG", "08-01T09:00:00.000", 5_900_000, sector="bouw"), candidate("LATE", "08-02T09:00:00.000", 500_000, sector="chemie")]
    assert statuses(allocate(found, CEILINGS, sealed("s")))["LATE"] == HELD
    found[0].rejected = True
    result = statuses(allocate(found, CEILINGS, sealed("s")))
    assert result == {"BIG": REJECTED, "LATE": WITHIN_CEILING}


def test_incomplete_applications_wait_and_pillars_have_their_own_ceilings():
    found = [candidate("INC", "09-01T09:00:00.000", 100_000, complete=False),
             candidate("P2", "09-01T10:00:00.000", pillar=2, sector="", amount_p2=150_000),
             candidate("CSO", "09-01T11:00:00.000", 0, 2_900_000, sector="energie"),
             candidate("CSO2", "09-02T11:00:00.000", 0, 200_000, sector="bouw"),
             candidate("COMP", "09-02T12:00:00.000", 1_000_000, 0, sector="metaal")]
    result = statuses(allocate(found, CEILINGS, sealed("s")))
    assert result == {"INC": INCOMPLETE, "P2": WITHIN_CEILING, "CSO": WITHIN_CEILING, "CSO2": HELD, "COMP": WITHIN_CEILING}


def test_report_as_csv_html_and_pdf_with_a_chart_per_ceiling():
    found = [candidate("A", "05-01T09:00:00.000", 2_000_000, 50_000, sector="bouw"), candidate("B", "05-02T09:00:00.000", 4_500_000, sector="chemie")]
    lines = allocate(found, CEILINGS, sealed("report-seed"))
    csv_text = report_csv(lines).decode()
    assert csv_text.splitlines()[0].startswith("\"order\",\"receiptOrder\",\"reference\",\"effectiveReceivedAt\"")  # every cell quoted
    assert ",\"A\"," in csv_text and ",\"held\"," in csv_text
    html = report_html(lines, CEILINGS, "report-seed", "2022-1")
    assert html.count("<svg") == 3 and "report-seed" in html
    from io import BytesIO

    from pypdf import PdfReader

    text = " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(report_pdf(html))).pages).split())
    assert "aangehouden" in text and "binnen het plafond" in text and "€ 6.000.000" in text


def test_the_report_reads_in_the_order_of_treatment_with_the_lottery_position_and_cumulative_amounts_that_never_go_down():
    """Artikel 4, II.3.2: the lottery day's applications are listed where the lottery placed them, and the
    cumulative column follows that same order; incomplete and rejected rows say they are not counted."""
    found = [candidate("A", "05-01T09:00:00.000", 5_000_000, sector="bouw"),
             candidate("INC", "05-01T09:30:00.000", 10_000, sector="chemie", complete=False),
             candidate("REJ", "05-01T09:40:00.000", 20_000, sector="chemie", rejected=True)]
    found += [candidate(f"L{i}", f"05-02T09:0{i}:00.000", 300_000, sector=s)
              for i, s in enumerate(["metaal", "energie", "textiel-en-kleding", "voedingsmiddelen", "olie-en-gas"])]
    lines = allocate(found, CEILINGS, sealed("report-order"))
    rows = list(csv.DictReader(io.StringIO(report_csv(lines).decode())))
    assert [int(r["order"]) for r in rows] == list(range(1, len(found) + 1))
    by_lot = sorted((f"L{i}" for i in range(5)), key=lambda r: lottery_key("report-order", DAY_ROOT, r))
    assert [r["reference"] for r in rows] == ["A", "INC", "REJ"] + by_lot
    assert [r["lotteryPosition"] for r in rows[3:]] == ["1", "2", "3", "4", "5"]
    assert [r["receiptOrder"] for r in rows[3:]] == [str(4 + int(ref[1])) for ref in by_lot]
    counted = [Decimal(r["cumulative:pillar1-companies"]) for r in rows if r["cumulative:pillar1-companies"]]
    assert counted == sorted(counted) and counted[-1] == Decimal(5_900_000)  # A + three of the five, in lottery order
    assert [r["status"] for r in rows[3:]] == [WITHIN_CEILING] * 3 + [HELD] * 2
    assert rows[1]["cumulative:pillar1-companies"] == rows[2]["cumulative:pillar2"] == ""
    html = report_html(lines, CEILINGS, "report-order", "2022-1")
    assert html.count("telt niet mee · not counted") == 2 * 3
    assert "(loting, 1e getrokken)" in html and "onderdelen ontbreken: telt niet mee" in html


def _store_examples(s3):
    import json

    from tests.conftest import handler_module, load_event, load_fixture

    module = handler_module("submit")
    receipts = []
    for index, name in enumerate(["pillar1-complete.json", "pillar2-complete.json", "pillar1-incomplete.json"]):
        event = load_event("submit-pillar1-valid.json")
        event["body"] = json.dumps(load_fixture(name))
        event["requestContext"]["requestId"] = f"alloc-{index}"
        event["requestContext"]["timeEpoch"] += index * 1000
        receipts.append(json.loads(module.handler(event)["body"]))
    return receipts


def test_cli_allocation_and_a_recorded_rejection(s3, tmp_path, capsys):
    from imvo_local import admin_cli

    receipts = _store_examples(s3)
    assert admin_cli.main(["allocation", "--seed", "s-2023", "--out", str(tmp_path)]) == 0
    rows = list(csv.DictReader((tmp_path / "verdeling-2022-1.csv").open()))
    assert [r["status"] for r in rows] == [WITHIN_CEILING, WITHIN_CEILING, INCOMPLETE]
    assert (tmp_path / "verdeling-2022-1.pdf").read_bytes().startswith(b"%PDF-")
    assert admin_cli.main(["reject", receipts[0]["reference"], "--reason", "criterion 2 of II.3.1 not met"]) == 0
    assert admin_cli.main(["reject", receipts[0]["reference"], "--reason", "again"]) == 3  # decisions are written once
    assert admin_cli.main(["reject", "IMVO-20230315-NOSUCHAP", "--reason", "x"]) == 4
    assert admin_cli.main(["allocation", "--seed", "s-2023", "--out", str(tmp_path)]) == 0
    rows = list(csv.DictReader((tmp_path / "verdeling-2022-1.csv").open()))
    assert rows[0]["status"] == REJECTED and rows[0]["cumulative:pillar1-companies"] == ""


def test_admin_jobs_store_the_bundle_and_the_report_and_answer_short_lived_links(s3):
    import hashlib
    from urllib.parse import parse_qs, urlsplit

    from tests.conftest import BUCKET, admin_call, handler_module, run_admin_job

    receipts = _store_examples(s3)
    module = handler_module("admin")
    job, download = run_admin_job(module, "admin-start-bundle.json", {"day": receipts[0]["dutchDay"]})
    assert job["result"]["applications"] == 3 and download["expiresInSeconds"] == 300
    ((name, url),) = download["files"].items()
    assert name == f"imvo-aanvragen-{receipts[0]['dutchDay']}.zip"
    query = parse_qs(urlsplit(url).query)
    assert query.get("X-Amz-Expires") == ["300"] or "Expires" in query
    assert urlsplit(url).path.endswith(f"bundles/{receipts[0]['dutchDay']}/{job['result']['sha256']}.zip")
    stored = s3.get_object(Bucket=BUCKET, Key=f"bundles/{receipts[0]['dutchDay']}/{job['result']['sha256']}.zip")["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == job["result"]["sha256"]
    job, download = run_admin_job(module, "admin-start-allocation.json", {"seed": "published"})
    assert set(download["files"]) == {"verdeling-2022-1.csv", "verdeling-2022-1.html", "verdeling-2022-1.pdf"}
    status, body = admin_call(module, "admin-start-bundle.json", {"day": "yesterday"})
    assert status == 400 and body["error"]["findings"][0]["path"] == "$.day"


def test_a_day_that_passes_only_the_pillar_2_ceiling_leaves_pillar_1_in_order_of_receipt():
    """Artikel 4, II.3.2, III.3.2: the lottery belongs to the ceiling that would be passed, not to the day."""
    found = [candidate(f"P{i}", f"08-01T09:0{i}:00.000", pillar=2, amount_p2=600_000, sector="") for i in range(5)]
    found += [candidate(f"T{i}", f"08-01T10:0{i}:00.000", 100_000, sector="textiel-en-kleding") for i in range(5)]
    lines = allocate(found, CEILINGS, sealed("seed-2023"))
    result = statuses(lines)
    assert {line.candidate.reference for line in lines if line.lottery} == {f"P{i}" for i in range(5)}
    # pillar 1 was nowhere near its ceilings: the first three textile applications in order of receipt get the slots
    assert [result[f"T{i}"] for i in range(5)] == [WITHIN_CEILING] * 3 + [SECTOR_CAP] * 2
    winners = sorted((f"P{i}" for i in range(5)), key=lambda r: lottery_key("seed-2023", DAY_ROOT, r))
    assert [result[r] for r in winners] == [WITHIN_CEILING] * 3 + [HELD] * 2  # 3 × 600,000 ≤ 2.3M < 4 × 600,000


def test_a_pillar_1_ceiling_day_draws_only_the_applications_on_that_ceiling():
    found = [candidate("A", "09-01T09:00:00.000", 5_900_000, sector="bouw"),
             candidate("B", "09-02T09:00:00.000", 80_000, sector="chemie"),
             candidate("C", "09-02T09:10:00.000", 80_000, sector="energie"),
             candidate("S", "09-02T09:20:00.000", amount_cso=50_000, sector="metaal")]  # only the CSO part
    lines = allocate(found, CEILINGS, sealed("s"))
    assert {line.candidate.reference for line in lines if line.lottery} == {"B", "C"}
    result = statuses(lines)
    assert result["S"] == WITHIN_CEILING and sorted([result["B"], result["C"]]) == [HELD, WITHIN_CEILING]
