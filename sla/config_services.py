"""Writes of the SLA configuration: policies and calendar days (admin and the loader).

(sla.services holds the sweep and the ticket-side upkeep; this module is the configuration's.)
No cache to clear here: sla.config.sla_snapshot notices any change by its stamp.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from sla.models import CalendarDay, SlaPolicy


def package_days() -> Iterator[tuple[date, bool, str]]:
    """(date, is_working, note) for every holiday and make-up day chinese-calendar knows."""
    import chinese_calendar

    def name(value: str) -> str:
        # The package keys its days by the English name; the note shows the Chinese one.
        return chinese_calendar.Holiday(value).chinese

    for day, holiday in chinese_calendar.holidays.items():
        yield day, False, name(holiday)
    for day, holiday in chinese_calendar.workdays.items():
        yield day, True, f"{name(holiday)}调休"


@dataclass(frozen=True)
class CalendarLoad:
    created: int
    updated: int
    kept_admin: int


@transaction.atomic
def calendar_load_from_package() -> CalendarLoad:
    """Bring the calendar up to the installed chinese-calendar package; safe to rerun.

    1. Days the package lists and we lack are added (source "package").
    2. Package days whose status or note changed in a newer package are updated.
    3. Days an administrator corrected (source "admin") are never touched.
    """
    wanted = {day: (is_working, note) for day, is_working, note in package_days()}
    existing = {
        row.date: row for row in CalendarDay.objects.select_for_update().filter(date__in=wanted)
    }
    now = timezone.now()
    created, changed, kept = [], [], 0
    for day, (is_working, note) in sorted(wanted.items()):
        row = existing.get(day)
        if row is None:
            created.append(
                CalendarDay(
                    date=day, is_working=is_working, note=note, source=CalendarDay.Source.PACKAGE
                )
            )
        elif row.source == CalendarDay.Source.ADMIN:
            kept += 1
        elif (row.is_working, row.note) != (is_working, note):
            row.is_working, row.note, row.updated_at = is_working, note, now
            changed.append(row)
    # ignore_conflicts: a concurrent load (two deploys migrating at once) may add a day first.
    CalendarDay.objects.bulk_create(created, ignore_conflicts=True)
    # bulk_update skips auto_now: updated_at is set above, so sla_snapshot sees the change.
    CalendarDay.objects.bulk_update(changed, ["is_working", "note", "updated_at"])
    return CalendarLoad(created=len(created), updated=len(changed), kept_admin=kept)


@transaction.atomic
def calendar_day_save(*, day: CalendarDay) -> CalendarDay:
    """An administrator's entry or correction: it outranks the package from now on."""
    day.source = CalendarDay.Source.ADMIN
    day.full_clean()
    day.save()
    return day


@transaction.atomic
def calendar_day_delete(*, day: CalendarDay) -> None:
    """Only an administrator's own day: a package day would come back with the next load,
    so it is corrected (saved as a working day or a day off) instead."""
    if day.source != CalendarDay.Source.ADMIN:
        raise ValueError("package days are corrected, not deleted")
    day.delete()


@transaction.atomic
def sla_policy_save(*, policy: SlaPolicy) -> SlaPolicy:
    """Validated here too, not only in the admin form: no zero or negative target."""
    policy.full_clean()
    policy.save()
    return policy
