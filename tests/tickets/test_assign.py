from datetime import UTC, datetime

import pytest

from tickets.errors import DomainError, PermissionDeniedError
from tickets.models import TicketEvent
from tickets.selectors import ticket_visible_to
from tickets.services import ticket_assign

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def test_agent_takes_a_ticket_and_the_timeline_says_so(ticket, agent):
    ticket = ticket_assign(ticket=ticket, owner=agent, actor=agent, now=NOW)

    assert ticket.owner == agent
    event = ticket.events.get(verb=TicketEvent.Verb.ASSIGNED)
    assert (event.actor, event.at, event.payload["to_owner"]) == (agent, NOW, agent.pk)


def test_assigning_the_same_owner_again_is_a_no_op(ticket, agent):
    ticket_assign(ticket=ticket, owner=agent, actor=agent, now=NOW)
    ticket_assign(ticket=ticket, owner=agent, actor=agent, now=NOW)
    assert ticket.events.filter(verb=TicketEvent.Verb.ASSIGNED).count() == 1


def test_agent_cannot_hand_a_ticket_to_someone_else(ticket, agent, engineer):
    with pytest.raises(PermissionDeniedError):
        ticket_assign(ticket=ticket, owner=engineer, actor=agent, now=NOW)
    ticket.refresh_from_db()
    assert ticket.owner is None


def test_team_lead_assigns_an_engineer(ticket, team_lead, engineer):
    assert ticket_assign(ticket=ticket, owner=engineer, actor=team_lead, now=NOW).owner == engineer


def test_a_role_that_cannot_work_tickets_cannot_own_one(ticket, team_lead, product_manager):
    with pytest.raises(DomainError):
        ticket_assign(ticket=ticket, owner=product_manager, actor=team_lead, now=NOW)


def test_owner_sees_the_ticket_outside_their_teams(ticket, agent_other_team, manager):
    assert not ticket_visible_to(user=agent_other_team).filter(pk=ticket.pk).exists()
    ticket_assign(ticket=ticket, owner=agent_other_team, actor=manager, now=NOW)
    assert ticket_visible_to(user=agent_other_team).filter(pk=ticket.pk).exists()
