"""The programme's key facts (content/data/programme.json) and its opening windows in Dutch time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

DUTCH_TIME = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True)
class Opening:
    """A window in which applications are accepted (Artikel 2): from `opens` up to and including `closes`."""

    id: str
    label_nl: str
    label_en: str
    pillars: tuple[int, ...]
    opens: datetime | None  # aware, Europe/Amsterdam; None while "nader bekend te maken"
    closes: datetime | None
    demo: bool = False
    # SHA-256 (hex) of the lottery seed, published before the opening; the seed is revealed with the allocation
    lottery_commitment: str | None = None

    @property
    def announced(self) -> bool:
        return self.opens is not None and self.closes is not None

    def accepts(self, pillar: int, moment: datetime) -> bool:
        """Artikel 2: "vanaf 10 oktober 2022 tot en met 26 september 2023, 12.00 uur Nederlandse tijd"."""
        return self.announced and pillar in self.pillars and self.opens <= moment <= self.closes


def _dutch(value: str | None) -> datetime | None:
    # Wall-clock times of the regulation are Dutch time; zoneinfo picks CET or CEST for the date.
    return datetime.fromisoformat(value).replace(tzinfo=DUTCH_TIME) if value else None


def _opening(raw: dict, demo: bool) -> Opening:
    return Opening(
        id=raw["id"],
        label_nl=raw["label"]["nl"],
        label_en=raw["label"]["en"],
        pillars=tuple(raw["pillars"]),
        opens=_dutch(raw.get("opens")),
        closes=_dutch(raw.get("closes")),
        demo=demo,
        lottery_commitment=raw.get("lotteryCommitment"),
    )


@lru_cache(maxsize=8)
def load_facts(data_dir: Path) -> dict:
    return json.loads((data_dir / "programme.json").read_text(encoding="utf-8"))


def load_openings(data_dir: Path, extra_openings_file: Path | None = None) -> tuple[Opening, ...]:
    """The programme's real openings, plus any from a separate file (the demo opening of `make run`)."""
    openings = [_opening(raw, demo=False) for raw in load_facts(data_dir)["openings"]]
    if extra_openings_file is not None:
        extra = json.loads(Path(extra_openings_file).read_text(encoding="utf-8"))
        openings += [_opening(raw, demo=True) for raw in extra["openings"]]
    return tuple(openings)


def opening_for(openings: tuple[Opening, ...], pillar: int, moment: datetime) -> Opening | None:
    for opening in openings:
        if opening.accepts(pillar, moment):
            return opening
    return None


def sector_ids(data_dir: Path) -> list[str]:
    return [item["id"] for item in load_facts(data_dir)["sectors"]["items"]]


@dataclass(frozen=True)
class Limits:
    """The regulation's figures the rules and the calculator apply, read from programme.json."""

    hourly_rate_max: Decimal  # I.4.1, I.4.2 a
    project_management_max_share: Decimal  # I.4.1, of the total number of days
    travel_max_share: Decimal  # I.4.2 b, of the total eligible costs
    p1_min_companies: int  # II.1.3
    p1_min_months: int  # II.1.5
    p1_max_months: int
    p1_start_within_months_of_grant: int
    p1_end_by: date
    p1_company_share: Decimal  # II.1.6
    p1_company_max_per_year: Decimal
    p1_cso_share: Decimal
    p1_cso_max_per_year: Decimal
    de_minimis_max: Decimal  # II.1.7
    de_minimis_fiscal_years: int
    p2_min_annual_budget: Decimal  # III.1.3
    p2_max_months: int  # III.1.5
    p2_start_within_months_of_submission: int
    p2_end_by: date
    p2_max_per_year: Decimal  # III.1.6
    max_grants_per_sector: int  # Artikel 4, II.3.2


@lru_cache(maxsize=8)
def load_limits(data_dir: Path) -> Limits:
    facts = load_facts(data_dir)
    p1, p2, costs = facts["pillar1"], facts["pillar2"], facts["costs"]
    return Limits(
        hourly_rate_max=Decimal(costs["hourly_rate_max"]["value"]),
        project_management_max_share=Decimal(costs["project_management_max_share_of_days"]["value"]),
        travel_max_share=Decimal(costs["travel_max_share_of_eligible_costs"]["value"]),
        p1_min_companies=p1["min_companies"]["value"],
        p1_min_months=12 * p1["duration_years"]["min"],
        p1_max_months=12 * p1["duration_years"]["max"],
        p1_start_within_months_of_grant=p1["start_within_months_of_grant"]["value"],
        p1_end_by=date.fromisoformat(p1["end_by"]["value"]),
        p1_company_share=Decimal(p1["companies"]["max_share"]),
        p1_company_max_per_year=Decimal(p1["companies"]["max_per_year"]),
        p1_cso_share=Decimal(p1["cso"]["max_share"]),
        p1_cso_max_per_year=Decimal(p1["cso"]["max_per_year"]),
        de_minimis_max=Decimal(facts["de_minimis"]["max_per_company"]),
        de_minimis_fiscal_years=facts["de_minimis"]["fiscal_years"],
        p2_min_annual_budget=Decimal(p2["penvoerder_min_annual_budget"]["value"]),
        p2_max_months=12 * p2["duration_years"]["max"],
        p2_start_within_months_of_submission=p2["start_within_months_of_submission"]["value"],
        p2_end_by=date.fromisoformat(p2["end_by"]["value"]),
        p2_max_per_year=Decimal(p2["max_per_year_per_activity_type"]["value"]),
        max_grants_per_sector=facts["max_grants_per_sector"]["value"],
    )
