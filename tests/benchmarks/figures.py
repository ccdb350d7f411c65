"""How every benchmark reports: a figure as its ratio to a baseline measured in the same run, repeated,
with the minimum and the median of the repeats."""

from __future__ import annotations

import statistics

REPEATS = 3


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def ratio_line(name: str, ratios: list[float], aim: float | None = None, unit: str = "x") -> str:
    """`name`: min and median of the repeats' ratios, and whether the median meets the aim."""
    median = statistics.median(ratios)
    verdict = "" if aim is None else (f"   aim <= {aim}{unit}: " + ("met" if median <= aim else "NOT met"))
    return (f"  {name:44} min {min(ratios):6.3f}{unit}  median {median:6.3f}{unit}"
            f"  ({len(ratios)} repeats: {', '.join(f'{r:.3f}' for r in ratios)}){verdict}")
