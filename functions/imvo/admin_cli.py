"""The admin command line: `imvo-admin bundle --day YYYY-MM-DD` against the embedded S3 or a real bucket."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from .bundle import build_bundle
from .settings import load_settings
from .storage import ApplicationStore, StorageUnavailable, s3_client


def _day(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{value}' is geen datum JJJJ-MM-DD / not a date YYYY-MM-DD") from error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="imvo-admin", description="Beheer van aanvragen / admin of applications")
    commands = parser.add_subparsers(dest="command", required=True)
    bundle = commands.add_parser("bundle", help="zip met de aanvragen van één Nederlandse kalenderdag")
    bundle.add_argument("--day", required=True, type=_day, help="Nederlandse kalenderdag, JJJJ-MM-DD")
    bundle.add_argument("--out", type=Path, default=Path("bundles"), help="map voor de zip (standaard: bundles/)")
    args = parser.parse_args(argv)

    settings = load_settings()
    store = ApplicationStore(s3_client(), settings.submissions_bucket)
    try:
        result = build_bundle(store, args.day, settings.data_dir)
    except StorageUnavailable as error:
        print(f"Opslag niet bereikbaar / storage unavailable: {error}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / result.filename
    target.write_bytes(result.zip_bytes)
    print(f"{target}: {result.count} aanvraag/aanvragen van {args.day} ({len(result.zip_bytes)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
