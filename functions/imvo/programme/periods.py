"""Calendar arithmetic for project periods: whole months, project years, pro rata months."""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 Aug + 6 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def after_end(end: date) -> date:
    """Periods are given with an inclusive end date: 1 Jan 2027 – 31 Dec 2028 is exactly 24 months."""
    return end + timedelta(days=1)


def whole_months(start: date, end: date) -> int:
    """Complete months from start up to and including end."""
    stop = after_end(end)
    months = (stop.year - start.year) * 12 + (stop.month - start.month)
    while months > 0 and add_months(start, months) > stop:
        months -= 1
    return months


def months_started(start: date, end: date) -> int:
    """Months in which work takes place, a begun month counting as one (for pro rata ceilings)."""
    months = whole_months(start, end)
    return months + (1 if add_months(start, months) < after_end(end) else 0)


def lasts_at_least(start: date, end: date, months: int) -> bool:
    return add_months(start, months) <= after_end(end)


def lasts_at_most(start: date, end: date, months: int) -> bool:
    return after_end(end) <= add_months(start, months)


def project_year_count(start: date, end: date) -> int:
    return max(1, -(-months_started(start, end) // 12))
