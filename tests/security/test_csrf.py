"""CSRF: a POST without the token is refused (403) and changes nothing.

That every rendered POST form carries the token is checked on every page, for a role that
sees it, by tests/security/test_access_matrix.py (`assert_forms_carry_csrf`).
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict(agent) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    return client


def test_login_without_the_token_is_refused(agent):
    response = Client(enforce_csrf_checks=True).post(
        reverse("login"), {"username": "agent", "password": "pw-Secret-123"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("tickets:transition", {"status": "contacted"}),
        ("tickets:work_action", {"body": "内部备注"}),
        ("tickets:reveal", {}),
        ("api-ticket-transition", {"status": "contacted"}),
    ],
)
def test_ticket_writes_without_the_token_are_refused_and_change_nothing(strict, ticket, name, data):
    kwargs = {"number": ticket.number}
    if name == "tickets:work_action":
        kwargs["action"] = "note"
    events = TicketEvent.objects.filter(ticket=ticket).count()

    response = strict.post(reverse(name, kwargs=kwargs), data)

    assert response.status_code == 403
    assert TicketEvent.objects.filter(ticket=ticket).count() == events
    assert Ticket.objects.get(pk=ticket.pk).status == ticket.status


@pytest.mark.parametrize(
    "name", ["tickets:saved_filter_create", "knowledge:article_create", "intake:hotline_form"]
)
def test_other_forms_without_the_token_are_refused(strict, name):
    assert strict.post(reverse(name), {"name": "x", "title": "x"}).status_code == 403


def test_the_public_website_form_without_the_token_is_refused(db):
    response = Client(enforce_csrf_checks=True).post(
        reverse("intake:web_form"), {"customer_name": "张三", "phone": "13800138000"}
    )
    assert response.status_code == 403
    assert Ticket.objects.count() == 0


def test_with_the_token_the_same_client_gets_through(strict, ticket):
    page = strict.get(reverse("tickets:detail", args=[ticket.number]))
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else None
    token = token or strict.cookies["csrftoken"].value
    response = strict.post(
        reverse("tickets:work_action", kwargs={"number": ticket.number, "action": "note"}),
        {"csrfmiddlewaretoken": token, "body": "内部备注"},
    )
    assert response.status_code != 403
