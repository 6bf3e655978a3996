"""Status lookup: ticket number + phone; it never tells whether a phone number is known."""

import re

import pytest

from tests.tickets.factories import TicketFactory

pytestmark = pytest.mark.django_db
URL = "/service/status/"


def _visible(response) -> str:
    """The page without its per-request CSRF tokens."""
    return re.sub(r'value="[A-Za-z0-9]{64}"', "", response.content.decode())


@pytest.fixture
def web_ticket(db):
    return TicketFactory(channel="web", confirmed_via="preview", phone="13812345678")


def test_number_and_phone_show_status_and_next_promised_time(client, web_ticket):
    response = client.post(URL, {"number": web_ticket.number.lower(), "phone": "138 1234 5678"})

    html = response.content.decode()
    assert response.status_code == 200
    assert web_ticket.number in html
    assert response.context["customer_status"]
    assert response.context["at"] == web_ticket.first_contact_due_at
    assert web_ticket.description not in html


def test_wrong_phone_and_unknown_number_give_the_same_answer(client, web_ticket):
    other = TicketFactory(phone="13987654321")
    number = web_ticket.number
    unknown = number[:-6] + "999999"

    wrong_phone = client.post(URL, {"number": number, "phone": "13987654321"})
    unknown_number = client.post(URL, {"number": unknown, "phone": "13987654321"})

    assert wrong_phone.status_code == unknown_number.status_code == 200
    assert wrong_phone.context["ticket"] is None
    assert _visible(wrong_phone).replace(number, unknown) == _visible(unknown_number)
    assert other.number not in _visible(wrong_phone)


def test_a_malformed_phone_is_a_field_error(client, web_ticket):
    response = client.post(URL, {"number": web_ticket.number, "phone": "abc"})

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["phone"]


def test_more_than_ten_lookups_a_minute_from_one_ip_is_429(client, web_ticket):
    for _ in range(10):
        assert client.post(URL, {"number": "SH-1", "phone": "13812345678"}).status_code == 200

    response = client.post(URL, {"number": web_ticket.number, "phone": "13812345678"})

    assert response.status_code == 429
    assert web_ticket.number not in response.content.decode()


def test_lookup_page_is_public(client):
    assert client.get(URL).status_code == 200


def test_more_than_twenty_lookups_an_hour_for_one_phone_is_429(client, settings, web_ticket):
    # Many IPs, one phone: lift the per-IP limit to reach the per-phone one.
    settings.RATELIMIT_IP_META_KEY = "HTTP_X_TEST_IP"
    for n in range(20):
        body = {"number": f"SH-{n}", "phone": "13812345678"}
        assert client.post(URL, body, HTTP_X_TEST_IP=f"10.0.0.{n}").status_code == 200
    body = {"number": web_ticket.number, "phone": "138-1234-5678"}

    response = client.post(URL, body, HTTP_X_TEST_IP="10.0.1.1")

    assert response.status_code == 429


def test_status_lookup_still_answers_when_redis_is_down(client, settings):
    """Rate limits fail open: a dead Redis must not turn the public pages into 500s."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    response = client.post(URL, {"number": "SH-20261122-000001", "phone": "13800138000"})
    assert response.status_code == 200
