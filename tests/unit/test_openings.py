"""Opening windows (Artikel 2) compared in Dutch time, summer and winter time included."""

from datetime import datetime, timezone

import pytest

from imvo.programme.facts import load_openings, opening_for
from imvo.settings import PROJECT_ROOT

DATA = PROJECT_ROOT / "content" / "data"
DEMO = PROJECT_ROOT / "infra" / "local" / "demo-opening.json"


def utc(*parts, ms=0):
    return datetime(*parts, ms * 1000, tzinfo=timezone.utc)


@pytest.fixture
def real_openings():
    return load_openings(DATA)


@pytest.mark.parametrize("pillar", [1, 2])
def test_artikel_2_last_millisecond_inside_first_outside(real_openings, pillar):
    # 26 September 2023 12:00 Dutch time is CEST (UTC+2): 10:00 UTC.
    assert opening_for(real_openings, pillar, utc(2023, 9, 26, 10, 0, 0, ms=0)).id == "2022-1"
    assert opening_for(real_openings, pillar, utc(2023, 9, 26, 10, 0, 0, ms=1)) is None
    # A comparison in UTC would accept 11:59 UTC, which is 13:59 in The Hague.
    assert opening_for(real_openings, pillar, utc(2023, 9, 26, 11, 59, 0)) is None


def test_artikel_2_opening_starts_at_midnight_dutch_time(real_openings):
    # 10 October 2022 00:00 CEST is 9 October 22:00 UTC.
    assert opening_for(real_openings, 1, utc(2022, 10, 9, 21, 59, 59, ms=999)) is None
    assert opening_for(real_openings, 1, utc(2022, 10, 9, 22, 0, 0)).id == "2022-1"


def test_second_opening_is_not_announced_so_accepts_nothing(real_openings):
    second = [o for o in real_openings if o.id == "2-tbd"][0]
    assert not second.announced
    assert opening_for(real_openings, 1, utc(2026, 11, 25, 12, 0, 0)) is None


def test_demo_opening_comes_from_its_own_file_and_leaves_the_real_windows_alone(real_openings):
    with_demo = load_openings(DATA, DEMO)
    assert [o for o in with_demo if not o.demo] == list(real_openings)
    assert opening_for(with_demo, 1, utc(2026, 11, 25, 12, 0, 0)).demo
