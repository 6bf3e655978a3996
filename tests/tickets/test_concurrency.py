"""Two agents on one ticket: one wins, the other is told and sees the current state."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from tests.tickets.factories import TicketFactory, UserFactory
from tickets.errors import StaleTicket
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_transition

S = Ticket.Status


def _in_progress(ticket: Ticket) -> Ticket:
    Ticket.objects.filter(pk=ticket.pk).update(status=S.IN_PROGRESS)
    ticket.refresh_from_db()
    return ticket


def _form(client, ticket: Ticket) -> dict:
    """What the ticket page's action form carries, as the agent's browser has it now."""
    page = client.get(reverse("tickets:detail", args=[ticket.number]))
    assert page.status_code == 200
    seen = page.context["ticket"].updated_at
    html = page.content.decode()
    assert 'name="seen_updated_at"' in html
    return {"seen_updated_at": seen.isoformat()}


def test_a_stale_form_is_409_with_the_current_state_and_changes_nothing(
    client, agent, engineer, team_kitchen
):
    ticket = _in_progress(TicketFactory(team=team_kitchen))
    other = type(client)()
    client.force_login(agent)
    other.force_login(engineer)
    mine, theirs = _form(client, ticket), _form(other, ticket)
    url = reverse("tickets:transition", args=[ticket.number])

    first = other.post(url, {"to_status": S.WAITING_PARTS, **theirs})
    late = client.post(url, {"to_status": S.WAITING_CUSTOMER, "note": "等客户", **mine})

    assert first.status_code == 302
    assert late.status_code == 409
    assert late.context["ticket"].status == S.WAITING_PARTS  # the page shows what is true now
    shown = [str(m) for m in late.context["messages"]]
    assert any("刚被" in m or "a moment ago" in m for m in shown)
    ticket.refresh_from_db()
    assert ticket.status == S.WAITING_PARTS
    assert not TicketEvent.objects.filter(ticket=ticket, to_status=S.WAITING_CUSTOMER).exists()


def test_the_same_move_posted_twice_is_a_no_op_not_a_conflict(client, agent, team_kitchen):
    ticket = _in_progress(TicketFactory(team=team_kitchen))
    client.force_login(agent)
    seen = _form(client, ticket)
    url = reverse("tickets:transition", args=[ticket.number])

    responses = [client.post(url, {"to_status": S.WAITING_PARTS, **seen}) for _ in range(2)]

    assert [r.status_code for r in responses] == [302, 302]
    assert TicketEvent.objects.filter(ticket=ticket, to_status=S.WAITING_PARTS).count() == 1


def test_the_api_refuses_a_stale_version_with_409(api_as, agent, team_kitchen):
    ticket = _in_progress(TicketFactory(team=team_kitchen))
    client = api_as(agent)
    seen = client.get(reverse("api-ticket-detail", args=[ticket.number])).json()["updated_at"]
    url = reverse("api-ticket-transition", args=[ticket.number])

    ok = client.post(url, {"to_status": S.WAITING_PARTS, "seen_updated_at": seen}, format="json")
    stale = client.post(url, {"to_status": S.IN_PROGRESS, "seen_updated_at": seen}, format="json")

    assert ok.status_code == 200
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_ticket")
    ticket.refresh_from_db()
    assert ticket.status == S.WAITING_PARTS


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("role_groups_after_flush")
def test_two_agents_at_the_same_instant_one_wins_and_nothing_is_lost():
    a, b = UserFactory(username="a", role="agent"), UserFactory(username="b", role="agent")
    ticket = _in_progress(TicketFactory())
    seen = ticket.updated_at
    outcomes, barrier = [], threading.Barrier(2)

    def act(actor, to_status):
        barrier.wait()
        try:
            ticket_transition(ticket=ticket, to_status=to_status, actor=actor, seen_updated_at=seen)
            outcomes.append("won")
        except StaleTicket:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(a, S.WAITING_PARTS)),
        threading.Thread(target=act, args=(b, S.WAITING_CUSTOMER)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["stale", "won"]
    ticket.refresh_from_db()
    moves = TicketEvent.objects.filter(ticket=ticket, from_status=S.IN_PROGRESS)
    assert moves.count() == 1
    assert moves.get().to_status == ticket.status
