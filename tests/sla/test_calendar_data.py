"""The seeded calendar, the loader and the gaps the managers are warned about."""

from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command

from sla.config_services import calendar_load_from_package
from sla.models import CalendarDay
from sla.selectors import calendar_gaps_ahead
from tests.sla.conftest import sh

pytestmark = pytest.mark.django_db


def test_the_migration_seeded_the_2026_schedule_from_the_package():
    days = {
        day.date: (day.is_working, day.note)
        for day in CalendarDay.objects.filter(date__range=("2026-09-19", "2026-10-11"))
    }
    assert days == {
        date(2026, 9, 20): (True, "国庆节调休"),
        date(2026, 9, 25): (False, "中秋"),
        date(2026, 9, 26): (False, "中秋"),
        date(2026, 9, 27): (False, "中秋"),
        **{date(2026, 10, d): (False, "国庆节") for d in range(1, 8)},
        date(2026, 10, 10): (True, "国庆节调休"),
    }
    assert set(CalendarDay.objects.values_list("source", flat=True)) == {"package"}


def test_loading_again_changes_nothing():
    before = CalendarDay.objects.count()

    load = calendar_load_from_package()

    assert (load.created, load.updated, load.kept_admin) == (0, 0, 0)
    assert CalendarDay.objects.count() == before


def test_the_loader_restores_missing_and_changed_package_days(capsys):
    CalendarDay.objects.filter(date="2026-10-01").delete()
    CalendarDay.objects.filter(date="2026-10-02").update(is_working=True)

    call_command("sla_calendar_load")

    assert "1 days added, 1 updated, 0 kept" in capsys.readouterr().out
    assert CalendarDay.objects.get(date="2026-10-01").is_working is False
    assert CalendarDay.objects.get(date="2026-10-02").is_working is False


def test_managers_are_warned_about_this_or_next_year_without_data():
    assert calendar_gaps_ahead(sh(2026, 6, 1)) == [2027]
    assert calendar_gaps_ahead(sh(2030, 6, 1)) == [2030, 2031]
    assert calendar_gaps_ahead(sh(2025, 6, 1)) == []
    # 17:00 UTC on New Year's Eve is already 2027 in Shanghai.
    assert calendar_gaps_ahead(datetime(2026, 12, 31, 17, tzinfo=UTC)) == [2027, 2028]


def test_a_year_an_administrator_entered_counts_as_covered():
    CalendarDay.objects.create(
        date="2027-01-01", is_working=False, note="元旦", source=CalendarDay.Source.ADMIN
    )

    assert calendar_gaps_ahead(sh(2026, 6, 1)) == []
