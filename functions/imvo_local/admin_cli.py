"""The admin command line, against the embedded S3 of `make run` or a real bucket: `imvo-admin bundle`,
`imvo-admin allocation` (both run as jobs, with a progress bar), `imvo-admin reject`, `imvo-admin trail`,
`imvo-admin budget` (the public budget.json into the built site), `imvo-admin verify-receipt` and
`imvo-admin audit-log` (issue 23: a signed receipt, and the receipt log against the record)."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from datetime import date, datetime, timezone
from pathlib import Path

import boto3
from tqdm import tqdm

from imvo.admin.allocation import checked_commitment
from imvo.admin.decisions import record_completeness, record_decision, record_rejection, request_supplement
from imvo.casework.records import COMPLETENESS_WORDS, DECISION_WORDS
from imvo.intake.refusal import Refusal
from imvo.admin.budget import BUDGET_FILE, as_file, budget_of, latest_opened
from imvo.admin.jobs import ALLOCATION, BUNDLE, JobBoard
from imvo.admin.runner import JobFailed, run
from imvo.audit.trail import AuditTrail
from imvo.intake.storage import ApplicationStore, StorageDenied, StorageUnavailable, s3_client
from imvo.programme.facts import load_openings
from imvo.settings import load_settings
from imvo.transparency.audit import audit
from imvo.transparency.publication import KEYS_FILE
from imvo.transparency.receipt_log import parse_checkpoint
from imvo.transparency.verification import (NotVerified, published_keys, verify_checkpoints_consistent,
                                            verify_receipt)


def _day(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{value}' is geen datum JJJJ-MM-DD / not a date YYYY-MM-DD") from error


def admin_identity() -> str:
    """Who is acting, for the audit trail: the caller's IAM identity, as AWS knows it."""
    return boto3.client("sts").get_caller_identity()["Arn"]


def _run_with_bar(board: JobBoard, kind: str, params: dict, by: str, data_dir: Path) -> dict:
    """The job path the admin function starts, run here, its progress shown as a bar on the terminal."""
    job = board.create(kind, params, by, datetime.now(timezone.utc))
    with tqdm(unit=" aanvragen", desc=f"{kind} {job['id'][:8]}", file=sys.stderr, dynamic_ncols=True) as bar:
        def watch(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        return run(board, data_dir, job["id"], watch)


def _fetch(store: ApplicationStore, key: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(store.get_bytes(key))


def _read_keys(args) -> dict:
    """The published receipt keys: a file, or a URL (by default the site's log/receipt-keys.json)."""
    source = args.keys or f"{args.site.rstrip('/')}/{KEYS_FILE}"
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=10) as answer:  # noqa: S310 - an address the officer gives
            return json.loads(answer.read())
    return json.loads(Path(source).read_text(encoding="utf-8"))


def signed_receipts_in(path: Path) -> list[dict]:
    """The signed receipts in a file: the API's answer, a signed receipt alone, or a receipt PDF (its attachments:
    the application's and, after herstel, the supplement's)."""
    data = path.read_bytes()
    if data.startswith(b"%PDF"):
        from pypdf import PdfReader

        attachments = PdfReader(path).attachments
        found = [json.loads(content) for name, contents in sorted(attachments.items()) if name.endswith(".json")
                 for content in contents]
        if not found:
            raise ValueError("deze PDF bevat geen ondertekend ontvangstbewijs / this PDF holds no signed receipt")
        return found
    document = json.loads(data)
    if not isinstance(document, dict):
        raise ValueError("geen JSON-object / not a JSON object")
    return [document.get("signedReceipt", document)]


def _fetch_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - the site the officer names
        return answer.read().decode("utf-8")


def _check_consistency(args) -> int:
    """Anyone's check that the log never rewrote its history: two published checkpoints and the API's proof."""
    site = args.site.rstrip("/")
    try:
        keys = _read_keys(args)
        second = _fetch_text(f"{site}/log/checkpoints/{args.second}" if args.second else f"{site}/log/checkpoint")
        second_size = parse_checkpoint(second)[1]
        first = _fetch_text(f"{site}/log/checkpoints/{args.first}")
        answer = json.loads(_fetch_text(f"{site}/api/log/consistency?from={args.first}&to={second_size}"))
        sizes = verify_checkpoints_consistent(first, second, answer, published_keys(keys), keys["origin"])
    except NotVerified as refused:
        print(f"NIET CONSISTENT / NOT CONSISTENT: {refused.nl} / {refused.en}", file=sys.stderr)
        return 5
    except (OSError, ValueError, KeyError, IndexError) as error:
        print(f"Niet op te halen / cannot be fetched: {error}", file=sys.stderr)
        return 2
    print(f"CONSISTENT: het checkpoint van {sizes[1]} zet dat van {sizes[0]} voort / the checkpoint of {sizes[1]} "
          f"continues that of {sizes[0]}")
    return 0


def _verify_receipt(args) -> int:
    try:
        found, keys = signed_receipts_in(args.file), published_keys(_read_keys(args))
    except (OSError, ValueError) as error:
        print(f"Niet te lezen / cannot be read: {error}", file=sys.stderr)
        return 2
    for signed in found:
        try:
            statement = verify_receipt(signed, keys)
        except NotVerified as refused:
            print(f"NIET GELDIG / NOT VALID: {refused.nl} / {refused.en}", file=sys.stderr)
            return 5
        moment = datetime.fromtimestamp(statement["receivedAtMs"] / 1000, tz=timezone.utc)
        print(f"GELDIG / VALID: {statement.get('supplementReference') or statement['reference']} "
              f"({statement['type']}, pijler/pillar {statement['pillar']}), ontvangen / received "
              f"{moment.isoformat(timespec='milliseconds')}, sha256 {statement['sha256']}, key {statement['keyId'][:16]}…")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="imvo-admin", description="Beheer van aanvragen / admin of applications")
    commands = parser.add_subparsers(dest="command", required=True)
    bundle = commands.add_parser("bundle", help="zip met de aanvragen van Nederlandse kalenderdag(en)")
    bundle.add_argument("--day", type=_day, help="één Nederlandse kalenderdag, JJJJ-MM-DD")
    bundle.add_argument("--from", dest="first", type=_day, help="eerste dag van een reeks")
    bundle.add_argument("--to", dest="last", type=_day, help="laatste dag van een reeks")
    bundle.add_argument("--out", type=Path, default=Path("bundles"), help="map voor de zip (standaard: bundles/)")
    allocation = commands.add_parser("allocation", help="verdeling over de plafonds, met loting (Artikel 4)")
    allocation.add_argument("--seed", required=True, help="de vooraf gepubliceerde seed van de loting")
    allocation.add_argument("--opening", default="2022-1", help="openstelling (standaard: de eerste, 2022-1)")
    allocation.add_argument("--out", type=Path, default=Path("bundles"), help="map voor CSV, HTML en PDF")
    reject = commands.add_parser("reject", help="leg vast dat een aanvraag is afgewezen (II.3.1)")
    reject.add_argument("reference")
    reject.add_argument("--reason", required=True)
    reject.add_argument("--section", default="II.3.1", help="het artikel of de paragraaf (standaard II.3.1)")
    decide = commands.add_parser("decide", help="leg het besluit over een aanvraag eenmalig vast / record the decision once")
    decide.add_argument("reference")
    decide.add_argument("decision", choices=sorted(DECISION_WORDS))
    decide.add_argument("--section", default="")
    decide.add_argument("--reason", default="")
    request = commands.add_parser("request-supplement", help="vraag om aanvulling (herstelverzoek, II.2.2, III.2.2)")
    request.add_argument("reference")
    request.add_argument("--item", action="append", required=True, help="wat ontbreekt of onvoldoende is (herhaalbaar)")
    request.add_argument("--term", required=True, help="laatste dag, JJJJ-MM-DD (Nederlandse tijd)")
    completeness = commands.add_parser("completeness", help="leg de uitkomst van de volledigheidscontrole vast")
    completeness.add_argument("reference")
    completeness.add_argument("outcome", choices=sorted(COMPLETENESS_WORDS))
    completeness.add_argument("--note", default="")
    trail = commands.add_parser("trail", help="het audit-spoor van een aanvraag / an application's audit trail")
    trail.add_argument("reference")
    budget = commands.add_parser("budget", help="de openbare budgetmeter (budget.json) voor de site / the public budget meter")
    budget.add_argument("--opening", help="openstelling (standaard: de laatst geopende) / opening (default: the last opened)")
    budget.add_argument("--site", type=Path, default=Path("output"), help="de gebouwde site (standaard: output/)")
    verify = commands.add_parser("verify-receipt", help="controleer een ontvangstbewijs (JSON of PDF) / verify a receipt")
    verify.add_argument("file", type=Path)
    verify.add_argument("--keys", default=None, help="receipt-keys.json: bestand of URL (standaard: van --site)")
    verify.add_argument("--site", default="http://127.0.0.1:8000", help="de site (standaard: die van make run)")
    audit_log = commands.add_parser("audit-log", help="reken het ontvangstlogboek na tegen het archief / audit the receipt log")
    audit_log.add_argument("--opening", default=None, help="alleen de aanvragen van deze openstelling moeten erin staan")
    audit_log.add_argument("--keys", default=None, help="receipt-keys.json: bestand of URL (standaard: van --site)")
    audit_log.add_argument("--site", default="http://127.0.0.1:8000")
    consistency = commands.add_parser("check-consistency",
                                      help="bewijs dat het logboek twee checkpoints niet herschreef / prove two checkpoints consistent")
    consistency.add_argument("first", type=int, help="de omvang van het eerdere checkpoint / the earlier size")
    consistency.add_argument("second", type=int, nargs="?", help="de latere omvang (standaard: de laatste)")
    consistency.add_argument("--keys", default=None)
    consistency.add_argument("--site", default="http://127.0.0.1:8000")
    args = parser.parse_args(argv)
    if args.command == "verify-receipt":
        return _verify_receipt(args)
    if args.command == "check-consistency":
        return _check_consistency(args)
    if args.command == "bundle" and (args.day and (args.first or args.last) or not (args.day or (args.first and args.last))):
        parser.error("geef --day, of --from en --to / give --day, or --from and --to")
    if args.command == "bundle" and not args.day and args.last < args.first:
        parser.error("--to ligt vóór --from / --to is before --from")

    settings = load_settings()
    store = ApplicationStore(s3_client(), settings.submissions_bucket, settings.retention_days)
    try:
        if args.command == "bundle":
            by = admin_identity()
            first, last = (args.day, args.day) if args.day else (args.first, args.last)
            job = _run_with_bar(JobBoard(store), BUNDLE, {"from": first, "to": last}, by, settings.data_dir)
            result = job["result"]
            target = args.out / result["filename"]
            _fetch(store, result["key"], target)
            AuditTrail(store).downloaded(job["id"], by, datetime.now(timezone.utc))
            print(f"{target}: {result['applications']} aanvraag/aanvragen, {first} t/m {last} "
                  f"({result['size']} bytes, sha256 {result['sha256']})")
        elif args.command == "allocation":
            by = admin_identity()
            commitment = checked_commitment(args.seed, args.opening,
                                            load_openings(settings.data_dir, settings.extra_openings_file))
            job = _run_with_bar(JobBoard(store), ALLOCATION,
                                {"seed": args.seed, "opening": args.opening, "commitment": commitment}, by, settings.data_dir)
            for name, key in job["result"]["files"].items():
                _fetch(store, key, args.out / name)
                print(args.out / name)
        elif args.command == "reject":
            record_rejection(store, args.reference, args.reason, datetime.now(timezone.utc), admin_identity(), args.section)
            print(f"{args.reference}: afgewezen vastgelegd / rejection recorded")
        elif args.command == "decide":
            record_decision(store, args.reference, args.decision, args.section, args.reason, admin_identity(),
                            datetime.now(timezone.utc))
            print(f"{args.reference}: {DECISION_WORDS[args.decision][0]} vastgelegd / {DECISION_WORDS[args.decision][1]} recorded")
        elif args.command == "request-supplement":
            record = request_supplement(store, args.reference, args.item, args.term, admin_identity(), datetime.now(timezone.utc))
            print(f"{args.reference}: herstelverzoek vastgelegd, termijn t/m {record['term']} / supplement requested")
        elif args.command == "completeness":
            record_completeness(store, args.reference, args.outcome, args.note, admin_identity(), datetime.now(timezone.utc))
            print(f"{args.reference}: {COMPLETENESS_WORDS[args.outcome][0]} vastgelegd / recorded")
        elif args.command == "budget":
            now = datetime.now(timezone.utc)
            opening = args.opening or getattr(latest_opened(load_openings(settings.data_dir, settings.extra_openings_file), now), "id", None)
            if opening is None:
                print("Er is nog geen openstelling geopend / no opening has opened yet", file=sys.stderr)
                return 4
            target = args.site / BUDGET_FILE
            target.write_bytes(as_file(budget_of(store, settings.data_dir, opening, now)))
            print(f"{target}: {opening}")
        elif args.command == "audit-log":
            report = audit(store, published_keys(_read_keys(args)), settings.log_origin, args.opening)
            print(f"{report.records} ontvangen / received, {report.leaves} in het logboek / in the log, "
                  f"{report.checkpoints} checkpoints")
            for problem in report.problems:
                print(f"  PROBLEEM / PROBLEM: {problem}")
            print("Het logboek klopt met het archief / the log matches the record" if report.holds else
                  f"{len(report.problems)} problemen / problems")
            return 0 if report.holds else 5
        elif args.command == "trail":
            events = AuditTrail(store).trail_of(args.reference)
            if not events:
                raise KeyError(args.reference)
            for event in events:
                details = {k: v for k, v in event.items() if k not in ("subject", "event", "at", "by")}
                print(f"{event['at']}  {event['event']:<12}  {event['by']}  {json.dumps(details, ensure_ascii=False)}")
    except JobFailed as failed:
        job = failed.job
        print(f"De taak is mislukt / the job failed: {job['reason']} {job.get('incident') or ''}".rstrip(), file=sys.stderr)
        return 2
    except Refusal as refusal:
        print(f"{refusal.message_nl} / {refusal.message_en}", file=sys.stderr)
        for finding in refusal.findings:
            print(f"  {finding.path}: {finding.message_nl} / {finding.message_en}", file=sys.stderr)
        return 3
    except KeyError as error:
        print(f"Geen aanvraag met referentie {error.args[0]} / no application with reference {error.args[0]}", file=sys.stderr)
        return 4
    except StorageDenied as error:
        print(f"Geen toegang tot de opslag / access denied by the storage: {error}", file=sys.stderr)
        return 2
    except StorageUnavailable as error:
        print(f"Opslag niet bereikbaar / storage unavailable: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
