"""The programme's key facts (content/data/programme.json) and its opening windows in Dutch time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
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
