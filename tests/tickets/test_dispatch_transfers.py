"""Transfers: another team takes a ticket only by accepting it; each acceptance is counted."""

import threading

import pytest
from django.db import connection

from tests.tickets.factories import TeamFactory, TicketFactory, UserFactory
from tickets.errors import DomainError, PermissionDeniedError, StaleTicket
from tickets.models import Ticket, TicketEvent, Transfer
from tickets.selectors import ticket_visible_to
from tickets.services.dispatch import (
    transfer_accept,
    transfer_cancel,
    transfer_decline,
    transfer_request,
)

S = Ticket.Status
REASON = "用户反映的是空调安装问题，应由安装组处理"


@pytest.fixture
def worked(ticket, agent):
    Ticket.objects.filter(pk=ticket.pk).update(status=S.IN_PROGRESS, owner=agent)
    ticket.refresh_from_db()
    return ticket


def _ask(ticket, actor, team, **extra):
    return transfer_request(ticket=ticket, to_team=team, reason=REASON, actor=actor, **extra)


def test_ownership_does_not_move_before_the_other_team_accepts(
    worked, agent, agent_other_team, team_kitchen, team_aircon
):
    transfer = _ask(worked, agent, team_aircon)

    worked.refresh_from_db()
    assert (worked.team, worked.owner, worked.transfer_count) == (team_kitchen, agent, 0)
    assert (transfer.status, transfer.from_team, transfer.requested_by) == (
        "pending",
        team_kitchen,
        agent,
    )
    # The target team sees the ticket it is asked to take; the owner still sees it too.
    assert ticket_visible_to(user=agent_other_team).filter(pk=worked.pk).exists()
    assert ticket_visible_to(user=agent).filter(pk=worked.pk).exists()
    event = TicketEvent.objects.get(ticket=worked, verb=TicketEvent.Verb.TRANSFER)
    assert (event.payload["action"], event.payload["note"]) == ("requested", REASON)


def test_accepting_moves_team_and_owner_and_counts_the_transfer(
    worked, agent, agent_other_team, team_aircon
):
    transfer = _ask(worked, agent, team_aircon)

    accepted = transfer_accept(transfer=transfer, actor=agent_other_team)

    worked.refresh_from_db()
    assert (worked.team, worked.owner, worked.transfer_count) == (
        team_aircon,
        agent_other_team,
        1,
    )
    assert (accepted.status, accepted.decided_by) == ("accepted", agent_other_team)
    assert worked.status == S.IN_PROGRESS
    assigned = TicketEvent.objects.get(ticket=worked, verb=TicketEvent.Verb.ASSIGNED)
    assert (assigned.payload["from_owner"], assigned.payload["to_owner"]) == (
        agent.pk,
        agent_other_team.pk,
    )
    # The former owner's team no longer holds it.
    assert not ticket_visible_to(user=agent).filter(pk=worked.pk).exists()


def test_accepting_twice_is_a_no_op(worked, agent, agent_other_team, team_aircon):
    transfer = _ask(worked, agent, team_aircon)
    transfer_accept(transfer=transfer, actor=agent_other_team)

    transfer_accept(transfer=transfer, actor=agent_other_team)

    worked.refresh_from_db()
    assert worked.transfer_count == 1


def test_only_the_target_team_may_accept(
    worked, agent, engineer, team_lead, warehouse_clerk, tech_support, agent_other_team, team_aircon
):
    transfer = _ask(worked, agent, team_aircon)

    for outsider in (agent, engineer, team_lead, warehouse_clerk, tech_support):
        with pytest.raises(PermissionDeniedError):
            transfer_accept(transfer=transfer, actor=outsider)
        with pytest.raises(PermissionDeniedError):
            transfer_decline(transfer=transfer, note="不接", actor=outsider)

    worked.refresh_from_db()
    assert (worked.team_id, worked.owner, worked.transfer_count) == (
        transfer.from_team_id,
        agent,
        0,
    )
    transfer.refresh_from_db()
    assert transfer.status == "pending"


def test_a_manager_accepting_for_a_team_leaves_the_ticket_unowned_in_that_team(
    worked, agent, manager, agent_other_team, team_aircon
):
    transfer = _ask(worked, agent, team_aircon)

    transfer_accept(transfer=transfer, actor=manager)

    worked.refresh_from_db()
    assert (worked.team, worked.owner, worked.transfer_count) == (team_aircon, None, 1)


def test_declining_keeps_the_ticket_where_it_was_and_says_why(
    worked, agent, agent_other_team, team_kitchen, team_aircon
):
    transfer = _ask(worked, agent, team_aircon)

    with pytest.raises(DomainError):
        transfer_decline(transfer=transfer, note=" ", actor=agent_other_team)
    declined = transfer_decline(
        transfer=transfer, note="这是电饭煲，不归我们", actor=agent_other_team
    )

    worked.refresh_from_db()
    assert (worked.team, worked.owner, worked.transfer_count) == (team_kitchen, agent, 0)
    assert (declined.status, declined.decision_note) == ("declined", "这是电饭煲，不归我们")
    # Deciding was the only reason the other team could see it.
    assert not ticket_visible_to(user=agent_other_team).filter(pk=worked.pk).exists()
    with pytest.raises(DomainError):
        transfer_accept(transfer=transfer, actor=agent_other_team)


def test_a_second_pending_transfer_is_refused_until_the_first_is_decided(
    worked, agent, agent_other_team, team_aircon, team_technical, tech_support
):
    first = _ask(worked, agent, team_aircon)

    with pytest.raises(DomainError, match=team_aircon.name):
        _ask(worked, agent, team_technical)
    assert Transfer.objects.filter(status="pending").count() == 1

    transfer_decline(transfer=first, note="不归我们", actor=agent_other_team)
    second = _ask(worked, agent, team_technical)
    assert second.status == "pending"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("role_groups_after_flush")
def test_two_transfer_requests_at_the_same_instant_leave_one_pending():
    aircon, technical = TeamFactory(code="ac"), TeamFactory(code="tech")
    UserFactory(username="ac_agent", role="agent", teams=[aircon])
    UserFactory(username="tech_agent", role="agent", teams=[technical])
    a, b = UserFactory(username="a", role="agent"), UserFactory(username="b", role="agent")
    ticket = TicketFactory()
    # a owns the ticket and b registered it: both see it and may ask for a transfer.
    Ticket.objects.filter(pk=ticket.pk).update(status=S.IN_PROGRESS, owner=a, registered_by=b)
    outcomes, barrier = [], threading.Barrier(2)

    def ask(actor, team):
        barrier.wait()
        try:
            _ask(ticket, actor, team)
            outcomes.append("asked")
        except DomainError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=ask, args=(a, aircon)),
        threading.Thread(target=ask, args=(b, technical)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["asked", "refused"]
    assert Transfer.objects.filter(ticket=ticket, status="pending").count() == 1


def test_who_asked_the_owner_or_a_lead_may_withdraw_and_nobody_else(
    worked, agent, engineer, team_lead, agent_other_team, team_aircon
):
    transfer = _ask(worked, engineer, team_aircon)

    for outsider in (agent_other_team,):
        with pytest.raises(PermissionDeniedError):
            transfer_cancel(transfer=transfer, actor=outsider)
    transfer_cancel(transfer=transfer, actor=agent)  # the owner
    again = transfer_cancel(transfer=transfer, actor=team_lead)

    assert again.status == "cancelled"
    assert TicketEvent.objects.filter(ticket=worked, payload__action="withdrawn").count() == 1
    with pytest.raises(DomainError):
        transfer_accept(transfer=transfer, actor=agent_other_team)


def test_an_accepted_transfer_can_no_longer_be_withdrawn(
    worked, agent, agent_other_team, team_aircon
):
    transfer = _ask(worked, agent, team_aircon)
    transfer_accept(transfer=transfer, actor=agent_other_team)

    with pytest.raises(DomainError):
        transfer_cancel(transfer=transfer, actor=agent)


@pytest.mark.parametrize(
    ("reason", "team_fixture"),
    [
        ("", "team_aircon"),  # no reason
        (REASON, "team_kitchen"),  # its own team
        (REASON, "team_warehouse"),  # nobody there can take tickets
    ],
)
def test_a_transfer_needs_a_reason_and_a_team_that_can_take_it(
    request, worked, agent, warehouse_clerk, agent_other_team, reason, team_fixture
):
    team = request.getfixturevalue(team_fixture)
    with pytest.raises(DomainError):
        transfer_request(ticket=worked, to_team=team, reason=reason, actor=agent)
    assert not Transfer.objects.exists()


def test_a_closed_ticket_is_not_transferred(worked, agent, agent_other_team, team_aircon):
    Ticket.objects.filter(pk=worked.pk).update(status=S.CLOSED)

    with pytest.raises(DomainError):
        _ask(worked, agent, team_aircon)


def test_a_ticket_resolved_meanwhile_is_declined_not_accepted(
    worked, agent, agent_other_team, team_aircon
):
    transfer = _ask(worked, agent, team_aircon)
    Ticket.objects.filter(pk=worked.pk).update(status=S.RESOLVED)

    with pytest.raises(DomainError):
        transfer_accept(transfer=transfer, actor=agent_other_team)
    transfer_decline(transfer=transfer, note="工单已解决", actor=agent_other_team)


def test_outsiders_cannot_ask_for_a_transfer(
    worked, agent_other_team, warehouse_clerk, store_clerk, team_technical, tech_support
):
    for outsider in (agent_other_team, warehouse_clerk, store_clerk):
        with pytest.raises(PermissionDeniedError):
            _ask(worked, outsider, team_technical)


def test_a_transfer_asked_on_a_stale_version_is_refused(
    worked, agent, engineer, agent_other_team, team_aircon
):
    seen = worked.updated_at
    Ticket.objects.get(pk=worked.pk).save(update_fields=["updated_at"])  # a colleague's change

    with pytest.raises(StaleTicket):
        _ask(worked, agent, team_aircon, seen_updated_at=seen)
    assert not Transfer.objects.exists()


def test_each_accepted_transfer_counts(
    worked, agent, agent_other_team, tech_support, team_aircon, team_technical
):
    transfer_accept(transfer=_ask(worked, agent, team_aircon), actor=agent_other_team)
    worked.refresh_from_db()
    transfer_accept(transfer=_ask(worked, agent_other_team, team_technical), actor=tech_support)

    worked.refresh_from_db()
    assert (worked.team, worked.owner, worked.transfer_count) == (team_technical, tech_support, 2)
