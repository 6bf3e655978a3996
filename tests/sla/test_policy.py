"""Deadlines on the seeded policies and the package's 2026 calendar. Every expected value is
worked out by hand from the official schedule (chinese-calendar 1.11.0, 2026):

- Spring Festival: Sun 15 – Mon 23 Feb off; Sat 14 Feb and Sat 28 Feb are make-up working days.
- Mid-Autumn: Fri 25 – Sun 27 Sep off; Sun 20 Sep is a make-up working day.
- National Day: Thu 1 – Wed 7 Oct off; Thu 8 and Fri 9 worked; Sat 10 Oct is a make-up day.
One working day = 09:00–18:00 = 540 business minutes.
"""

from datetime import timedelta

import pytest

from sla.policy import (
    Deadlines,
    callback_due_for,
    deadlines_for,
    due_after_pause,
    progress_due_after,
)
from tests.sla.conftest import sh

pytestmark = pytest.mark.django_db


# --- National Day 2026 -------------------------------------------------------------------


def test_l1_runs_on_the_wall_clock_through_national_day():
    assert deadlines_for(tier="L1", received_at=sh(2026, 10, 1, 10)) == Deadlines(
        first_contact_due_at=sh(2026, 10, 1, 11),
        resolve_due_at=sh(2026, 10, 2, 10),
        next_progress_due_at=sh(2026, 10, 1, 14),
        first_contact_warn_at=sh(2026, 10, 1, 10, 48),
        resolve_warn_at=sh(2026, 10, 2, 5, 12),  # 80 % of 24 h = 19 h 12 min
        calendar_gaps=(),
    )


def test_l2_received_before_national_day_resumes_on_8_october():
    # Wed 30 Sep 17:00: 60 min that day, then 1–7 Oct off.
    assert deadlines_for(tier="L2", received_at=sh(2026, 9, 30, 17)) == Deadlines(
        first_contact_due_at=sh(2026, 10, 8, 10),  # 60 + 60
        resolve_due_at=sh(2026, 10, 9, 17),  # 60 + 540 (8 Oct) + 480
        next_progress_due_at=sh(2026, 10, 8, 17),  # 60 + 480
        first_contact_warn_at=sh(2026, 10, 8, 9, 36),  # 96 = 60 + 36
        resolve_warn_at=sh(2026, 10, 9, 13, 24),  # 864 = 60 + 540 + 264
        calendar_gaps=(),
    )


def test_l3_resolution_falls_on_the_make_up_saturday_after_national_day():
    assert deadlines_for(tier="L3", received_at=sh(2026, 9, 30, 17)) == Deadlines(
        first_contact_due_at=sh(2026, 10, 8, 17),  # 60 + 480
        resolve_due_at=sh(2026, 10, 10, 17),  # 60 + 540 + 540 + 480 on Sat 10 Oct (调休)
        next_progress_due_at=None,
        first_contact_warn_at=sh(2026, 10, 8, 15, 12),  # 432 = 60 + 372
        resolve_warn_at=sh(2026, 10, 10, 11, 36),  # 1296 = 60 + 540 + 540 + 156
        calendar_gaps=(),
    )


def test_a_suggestion_received_on_mid_autumn_day_is_acknowledged_the_next_monday():
    deadlines = deadlines_for(tier="S", received_at=sh(2026, 9, 25, 10))
    # Fri 25 – Sun 27 Sep off: the clock starts Mon 28 Sep 09:00.
    assert deadlines.first_contact_due_at == sh(2026, 9, 28, 18)
    assert deadlines.first_contact_warn_at == sh(2026, 9, 28, 16, 12)
    assert deadlines.resolve_due_at is None
    assert deadlines.resolve_warn_at is None
    assert deadlines.next_progress_due_at is None


def test_the_make_up_sunday_before_mid_autumn_is_a_working_day():
    # Sat 19 Sep is off; Sun 20 Sep (调休) opens at 09:00.
    deadlines = deadlines_for(tier="L3", received_at=sh(2026, 9, 19, 12))
    assert deadlines.first_contact_due_at == sh(2026, 9, 20, 18)


# --- Spring Festival 2026 ----------------------------------------------------------------


def test_l3_before_spring_festival_works_the_make_up_saturday_then_skips_the_holiday():
    deadlines = deadlines_for(tier="L3", received_at=sh(2026, 2, 13, 16))
    # Fri 13 Feb: 120 min; Sat 14 Feb (调休): 420 → 16:00.
    assert deadlines.first_contact_due_at == sh(2026, 2, 14, 16)
    # 120 + 540 (14 Feb) + 540 (Tue 24 Feb) + 420 (Wed 25 Feb).
    assert deadlines.resolve_due_at == sh(2026, 2, 25, 16)


def test_l2_received_late_on_the_make_up_saturday_continues_after_the_holiday():
    deadlines = deadlines_for(tier="L2", received_at=sh(2026, 2, 14, 17, 30))
    # 30 min on Sat 14 Feb, then 15–23 Feb off: 90 min on Tue 24 Feb.
    assert deadlines.first_contact_due_at == sh(2026, 2, 24, 10, 30)
    # 30 + 540 (24 Feb) + 510 (25 Feb).
    assert deadlines.resolve_due_at == sh(2026, 2, 25, 17, 30)
    assert deadlines.next_progress_due_at == sh(2026, 2, 24, 17, 30)  # 30 + 510


def test_a_suggestion_received_during_spring_festival_is_due_on_the_first_working_day():
    deadlines = deadlines_for(tier="S", received_at=sh(2026, 2, 20, 11))
    assert deadlines.first_contact_due_at == sh(2026, 2, 24, 18)


def test_l1_during_spring_festival_ignores_the_calendar():
    deadlines = deadlines_for(tier="L1", received_at=sh(2026, 2, 17, 23, 30))
    assert deadlines.first_contact_due_at == sh(2026, 2, 18, 0, 30)
    assert deadlines.resolve_due_at == sh(2026, 2, 18, 23, 30)
    assert deadlines.next_progress_due_at == sh(2026, 2, 18, 3, 30)


# --- Opening and closing -----------------------------------------------------------------


def test_exactly_at_opening_counts_as_inside_office_hours():
    # Tue 24 Nov 2026 09:00.
    deadlines = deadlines_for(tier="L2", received_at=sh(2026, 11, 24, 9))
    assert deadlines.first_contact_due_at == sh(2026, 11, 24, 11)
    assert deadlines.resolve_due_at == sh(2026, 11, 25, 18)  # two full days, due at closing
    assert deadlines.next_progress_due_at == sh(2026, 11, 24, 18)


def test_exactly_at_closing_counts_as_outside_office_hours():
    deadlines = deadlines_for(tier="L2", received_at=sh(2026, 11, 24, 18))
    assert deadlines.first_contact_due_at == sh(2026, 11, 25, 11)
    assert deadlines.resolve_due_at == sh(2026, 11, 26, 18)


def test_closing_on_the_friday_before_the_make_up_saturday_starts_that_saturday():
    deadlines = deadlines_for(tier="L3", received_at=sh(2026, 2, 27, 18))
    assert deadlines.first_contact_due_at == sh(2026, 2, 28, 18)  # Sat 28 Feb (调休)


def test_one_minute_before_closing_consumes_that_minute():
    deadlines = deadlines_for(tier="L3", received_at=sh(2026, 11, 24, 17, 59))
    assert deadlines.first_contact_due_at == sh(2026, 11, 25, 17, 59)


def test_a_ticket_received_on_sunday_afternoon_waits_for_monday():
    # The feedback tests' NOW: Sun 22 Nov 2026 16:00.
    deadlines = deadlines_for(tier="L3", received_at=sh(2026, 11, 22, 16))
    assert deadlines.first_contact_due_at == sh(2026, 11, 23, 18)


# --- Years without data ------------------------------------------------------------------


def test_a_year_without_holiday_data_falls_back_to_monday_to_friday_and_says_so():
    # Fri 7 Mar 2031: 60 min, weekend, 480 on Mon 10 Mar.
    deadlines = deadlines_for(tier="L3", received_at=sh(2031, 3, 7, 17))
    assert deadlines.first_contact_due_at == sh(2031, 3, 10, 17)
    assert deadlines.calendar_gaps == (2031,)


def test_reaching_into_a_year_without_data_names_that_year():
    # Thu 31 Dec 2026 17:00; 1 Jan 2027 (a Friday) is unknown, so it is taken as worked.
    deadlines = deadlines_for(tier="L3", received_at=sh(2026, 12, 31, 17))
    assert deadlines.first_contact_due_at == sh(2027, 1, 1, 17)
    assert deadlines.calendar_gaps == (2027,)


def test_the_wall_clock_never_reports_gaps():
    assert deadlines_for(tier="L1", received_at=sh(2031, 3, 7, 17)).calendar_gaps == ()


# --- Progress, callback, pause -----------------------------------------------------------


def test_progress_updates_follow_each_tiers_clock():
    assert progress_due_after(tier="L1", after=sh(2026, 10, 3, 22)) == sh(2026, 10, 4, 2)
    # L2 every working day: 60 min on Thu 8 Oct, 480 on Fri 9 Oct.
    assert progress_due_after(tier="L2", after=sh(2026, 10, 8, 17)) == sh(2026, 10, 9, 17)
    assert progress_due_after(tier="L3", after=sh(2026, 10, 8, 17)) is None
    assert progress_due_after(tier="S", after=sh(2026, 10, 8, 17)) is None


def test_the_satisfaction_callback_is_due_three_working_days_after_resolution():
    # Tue 24 Nov 14:00: 240 + 540 + 540 + 300 → Fri 27 Nov 14:00.
    assert callback_due_for(resolved_at=sh(2026, 11, 24, 14)) == sh(2026, 11, 27, 14)
    # Tue 29 Sep 15:00: 180 + 540 (30 Sep) + 540 (8 Oct) + 360 (9 Oct).
    assert callback_due_for(resolved_at=sh(2026, 9, 29, 15)) == sh(2026, 10, 9, 15)


def test_a_pause_pushes_a_business_due_time_back_by_the_office_time_it_took():
    # Paused Mon 23 Nov 16:00 – Tue 24 Nov 10:00: 120 + 60 business minutes.
    pushed = due_after_pause(
        tier="L2",
        due_at=sh(2026, 11, 24, 15),
        paused_at=sh(2026, 11, 23, 16),
        resumed_at=sh(2026, 11, 24, 10),
    )
    assert pushed == sh(2026, 11, 24, 18)


def test_a_pause_over_national_day_costs_only_its_office_time():
    # Paused Wed 30 Sep 17:00 – Thu 8 Oct 10:00: 60 + 60 business minutes.
    pushed = due_after_pause(
        tier="L3",
        due_at=sh(2026, 10, 8, 17),
        paused_at=sh(2026, 9, 30, 17),
        resumed_at=sh(2026, 10, 8, 10),
    )
    assert pushed == sh(2026, 10, 9, 10)  # 60 left on 8 Oct, 60 on 9 Oct


def test_a_pause_over_a_weekend_leaves_a_due_time_at_closing_where_it_was():
    pushed = due_after_pause(
        tier="L3",
        due_at=sh(2026, 11, 23, 18),
        paused_at=sh(2026, 11, 21, 10),
        resumed_at=sh(2026, 11, 22, 20),
    )
    assert pushed == sh(2026, 11, 23, 18)


def test_a_pause_on_the_wall_clock_adds_the_wall_time():
    pushed = due_after_pause(
        tier="L1",
        due_at=sh(2026, 10, 1, 12),
        paused_at=sh(2026, 10, 1, 10),
        resumed_at=sh(2026, 10, 1, 10, 30),
    )
    assert pushed == sh(2026, 10, 1, 12, 30)


def test_every_moment_is_in_shanghai():
    deadlines = deadlines_for(tier="L1", received_at=sh(2026, 10, 1, 10).astimezone(None))
    assert deadlines.first_contact_due_at.utcoffset() == timedelta(hours=8)


def test_naive_times_and_unknown_tiers_are_refused():
    with pytest.raises(ValueError, match="received_at"):
        deadlines_for(tier="L3", received_at=sh(2026, 10, 1).replace(tzinfo=None))
    with pytest.raises(ValueError, match="tier"):
        deadlines_for(tier="L9", received_at=sh(2026, 10, 1))


def test_a_deadline_costs_one_query_once_the_calendar_is_loaded(django_assert_num_queries):
    deadlines_for(tier="L3", received_at=sh(2026, 9, 30, 17))

    # Only the change stamp of the policies and the calendar: no query per day or per year.
    with django_assert_num_queries(1):
        deadlines_for(tier="L3", received_at=sh(2026, 2, 13, 16))
