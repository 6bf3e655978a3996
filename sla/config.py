"""Reads of the SLA configuration: the policies and the calendar, loaded once per change.

(sla.selectors holds the sweep's reads; this module is the configuration's.)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import connection

from sla.calendar import SHANGHAI, WorkingCalendar
from sla.models import WORKING_DAY_MINUTES, CalendarDay, SlaPolicy

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Targets:
    """One tier's policy as the arithmetic needs it."""

    clock: str
    first_contact: timedelta
    resolve: timedelta | None
    progress: timedelta | None

    @property
    def business(self) -> bool:
        return self.clock == SlaPolicy.Clock.BUSINESS


_DAY = timedelta(minutes=WORKING_DAY_MINUTES)
_WALL, _BUSINESS = SlaPolicy.Clock.ROUND_THE_CLOCK, SlaPolicy.Clock.BUSINESS
# The table: used for a tier without a policy row (a flushed test database, or a
# row deleted in admin), so a deadline is always computed. The seed migration writes the same.
DEFAULT_TARGETS: dict[str, Targets] = {
    "L1": Targets(_WALL, timedelta(hours=1), timedelta(hours=24), timedelta(hours=4)),
    "L2": Targets(_BUSINESS, timedelta(hours=2), 2 * _DAY, _DAY),
    "L3": Targets(_BUSINESS, _DAY, 3 * _DAY, None),
    "S": Targets(_BUSINESS, _DAY, None, None),
}


@dataclass(frozen=True)
class SlaSnapshot:
    targets: Mapping[str, Targets]
    calendar: WorkingCalendar

    def targets_for(self, tier: str) -> Targets:
        try:
            return self.targets[tier]
        except KeyError:
            raise ValueError(f"unknown tier {tier!r}") from None


def office_hours() -> tuple[time, time]:
    """SLA_OFFICE_OPENS / SLA_OFFICE_CLOSES as times (checked at start-up by sla.apps)."""
    return (
        time.fromisoformat(settings.SLA_OFFICE_OPENS),
        time.fromisoformat(settings.SLA_OFFICE_CLOSES),
    )


def _targets(policy: SlaPolicy) -> Targets:
    def minutes(value: int | None) -> timedelta | None:
        return timedelta(minutes=value) if value else None

    return Targets(
        clock=policy.clock,
        first_contact=timedelta(minutes=policy.first_contact_minutes),
        resolve=minutes(policy.resolve_minutes),
        progress=minutes(policy.progress_minutes),
    )


def _load() -> SlaSnapshot:
    """Two queries: every policy, and every calendar day (a few dozen rows a year)."""
    stored = {policy.tier: _targets(policy) for policy in SlaPolicy.objects.all()}
    for tier in sorted(DEFAULT_TARGETS.keys() - stored.keys()):
        logger.warning("no SLA policy for tier %s: using the default targets", tier)
    days = dict(CalendarDay.objects.values_list("date", "is_working"))
    opens, closes = office_hours()
    calendar = WorkingCalendar(
        days=days,
        # "Has data": any stated day in the year, from the package or an administrator.
        covered_years=frozenset(day.year for day in days),
        opens=opens,
        closes=closes,
    )
    return SlaSnapshot(targets=DEFAULT_TARGETS | stored, calendar=calendar)


def _stamp() -> tuple:
    """Row count and latest change of both tables, in one round trip: any insert, update or
    delete (admin, the loader, another process, a rolled-back test) changes it."""
    quote = connection.ops.quote_name
    policy, day = quote(SlaPolicy._meta.db_table), quote(CalendarDay._meta.db_table)
    # Table names from the models' own metadata, never from input.
    sql = (
        f"SELECT (SELECT count(*) FROM {policy}), (SELECT max(updated_at) FROM {policy}), "  # noqa: S608
        f"(SELECT count(*) FROM {day}), (SELECT max(updated_at) FROM {day})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


_lock = threading.Lock()
_cached: tuple[tuple, SlaSnapshot] | None = None


def sla_snapshot() -> SlaSnapshot:
    """The policies and the calendar, reloaded only when either table changed.

    Every process checks a one-row stamp per call instead of trusting a timer or a signal
    (as intake.triage does for the tag library), so an admin's correction reaches every web
    and Celery worker on its next computation. QuerySet.update() leaves updated_at alone and
    goes unnoticed: write through sla.config_services."""
    global _cached
    stamp = _stamp()
    cached = _cached
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        snapshot = _load()
        _cached = (stamp, snapshot)
    return snapshot


def calendar_gaps_ahead(now: datetime) -> list[int]:
    """This year and next (in Shanghai) when they lack holiday data: the managers' banner."""
    year = now.astimezone(SHANGHAI).year
    covered = sla_snapshot().calendar.covered_years
    return [y for y in (year, year + 1) if y not in covered]
