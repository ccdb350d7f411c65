"""`make bench`: benchmarks that print figures, each against a baseline measured in the same run (ratios:
minimum and median of repeats; see tests/benchmarks/figures.py)."""

from __future__ import annotations

import argparse
import sys

from tests.benchmarks import bundles, intake, jobs, largest, opening, site

SECTIONS = {"site": site.run, "intake": intake.run, "bundles": bundles.run, "jobs": jobs.run, "opening": opening.run,
            "largest": largest.run}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("sections", nargs="*", help=f"some of: {', '.join(SECTIONS)} (default: all)")
    args = parser.parse_args(argv)
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    for name in args.sections or SECTIONS:
        print(f"\n== {name} ==", flush=True)
        SECTIONS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
