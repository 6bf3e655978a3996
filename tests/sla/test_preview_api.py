"""GET /api/v1/sla/preview/: public, throttled, answers in Shanghai time, 400 on bad input."""

from urllib.parse import urlencode
from uuid import uuid4

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
URL = "/api/v1/sla/preview/"


@pytest.fixture
def anonymous(settings):
    """The throttle counts in Redis: a key prefix per test keeps tests and reruns apart."""
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid4().hex}"}
    }
    return APIClient()


def preview(client, **params):
    return client.get(f"{URL}?{urlencode(params)}")


def test_anyone_can_preview_l3_over_national_day_in_shanghai_time(anonymous):
    response = preview(anonymous, tier="L3", received_at="2026-09-30T17:00:00+08:00")

    assert response.status_code == 200
    assert response.json() == {
        "tier": "L3",
        "received_at": "2026-09-30T17:00:00+08:00",
        "first_contact_due_at": "2026-10-08T17:00:00+08:00",
        "resolve_due_at": "2026-10-10T17:00:00+08:00",
        "calendar_gaps": [],
    }


def test_a_utc_time_is_answered_in_shanghai(anonymous):
    # 09:00 UTC is 17:00 in Shanghai.
    response = preview(anonymous, tier="L2", received_at="2026-09-30T09:00:00Z")

    assert response.json()["first_contact_due_at"] == "2026-10-08T10:00:00+08:00"


def test_an_unencoded_plus_in_the_offset_is_read_as_meant(anonymous):
    response = anonymous.get(f"{URL}?tier=L2&received_at=2026-09-30T17:00:00+08:00")

    assert response.status_code == 200
    assert response.json()["first_contact_due_at"] == "2026-10-08T10:00:00+08:00"


def test_a_suggestion_has_no_resolution_time(anonymous):
    response = preview(anonymous, tier="S", received_at="2026-02-20T11:00:00+08:00")

    assert response.json()["first_contact_due_at"] == "2026-02-24T18:00:00+08:00"
    assert response.json()["resolve_due_at"] is None


def test_a_year_without_holiday_data_is_reported(anonymous):
    response = preview(anonymous, tier="L3", received_at="2031-03-07T17:00:00+08:00")

    assert response.status_code == 200
    assert response.json()["first_contact_due_at"] == "2031-03-10T17:00:00+08:00"
    assert response.json()["calendar_gaps"] == [2031]


def test_without_a_time_it_previews_from_now(anonymous):
    response = preview(anonymous, tier="L1")

    assert response.status_code == 200
    assert response.json()["received_at"].endswith("+08:00")


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"tier": "L9", "received_at": "2026-10-01T10:00:00+08:00"}, "tier"),
        ({"tier": "", "received_at": "2026-10-01T10:00:00+08:00"}, "tier"),
        ({"received_at": "2026-10-01T10:00:00+08:00"}, "tier"),
        ({"tier": "L3", "received_at": "next tuesday"}, "received_at"),
        ({"tier": "L3", "received_at": "2026-13-01T10:00:00+08:00"}, "received_at"),
        ({"tier": "L3", "received_at": "2026-10-01T10:00:00"}, "received_at"),
        ({"tier": "L3", "received_at": "2026-10-01"}, "received_at"),
        ({"tier": "L3", "received_at": "9999-12-31T23:59:59+08:00"}, "received_at"),
        ({"tier": "L3", "received_at": "0001-01-01T00:00:00+08:00"}, "received_at"),
    ],
)
def test_bad_input_is_400_naming_the_parameter(anonymous, params, named):
    response = preview(anonymous, **params)

    assert response.status_code == 400
    assert list(response.json()) == [named]


def test_a_naive_time_is_refused_with_a_reason(anonymous):
    response = preview(anonymous, tier="L3", received_at="2026-10-01T10:00:00")

    assert "+08:00" in response.json()["received_at"][0]  # the offset it asks for


def test_anonymous_callers_are_throttled(anonymous):
    codes = [preview(anonymous, tier="L3").status_code for _ in range(61)]

    assert codes[:60] == [200] * 60
    assert codes[60] == 429


def test_the_preview_is_in_the_openapi_schema(anonymous, admin_client):
    schema = admin_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    operation = schema["paths"]["/api/v1/sla/preview/"]["get"]
    assert {param["name"] for param in operation["parameters"]} == {"tier", "received_at"}


def test_the_website_form_knows_where_to_ask_for_the_contact_time(client):
    html = client.get("/service/").content.decode()

    assert 'data-sla-preview-url="/api/v1/sla/preview/"' in html
    assert 'id="contact-hint"' in html
