from datetime import UTC, datetime
from itertools import product

import pytest
from django.urls import reverse

from tickets.errors import IllegalTransition, PermissionDeniedError
from tickets.models import ALLOWED_TRANSITIONS, Ticket, TicketEvent
from tickets.services import ticket_transition

S = Ticket.Status
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)
ALL_PAIRS = [(a, b) for a, b in product(S.values, S.values) if a != b]
LEGAL = [(a, b) for a, b in ALL_PAIRS if b in ALLOWED_TRANSITIONS[a]]
ILLEGAL = [(a, b) for a, b in ALL_PAIRS if b not in ALLOWED_TRANSITIONS[a]]


def _in_status(ticket: Ticket, status: str) -> Ticket:
    Ticket.objects.filter(pk=ticket.pk).update(status=status)
    ticket.refresh_from_db()
    return ticket


def test_the_lifecycle_is_the_documented_one():
    assert set(LEGAL) == {
        (S.NEW, S.CONTACTED),
        (S.CONTACTED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.WAITING_PARTS),
        (S.IN_PROGRESS, S.WAITING_TECHNICAL),
        (S.IN_PROGRESS, S.WAITING_CUSTOMER),
        (S.IN_PROGRESS, S.RESOLVED),
        (S.WAITING_PARTS, S.IN_PROGRESS),
        (S.WAITING_TECHNICAL, S.IN_PROGRESS),
        (S.WAITING_CUSTOMER, S.IN_PROGRESS),
        (S.RESOLVED, S.CLOSED),
        (S.RESOLVED, S.REOPENED),
        (S.REOPENED, S.IN_PROGRESS),
    }


@pytest.mark.parametrize(("from_status", "to_status"), LEGAL)
def test_legal_transition_changes_status_and_writes_one_event(
    ticket, agent, from_status, to_status
):
    _in_status(ticket, from_status)
    events_before = ticket.events.count()

    ticket_transition(ticket=ticket, to_status=to_status, actor=agent, note="ok", now=NOW)

    ticket.refresh_from_db()
    assert ticket.status == to_status
    assert ticket.events.count() == events_before + 1
    event = ticket.events.latest("pk")
    assert (event.verb, event.from_status, event.to_status, event.actor, event.at) == (
        TicketEvent.Verb.TRANSITIONED,
        from_status,
        to_status,
        agent,
        NOW,
    )
    # Resolving and reopening also record what they did to the SLA clocks ("sla").
    assert set(event.payload) <= {"note", "sla"} and event.payload["note"] == "ok"


@pytest.mark.parametrize(("from_status", "to_status"), ILLEGAL)
def test_illegal_transition_raises_and_changes_nothing(ticket, agent, from_status, to_status):
    _in_status(ticket, from_status)
    events_before = ticket.events.count()

    with pytest.raises(IllegalTransition) as excinfo:
        ticket_transition(ticket=ticket, to_status=to_status, actor=agent, now=NOW)

    assert from_status in str(excinfo.value) and to_status in str(excinfo.value)
    ticket.refresh_from_db()
    assert ticket.status == from_status
    assert ticket.events.count() == events_before


def test_repeating_the_current_status_is_a_no_op(ticket, agent):
    ticket_transition(ticket=ticket, to_status=S.CONTACTED, actor=agent, now=NOW)
    events = ticket.events.count()

    ticket_transition(ticket=ticket, to_status=S.CONTACTED, actor=agent, now=NOW)

    assert ticket.events.count() == events


def test_milestones_are_recorded_once_and_reopen_counts(ticket, agent):
    for status in [S.CONTACTED, S.IN_PROGRESS, S.RESOLVED, S.REOPENED, S.IN_PROGRESS]:
        ticket_transition(ticket=ticket, to_status=status, actor=agent, now=NOW)
    ticket.refresh_from_db()
    assert ticket.first_contacted_at == NOW
    assert ticket.resolved_at is None  # reopened: resolution must be earned again
    assert ticket.reopen_count == 1


def test_unknown_status_is_refused(ticket, agent):
    with pytest.raises(IllegalTransition):
        ticket_transition(ticket=ticket, to_status="deleted", actor=agent, now=NOW)


def test_role_without_transition_permission_is_refused(ticket, product_manager):
    with pytest.raises(PermissionDeniedError):
        ticket_transition(ticket=ticket, to_status=S.CONTACTED, actor=product_manager, now=NOW)
    ticket.refresh_from_db()
    assert ticket.status == S.NEW


def test_api_illegal_transition_is_409_naming_both_states(api_as, agent, ticket):
    url = reverse("api-ticket-transition", args=[ticket.number])

    response = api_as(agent).post(url, {"to_status": S.CLOSED}, format="json")

    assert response.status_code == 409
    assert "new" in response.json()["detail"] and "closed" in response.json()["detail"]
    ticket.refresh_from_db()
    assert ticket.status == S.NEW
    assert not ticket.events.filter(verb=TicketEvent.Verb.TRANSITIONED).exists()


def test_api_transition_moves_the_ticket(api_as, agent, ticket):
    url = reverse("api-ticket-transition", args=[ticket.number])

    response = api_as(agent).post(url, {"to_status": S.CONTACTED, "note": "已回电"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == S.CONTACTED
    assert response.json()["first_contacted_at"] is not None


def test_api_transition_to_unknown_status_is_400_naming_the_field(api_as, agent, ticket):
    url = reverse("api-ticket-transition", args=[ticket.number])

    response = api_as(agent).post(url, {"to_status": "gone"}, format="json")

    assert response.status_code == 400
    assert "to_status" in response.json()


def test_page_transition_is_a_post_and_shows_the_refusal(client, agent, ticket):
    client.force_login(agent)
    url = reverse("tickets:transition", args=[ticket.number])

    assert client.get(url).status_code == 405
    response = client.post(url, {"to_status": S.RESOLVED}, follow=True)

    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == S.NEW
    assert any("resolved" in str(m) for m in response.context["messages"])
