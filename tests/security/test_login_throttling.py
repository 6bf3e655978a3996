"""Login throttling (django-axes), through HTTP: per username + address, a cool-off, a reset."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

PASSWORD = "pw-Secret-123"  # tests/tickets/factories.py UserFactory
LOCKED = (
    "Too many failed logins for this username from this address. "
    "Please try again in %(minutes)s minutes."
)


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _fail(client: Client, username: str, times: int, ip: str = "10.0.0.1") -> None:
    """Wrong passwords: the login page again, until the limit-th one locks (429)."""
    for attempt in range(1, times + 1):
        expected = 429 if attempt >= 5 else 200
        assert _login(client, username, "wrong-password", ip).status_code == expected


def _locked_message() -> str:
    with translation.override("zh-hans"):
        return gettext(LOCKED) % {"minutes": 15}


def test_after_five_failures_the_right_password_is_refused_with_a_clear_message(
    client, agent, settings
):
    assert settings.AXES_FAILURE_LIMIT == 5
    _fail(client, "agent", 5)  # the fifth failure locks
    again = _login(client, "agent", PASSWORD)
    page = again.content.decode()
    assert again.status_code == 429
    assert _locked_message() in page
    assert "Traceback" not in page and "axes" not in page.lower()
    assert "_auth_user_id" not in client.session


def test_four_failures_then_the_right_password_logs_in_and_resets_the_count(client, agent):
    _fail(client, "agent", 4)
    assert _login(client, "agent", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(agent.pk)

    client.logout()
    _fail(client, "agent", 4)  # the count started again: four more do not lock
    assert _login(client, "agent", PASSWORD).status_code == 302


def test_the_lock_is_per_username_and_address(client, agent, engineer):
    _fail(client, "agent", 5)
    assert _login(Client(), "engineer", PASSWORD).status_code == 302  # another user
    assert _login(Client(), "agent", PASSWORD, ip="10.0.0.2").status_code == 302  # another address


def test_the_cool_off_ends_the_lock(client, agent, settings):
    _fail(client, "agent", 5)
    assert _login(client, "agent", PASSWORD).status_code == 429
    # Fifteen minutes on: the attempts are older than the cool-off.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time.replace(year=2000)
    )
    assert _login(client, "agent", PASSWORD).status_code == 302


def test_token_api_calls_are_not_throttled(client, agent):
    _fail(client, "agent", 5)
    token = Token.objects.create(user=agent)
    response = Client().get(
        reverse("api-ticket-list"), HTTP_AUTHORIZATION=f"Token {token.key}", REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 200


def test_force_login_still_works_for_the_test_suite(client, agent):
    client.force_login(agent)
    assert client.get(reverse("tickets:list")).status_code == 200
