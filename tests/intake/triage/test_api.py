"""POST /api/v1/triage/: public, throttled, creates nothing."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from intake.api import TriageAnonThrottle
from tickets.models import Customer, Tag, Ticket, TicketEvent

pytestmark = pytest.mark.django_db
URL = "/api/v1/triage/"


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def test_url_is_named() -> None:
    assert reverse("api-triage") == URL


def test_anyone_gets_tier_category_tags_reasons_and_missing() -> None:
    response = APIClient().post(
        URL,
        {"description": "热水器洗澡时漏电，手摸水管有麻感", "urgency_self": "high"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"tier", "category", "tags", "reasons", "missing"}
    assert (body["tier"], body["category"]) == ("L1", "quality")
    assert body["tags"][0] == {"code": "safety-leakage", "name": "漏电", "parent": "安全隐患"}
    assert "匹配'漏电' → 安全隐患 → L1" in body["reasons"]
    assert {"field": "product_model", "prompt": body["missing"][-1]["prompt"]} in body["missing"]


def test_it_creates_nothing() -> None:
    before = [model.objects.count() for model in (Ticket, Customer, TicketEvent, Tag)]
    APIClient().post(URL, {"description": "冰箱不制冷，我要投诉到12315"}, format="json")
    assert [model.objects.count() for model in (Ticket, Customer, TicketEvent, Tag)] == before


@pytest.mark.parametrize("description", ["", "   ", "漏" * 5001])
def test_empty_or_too_long_description_is_400_naming_the_field(description: str) -> None:
    response = APIClient().post(URL, {"description": description}, format="json")
    assert response.status_code == 400
    assert "description" in response.json()


def test_missing_description_and_bad_urgency_are_400() -> None:
    response = APIClient().post(URL, {"urgency_self": "panic"}, format="json")
    assert response.status_code == 400
    assert {"description", "urgency_self"} <= set(response.json())


def test_5000_characters_are_accepted() -> None:
    response = APIClient().post(URL, {"description": "漏" * 5000}, format="json")
    assert response.status_code == 200


def test_vip_and_repeat_cannot_be_claimed_by_the_caller() -> None:
    response = APIClient().post(
        URL, {"description": "想问问冰箱怎么调温度", "is_vip": True}, format="json"
    )
    assert response.json()["tier"] == "L3"


def test_anonymous_callers_are_throttled(monkeypatch) -> None:
    monkeypatch.setattr(TriageAnonThrottle, "rate", "2/min")
    client = APIClient()
    statuses = [
        client.post(URL, {"description": "漏水"}, format="json").status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_the_schema_documents_it(client, agent) -> None:
    client.force_login(agent)
    schema = client.get(reverse("schema"))
    assert b"/api/v1/triage/" in schema.content
