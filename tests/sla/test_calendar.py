"""The arithmetic itself, on a calendar written out by hand (no database)."""

from datetime import UTC, date, timedelta

import pytest

from sla.calendar import WorkingCalendar, add_business_time, business_time_between
from tests.sla.conftest import sh

H = timedelta(hours=1)
# 2026-05: Fri 1 to Tue 5 off (Labour Day), Sat 9 a make-up working day.
MAY = WorkingCalendar(
    days={date(2026, 5, d): False for d in range(1, 6)} | {date(2026, 5, 9): True},
    covered_years=frozenset({2026}),
)


def add(start, hours, calendar=MAY):
    return add_business_time(start=start, amount=hours * H, calendar=calendar)


def test_inside_office_hours_the_clock_consumes_the_rest_of_the_day_then_whole_days():
    # Wed 6 May 16:00: 2 h that day, 7 h on Thu 7.
    assert add(sh(2026, 5, 6, 16), 9).at == sh(2026, 5, 7, 16)


def test_before_opening_the_clock_starts_at_opening():
    assert add(sh(2026, 5, 6, 7, 30), 1).at == sh(2026, 5, 6, 10)


def test_exactly_at_opening_is_inside():
    assert add(sh(2026, 5, 6, 9), 9).at == sh(2026, 5, 6, 18)


def test_exactly_at_closing_is_outside_and_starts_at_the_next_opening():
    assert add(sh(2026, 5, 6, 18), 1).at == sh(2026, 5, 7, 10)


def test_a_target_ending_exactly_at_closing_is_due_at_closing():
    assert add(sh(2026, 5, 7, 16), 2).at == sh(2026, 5, 7, 18)


def test_holidays_are_skipped_and_a_make_up_saturday_is_worked():
    # Thu 30 Apr 17:00: 1 h, then May 1–5 off, Wed 6 9 h, Thu 7 9 h, Fri 8 9 h, Sat 9 (调休) 8 h.
    assert add(sh(2026, 4, 30, 17), 36).at == sh(2026, 5, 9, 17)


def test_a_moment_in_another_time_zone_is_read_in_shanghai():
    # 01:00 UTC is 09:00 in Shanghai.
    start = sh(2026, 5, 6, 9).astimezone(UTC)
    assert add(start, 1).at == sh(2026, 5, 6, 10)


def test_a_year_without_data_falls_back_to_monday_to_friday_and_is_reported():
    # 2031-03-07 is a Friday; nothing is known about 2031.
    reckoning = add(sh(2031, 3, 7, 17), 9)
    assert reckoning.at == sh(2031, 3, 10, 17)
    assert reckoning.gaps == frozenset({2031})


def test_business_time_between_counts_office_hours_on_working_days_only():
    # Thu 30 Apr 17:00 → Wed 6 May 10:00: 1 h on the 30th, 1 h on the 6th.
    elapsed, gaps = business_time_between(
        start=sh(2026, 4, 30, 17), end=sh(2026, 5, 6, 10), calendar=MAY
    )
    assert elapsed == 2 * H
    assert gaps == frozenset()


def test_naive_moments_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(start=sh(2026, 5, 6).replace(tzinfo=None), amount=H, calendar=MAY)
