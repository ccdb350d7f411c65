"""Calendar arithmetic behind II.1.5, III.1.5 and III.1.6."""

from datetime import date

from imvo.programme.periods import add_months, lasts_at_least, lasts_at_most, months_started, project_year_count, whole_months


def test_add_months_keeps_the_day_or_takes_the_month_end():
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2023, 3, 15), 6) == date(2023, 9, 15)
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)


def test_inclusive_periods():
    assert whole_months(date(2027, 1, 1), date(2028, 12, 31)) == 24
    assert whole_months(date(2027, 1, 1), date(2028, 12, 30)) == 23
    assert lasts_at_least(date(2027, 1, 1), date(2028, 12, 31), 24)
    assert not lasts_at_least(date(2027, 1, 1), date(2028, 12, 30), 24)
    assert lasts_at_most(date(2027, 1, 1), date(2029, 12, 31), 36)
    assert not lasts_at_most(date(2027, 1, 1), date(2030, 1, 1), 36)


def test_begun_months_count_for_pro_rata():
    assert months_started(date(2023, 4, 1), date(2023, 10, 31)) == 7
    assert months_started(date(2023, 4, 1), date(2023, 10, 1)) == 7
    assert project_year_count(date(2023, 6, 1), date(2024, 11, 30)) == 2
