"""The admin command line, against the embedded S3 of `make run` or a real bucket:
`imvo-admin bundle`, `imvo-admin allocation`, `imvo-admin reject`."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timezone
from pathlib import Path

from imvo.admin.actions import allocation_files, record_rejection
from imvo.admin.bundle import build_bundle, days_between
from imvo.settings import load_settings
from imvo.intake.storage import AlreadyStored, ApplicationStore, StorageDenied, StorageUnavailable, s3_client


def _day(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{value}' is geen datum JJJJ-MM-DD / not a date YYYY-MM-DD") from error


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
    args = parser.parse_args(argv)

    settings = load_settings()
    store = ApplicationStore(s3_client(), settings.submissions_bucket, settings.retention_days)
    try:
        if args.command == "bundle":
            if args.day and (args.first or args.last) or not (args.day or (args.first and args.last)):
                parser.error("geef --day, of --from en --to / give --day, or --from and --to")
            days = [args.day] if args.day else days_between(args.first, args.last)
            result = build_bundle(store, days, settings.data_dir)
            args.out.mkdir(parents=True, exist_ok=True)
            target = args.out / result.filename
            target.write_bytes(result.zip_bytes)
            print(f"{target}: {result.count} aanvraag/aanvragen, {days[0]} t/m {days[-1]} ({len(result.zip_bytes)} bytes, sha256 {result.sha256})")
        elif args.command == "allocation":
            args.out.mkdir(parents=True, exist_ok=True)
            for name, content in allocation_files(store, settings.data_dir, args.seed, args.opening).items():
                (args.out / name).write_bytes(content)
                print(args.out / name)
        elif args.command == "reject":
            record_rejection(store, args.reference, args.reason, datetime.now(timezone.utc))
            print(f"{args.reference}: afgewezen vastgelegd / rejection recorded")
    except AlreadyStored:
        print("Er is al een besluit over deze aanvraag / a decision on this application exists", file=sys.stderr)
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
