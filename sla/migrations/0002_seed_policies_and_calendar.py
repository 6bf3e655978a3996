"""Seed the tier policies (issue 5's table) and the calendar from chinese-calendar.

Frozen here on purpose (no app imports): `manage.py sla_calendar_load` does the same load
for a newer package later, and keeps what admins corrected.
"""

from django.db import migrations

DAY = 9 * 60  # one working day, in business minutes

# tier: (clock, first contact, resolution, progress interval), in minutes on that clock.
POLICIES = {
    "L1": ("24x7", 60, 24 * 60, 4 * 60),
    "L2": ("business", 2 * 60, 2 * DAY, DAY),
    "L3": ("business", DAY, 3 * DAY, None),
    "S": ("business", DAY, None, None),
}


def seed(apps, schema_editor):
    import chinese_calendar

    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    CalendarDay = apps.get_model("sla", "CalendarDay")
    for tier, (clock, first_contact, resolve, progress) in POLICIES.items():
        SlaPolicy.objects.get_or_create(
            tier=tier,
            defaults={
                "clock": clock,
                "first_contact_minutes": first_contact,
                "resolve_minutes": resolve,
                "progress_minutes": progress,
            },
        )

    def name(value):
        return chinese_calendar.Holiday(value).chinese

    days = [
        CalendarDay(date=day, is_working=False, note=name(holiday), source="package")
        for day, holiday in chinese_calendar.holidays.items()
    ] + [
        CalendarDay(date=day, is_working=True, note=f"{name(holiday)}调休", source="package")
        for day, holiday in chinese_calendar.workdays.items()
    ]
    CalendarDay.objects.bulk_create(days, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_sla_policy_calendar_day")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
