import logging

import pytest
from django.urls import reverse

from tests.tickets.factories import TicketFactory
from tickets.masking import mask_name, mask_phone
from tickets.models import TicketEvent


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("+8613812345678", "138****5678"),
        ("+861062345678", "010****5678"),
        ("+8675512345678", "075*****5678"),
    ],
)
def test_phone_is_masked_keeping_prefix_and_last_four(raw, masked):
    assert mask_phone(raw) == masked


@pytest.mark.parametrize(("raw", "masked"), [("张三", "张*"), ("欧阳娜娜", "欧***"), ("王", "王*")])
def test_name_keeps_only_the_first_character(raw, masked):
    assert mask_name(raw) == masked


ROLES = ["agent", "engineer", "team_lead", "manager", "store_clerk", "product_manager"]


@pytest.mark.parametrize("role", ROLES)
def test_api_never_shows_full_name_or_phone(request, api_as, role, team_kitchen, store_a):
    TicketFactory(
        customer_name="张三丰",
        phone="13812345678",
        team=team_kitchen,
        store=store_a,
        category="suggestion",
    )
    user = request.getfixturevalue(role)

    body = api_as(user).get(reverse("api-ticket-list")).content.decode()

    # Every role here can see this ticket (team, store, suggestion), and only masked.
    assert "138****5678" in body and "张**" in body
    assert "13812345678" not in body and "张三丰" not in body


@pytest.mark.parametrize("role", ["agent", "engineer", "team_lead", "manager", "store_clerk"])
def test_reveal_shows_the_contact_and_is_audited(request, api_as, role, team_kitchen, store_a):
    ticket = TicketFactory(
        customer_name="张三丰", phone="13812345678", team=team_kitchen, store=store_a
    )
    user = request.getfixturevalue(role)

    response = api_as(user).post(reverse("api-ticket-reveal", args=[ticket.number]))

    assert response.status_code == 200
    assert response.json() == {"name": "张三丰", "phone": "+8613812345678"}
    event = ticket.events.get(verb=TicketEvent.Verb.CUSTOMER_REVEALED)
    assert event.actor == user


def test_product_manager_cannot_reveal(api_as, product_manager):
    ticket = TicketFactory(category="suggestion")

    response = api_as(product_manager).post(reverse("api-ticket-reveal", args=[ticket.number]))

    assert response.status_code == 403
    assert not ticket.events.filter(verb=TicketEvent.Verb.CUSTOMER_REVEALED).exists()


def test_reveal_by_get_is_refused(api_as, agent, ticket):
    response = api_as(agent).get(reverse("api-ticket-reveal", args=[ticket.number]))
    assert response.status_code == 405
    assert not ticket.events.filter(verb=TicketEvent.Verb.CUSTOMER_REVEALED).exists()


def test_ticket_page_masks_until_revealed(client, agent, team_kitchen):
    ticket = TicketFactory(customer_name="张三丰", phone="13812345678", team=team_kitchen)
    client.force_login(agent)

    page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert "138****5678" in page and "13812345678" not in page and "张三丰" not in page

    revealed = client.post(
        reverse("tickets:reveal", args=[ticket.number]), headers={"HX-Request": "true"}
    ).content.decode()
    assert "+8613812345678" in revealed and "张三丰" in revealed
    assert ticket.events.filter(verb=TicketEvent.Verb.CUSTOMER_REVEALED, actor=agent).exists()


def test_intake_log_line_has_no_personal_data(caplog, db):
    with caplog.at_level(logging.INFO):
        TicketFactory(customer_name="张三丰", phone="13812345678")

    assert caplog.records, "intake should log the registration"
    assert "13812345678" not in caplog.text and "张三丰" not in caplog.text
