"""Policies and calendar days in admin: a bad target is refused, a correction is the admin's."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from sla.config_services import calendar_load_from_package
from sla.models import CalendarDay, SlaPolicy
from sla.policy import deadlines_for
from tests.sla.conftest import sh

pytestmark = pytest.mark.django_db


def policy_form(policy, **changes):
    data = {
        "tier": policy.tier,
        "clock": policy.clock,
        "first_contact_minutes": policy.first_contact_minutes,
        "resolve_minutes": policy.resolve_minutes or "",
        "progress_minutes": policy.progress_minutes or "",
    }
    return data | changes


def test_the_seeded_policies_are_the_issues_table():
    rows = {
        p.tier: (p.clock, p.first_contact_minutes, p.resolve_minutes, p.progress_minutes)
        for p in SlaPolicy.objects.all()
    }
    assert rows == {
        "L1": ("24x7", 60, 1440, 240),
        "L2": ("business", 120, 1080, 540),
        "L3": ("business", 540, 1620, None),
        "S": ("business", 540, None, None),
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_contact_minutes", 0, "First contact target must be more than zero minutes."),
        ("resolve_minutes", -5, "Resolution target must be more than zero minutes."),
        ("progress_minutes", 0, "Progress update interval must be more than zero minutes."),
    ],
)
def test_admin_refuses_a_zero_or_negative_target_naming_the_field(
    admin_client, english, field, value, message
):
    policy = SlaPolicy.objects.get(tier="L2")
    url = f"/admin/sla/slapolicy/{policy.pk}/change/"

    response = admin_client.post(url, policy_form(policy, **{field: value}))

    assert response.status_code == 200
    assert message in response.content.decode()
    policy.refresh_from_db()
    assert (policy.first_contact_minutes, policy.resolve_minutes) == (120, 1080)


def test_admin_saves_a_valid_target_and_deadlines_follow_at_once(admin_client):
    policy = SlaPolicy.objects.get(tier="L2")
    url = f"/admin/sla/slapolicy/{policy.pk}/change/"

    response = admin_client.post(url, policy_form(policy, first_contact_minutes=180))

    assert response.status_code == 302
    # Tue 24 Nov 2026 09:00 + 3 business hours.
    received = sh(2026, 11, 24, 9)
    assert deadlines_for(tier="L2", received_at=received).first_contact_due_at == sh(
        2026, 11, 24, 12
    )


def test_the_model_refuses_a_negative_target_outside_admin_too():
    policy = SlaPolicy.objects.get(tier="L3")
    policy.first_contact_minutes = -1
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        policy.full_clean()
    assert refused.value.message_dict == {
        "first_contact_minutes": ["First contact target must be more than zero minutes."]
    }


def test_an_admin_correction_overrides_the_package_and_survives_a_reload(admin_client):
    # Say Thu 8 Oct 2026 were declared a holiday after all.
    response = admin_client.post(
        "/admin/sla/calendarday/add/",
        {"date": "2026-10-08", "is_working": "", "note": "国庆节延长"},
    )
    assert response.status_code == 302
    day = CalendarDay.objects.get(date="2026-10-08")
    assert (day.is_working, day.source) == (False, CalendarDay.Source.ADMIN)

    # Wed 30 Sep 17:00: 60 min, 1–8 Oct off, 480 on Fri 9 Oct.
    expected = sh(2026, 10, 9, 17)
    assert deadlines_for(tier="L3", received_at=sh(2026, 9, 30, 17)).first_contact_due_at == (
        expected
    )
    load = calendar_load_from_package()
    assert load.created == load.updated == 0
    assert CalendarDay.objects.get(date="2026-10-08").is_working is False
    assert deadlines_for(tier="L3", received_at=sh(2026, 9, 30, 17)).first_contact_due_at == (
        expected
    )


def test_correcting_a_package_day_in_admin_makes_it_the_admins(admin_client):
    day = CalendarDay.objects.get(date="2026-10-10")  # the make-up Saturday
    assert day.source == CalendarDay.Source.PACKAGE

    response = admin_client.post(
        f"/admin/sla/calendarday/{day.pk}/change/",
        {"date": "2026-10-10", "is_working": "", "note": "调休取消"},
    )

    assert response.status_code == 302
    day.refresh_from_db()
    assert (day.is_working, day.source) == (False, CalendarDay.Source.ADMIN)
    assert calendar_load_from_package().kept_admin == 1
    day.refresh_from_db()
    assert day.is_working is False


def test_a_package_day_cannot_be_deleted_in_admin(admin_client):
    day = CalendarDay.objects.get(date="2026-10-01")

    response = admin_client.post(f"/admin/sla/calendarday/{day.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert CalendarDay.objects.filter(pk=day.pk).exists()


def test_the_calendar_changelist_warns_about_next_year_without_data(admin_client, english):
    response = admin_client.get("/admin/sla/calendarday/")

    assert response.status_code == 200
    # The package ends with 2026; the banner names whichever of this year and next lack data.
    assert "No holiday data for" in response.content.decode()
