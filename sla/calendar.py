"""Business-hours arithmetic on the Chinese working-day calendar: pure, no database.

The calendar is passed in (sla.selectors.sla_snapshot loads it in one query and keeps it
until a policy or a calendar day changes). Rules (issue 5):

1. The business clock runs during office hours (09:00–18:00 Asia/Shanghai by default) on
   working days: Monday–Friday, minus statutory holidays, plus make-up weekend days (调休).
2. A clock started inside office hours consumes the rest of that day, then whole working days;
   started outside (before opening, on a day off, or exactly at closing) it starts at the next
   opening.
3. A year without calendar data falls back to Monday–Friday; every computation reports the
   years it had to guess (`gaps`) and never fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The Chinese schedule and its office hours are China's wall time, whatever TIME_ZONE says.
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are worked, and the office hours on them."""

    # date -> is it a working day; days without an entry follow Monday–Friday.
    days: Mapping[date, bool] = field(default_factory=dict)
    # Years with holiday data; any other year is a gap (Monday–Friday is assumed).
    covered_years: frozenset[int] = frozenset()
    opens: time = time(9)
    closes: time = time(18)

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise ValueError("office hours must open before they close")

    def is_working(self, day: date, gaps: set[int] | None = None) -> bool:
        """Working or not; a day of an uncovered year is guessed, and its year noted in gaps."""
        if day.year not in self.covered_years and gaps is not None:
            gaps.add(day.year)
        if day in self.days:
            return self.days[day]
        return day.weekday() < 5


@dataclass(frozen=True)
class Reckoning:
    """A computed moment and the years it had to assume Monday–Friday for."""

    at: datetime
    gaps: frozenset[int] = frozenset()


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=SHANGHAI)


def _aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _next_opening(local: datetime, calendar: WorkingCalendar, gaps: set[int]) -> datetime:
    """The first moment at or after `local` that lies inside office hours on a working day.

    Exactly at closing counts as outside, so 18:00 leads to the next opening."""
    day = local.date()
    if calendar.is_working(day, gaps) and local.time() < calendar.closes:
        return max(local, _at(day, calendar.opens))
    day += timedelta(days=1)
    # Terminates: only finitely many days are listed, and beyond them Monday–Friday work.
    while not calendar.is_working(day, gaps):
        day += timedelta(days=1)
    return _at(day, calendar.opens)


def add_business_time(
    *, start: datetime, amount: timedelta, calendar: WorkingCalendar
) -> Reckoning:
    """`amount` of office time after `start`: the due time of a business-clock target.

    1. Move to the next opening if `start` is outside office hours.
    2. Consume the rest of each working day until `amount` fits into one.
    An amount that ends exactly at closing is due at closing, not at the next opening.
    """
    _aware(start, "start")
    if amount < timedelta(0):
        raise ValueError("amount must not be negative")
    gaps: set[int] = set()
    cursor = _next_opening(start.astimezone(SHANGHAI), calendar, gaps)
    remaining = amount
    while True:
        closing = _at(cursor.date(), calendar.closes)
        if remaining <= closing - cursor:
            return Reckoning(at=cursor + remaining, gaps=frozenset(gaps))
        remaining -= closing - cursor
        cursor = _next_opening(closing, calendar, gaps)


def business_time_between(
    *, start: datetime, end: datetime, calendar: WorkingCalendar
) -> tuple[timedelta, frozenset[int]]:
    """How much office time lies between `start` and `end` (zero if end is not later)."""
    _aware(start, "start")
    _aware(end, "end")
    gaps: set[int] = set()
    if end <= start:
        return timedelta(0), frozenset()
    local_start, local_end = start.astimezone(SHANGHAI), end.astimezone(SHANGHAI)
    total = timedelta(0)
    day = local_start.date()
    while day <= local_end.date():
        if calendar.is_working(day, gaps):
            begin = max(local_start, _at(day, calendar.opens))
            finish = min(local_end, _at(day, calendar.closes))
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total, frozenset(gaps)
