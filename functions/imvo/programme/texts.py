"""How amounts, dates and times are written for people, in Dutch and in English."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

MONTHS = {
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}


def format_euro(amount, language: str = "nl") -> str:
    """€ 87,50 and € 6.000.000 in Dutch; €87.50 and €6,000,000 in English."""
    value = Decimal(str(amount))
    cents = value != value.to_integral_value()
    text = f"{value:,.2f}" if cents else f"{value:,.0f}"
    if language == "nl":
        return "€ " + text.replace(",", "_").replace(".", ",").replace("_", ".")
    return "€" + text


def format_date(value: date | str, language: str = "nl") -> str:
    """26 september 2023 / 26 September 2023."""
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return f"{day.day} {MONTHS[language][day.month - 1]} {day.year}"


def format_moment(moment: datetime, language: str = "nl") -> str:
    """26 september 2023 om 12:00:00,000 (CEST) / 26 September 2023 at 12:00:00.000 (CEST): a moment in the zone
    it carries, with the decimal sign of its language."""
    at, decimal_sign = ("om", ",") if language == "nl" else ("at", ".")
    millis = f"{moment.microsecond // 1000:03d}"
    return f"{format_date(moment.date(), language)} {at} {moment:%H:%M:%S}{decimal_sign}{millis} ({moment.tzname()})"


def format_percentage(share, language: str = "nl") -> str:
    value = Decimal(str(share)) * 100
    text = f"{value.normalize():f}"
    return f"{text.replace('.', ',')}%" if language == "nl" else f"{text}%"
