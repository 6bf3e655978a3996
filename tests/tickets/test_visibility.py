import pytest
from django.urls import reverse

from tests.tickets.factories import TicketFactory
from tickets.selectors import ticket_visible_to


@pytest.fixture
def tickets(team_kitchen, team_aircon, store_a, store_b):
    return {
        "kitchen": TicketFactory(team=team_kitchen, description="电饭煲煮饭夹生"),
        "aircon": TicketFactory(team=team_aircon, description="空调外机支架不牢固"),
        "unrouted": TicketFactory(description="产品型号不明"),
        "store_a": TicketFactory(
            channel="store", store=store_a, team=team_aircon, confirmed_via="store"
        ),
        "store_b": TicketFactory(
            channel="store", store=store_b, team=team_kitchen, confirmed_via="store"
        ),
        "suggestion": TicketFactory(category="suggestion", tier="S", team=team_aircon),
    }


EXPECTED = {
    "agent": {"kitchen", "unrouted", "store_b"},
    "engineer": {"kitchen", "unrouted", "store_b"},
    "team_lead": {"kitchen", "unrouted", "store_b"},
    "agent_other_team": {"aircon", "unrouted", "store_a", "suggestion"},
    "store_clerk": {"store_a"},
    "store_clerk_other_store": {"store_b"},
    "product_manager": {"suggestion"},
    "manager": {"kitchen", "aircon", "unrouted", "store_a", "store_b", "suggestion"},
    "admin_user": {"kitchen", "aircon", "unrouted", "store_a", "store_b", "suggestion"},
}


@pytest.mark.parametrize(("role", "visible"), EXPECTED.items())
def test_each_role_sees_exactly_its_tickets(request, tickets, role, visible):
    user = request.getfixturevalue(role)
    numbers = set(ticket_visible_to(user=user).values_list("number", flat=True))
    assert numbers == {tickets[name].number for name in visible}


@pytest.mark.parametrize(("role", "visible"), EXPECTED.items())
def test_api_list_and_detail_follow_the_same_rule(request, tickets, api_as, role, visible):
    client = api_as(request.getfixturevalue(role))

    listed = {t["number"] for t in client.get(reverse("api-ticket-list")).json()["results"]}

    assert listed == {tickets[name].number for name in visible}
    for name, ticket in tickets.items():
        status = client.get(reverse("api-ticket-detail", args=[ticket.number])).status_code
        assert status == (200 if name in visible else 404), name


def test_store_clerk_cannot_see_other_stores_tickets_in_pages(client, tickets, store_clerk):
    client.force_login(store_clerk)

    listing = client.get(reverse("tickets:list")).content.decode()
    assert tickets["store_a"].number in listing
    assert tickets["store_b"].number not in listing
    assert (
        client.get(reverse("tickets:detail", args=[tickets["store_b"].number])).status_code == 404
    )
    other = reverse("tickets:reveal", args=[tickets["store_b"].number])
    assert client.post(other).status_code == 404
    other_timeline = reverse("api-ticket-timeline", args=[tickets["store_b"].number])
    assert client.get(other_timeline).status_code == 404


def test_inactive_user_sees_nothing(tickets, manager):
    manager.is_active = False
    assert not ticket_visible_to(user=manager).exists()


def test_anonymous_pages_redirect_to_login(client, tickets):
    response = client.get(reverse("tickets:detail", args=[tickets["kitchen"].number]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_agent_who_registered_a_ticket_sees_it_wherever_it_was_routed(agent, team_aircon):
    from intake.services import Complaint, complaint_register
    from tests.tickets.factories import TagFactory

    elsewhere = TagFactory(team=team_aircon)
    ticket = complaint_register(
        complaint=Complaint(
            channel="phone",
            customer_name="陈静",
            phone="13700137000",
            description="空调外机支架松动",
            tags=[elsewhere],
            description_confirmed=True,
            confirmed_via="read_back",
        ),
        actor=agent,
    ).ticket
    assert ticket.team == team_aircon and ticket.registered_by == agent
    assert ticket_visible_to(user=agent).filter(pk=ticket.pk).exists()
