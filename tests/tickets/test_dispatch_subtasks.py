"""Sub-tasks: parts requests and technical consultations while the ticket keeps its owner."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from tests.tickets.factories import TeamFactory, TicketFactory, UserFactory
from tickets.errors import DomainError, PermissionDeniedError, StaleTicket
from tickets.models import SubTask, Ticket, TicketEvent
from tickets.services.dispatch import (
    subtask_cancel,
    subtask_complete,
    subtask_request,
    subtask_start,
)

S = Ticket.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Tuesday with no holiday near it; office hours 09:00–18:00.
TUESDAY_10 = datetime(2025, 6, 10, 10, 0, tzinfo=SHANGHAI)
FRIDAY_16 = datetime(2025, 6, 13, 16, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def office_hours(settings):
    settings.SLA_OFFICE_OPENS = "09:00"
    settings.SLA_OFFICE_CLOSES = "18:00"


@pytest.fixture
def worked(ticket, agent):
    """The kitchen team's ticket, owned by the agent and being worked on."""
    Ticket.objects.filter(pk=ticket.pk).update(status=S.IN_PROGRESS, owner=agent, tier="L3")
    ticket.refresh_from_db()
    return ticket


def _parts(ticket, actor, team, **extra):
    fields = {"request": "压缩机启动电容", "part_code": "CAP-35UF", "quantity": 1, **extra}
    return subtask_request(ticket=ticket, kind="parts", team=team, actor=actor, **fields)


def _technical(ticket, actor, team, **extra):
    return subtask_request(
        ticket=ticket,
        kind="technical",
        team=team,
        actor=actor,
        request="E4故障码是什么意思？",
        **extra,
    )


def test_a_parts_request_makes_the_ticket_wait_for_parts_and_keeps_its_owner(
    worked, agent, team_warehouse
):
    subtask = _parts(worked, agent, team_warehouse, now=TUESDAY_10)

    worked.refresh_from_db()
    assert worked.status == S.WAITING_PARTS
    assert worked.owner == agent
    assert (subtask.status, subtask.team, subtask.requested_by) == ("open", team_warehouse, agent)
    event = TicketEvent.objects.get(ticket=worked, verb=TicketEvent.Verb.SUBTASK)
    assert event.actor == agent
    assert event.payload["action"] == "requested"
    assert "CAP-35UF ×1" in event.payload["note"]
    move = TicketEvent.objects.get(ticket=worked, verb=TicketEvent.Verb.TRANSITIONED)
    assert (move.from_status, move.to_status, move.actor) == (S.IN_PROGRESS, S.WAITING_PARTS, agent)


def test_a_technical_consultation_makes_the_ticket_wait_for_technical_support(
    worked, agent, team_technical
):
    subtask = _technical(worked, agent, team_technical, now=TUESDAY_10)

    worked.refresh_from_db()
    assert worked.status == S.WAITING_TECHNICAL
    assert (subtask.kind, subtask.part_code, subtask.quantity) == ("technical", "", None)


def test_a_second_request_on_a_waiting_ticket_leaves_its_status(
    worked, agent, team_warehouse, team_technical
):
    _parts(worked, agent, team_warehouse, now=TUESDAY_10)
    _technical(worked, agent, team_technical, now=TUESDAY_10)

    worked.refresh_from_db()
    assert worked.status == S.WAITING_PARTS
    assert worked.subtasks.count() == 2


@pytest.mark.parametrize(
    ("kind", "now", "due"),
    [
        # One working day (nine office hours) for a part, four office hours for an answer.
        ("parts", TUESDAY_10, datetime(2025, 6, 11, 10, 0, tzinfo=SHANGHAI)),
        ("technical", TUESDAY_10, datetime(2025, 6, 10, 14, 0, tzinfo=SHANGHAI)),
        # Friday afternoon: the weekend does not count.
        ("parts", FRIDAY_16, datetime(2025, 6, 16, 16, 0, tzinfo=SHANGHAI)),
        ("technical", FRIDAY_16, datetime(2025, 6, 16, 11, 0, tzinfo=SHANGHAI)),
    ],
)
def test_the_default_due_time_counts_office_hours_on_working_days(
    worked, agent, team_warehouse, kind, now, due
):
    extra = {"part_code": "X1", "quantity": 1} if kind == "parts" else {}
    subtask = subtask_request(
        ticket=worked, kind=kind, team=team_warehouse, request="需要", actor=agent, now=now, **extra
    )
    assert subtask.due_at == due


def test_an_urgent_ticket_counts_its_sub_task_on_the_wall_clock(worked, agent, team_warehouse):
    Ticket.objects.filter(pk=worked.pk).update(tier="L1")
    worked.refresh_from_db()

    subtask = _parts(worked, agent, team_warehouse, now=FRIDAY_16)

    assert subtask.due_at == FRIDAY_16 + timedelta(hours=9)


def test_a_given_due_time_is_kept_and_one_in_the_past_refused(worked, agent, team_warehouse):
    wanted = TUESDAY_10 + timedelta(hours=2)
    assert _parts(worked, agent, team_warehouse, now=TUESDAY_10, due_at=wanted).due_at == wanted

    with pytest.raises(DomainError):
        _parts(worked, agent, team_warehouse, now=TUESDAY_10, due_at=TUESDAY_10)


@pytest.mark.parametrize("status", [S.NEW, S.CONTACTED, S.WAITING_CUSTOMER, S.RESOLVED])
def test_help_cannot_be_asked_for_a_ticket_not_being_worked_on(
    worked, agent, team_warehouse, status
):
    Ticket.objects.filter(pk=worked.pk).update(status=status)

    with pytest.raises(DomainError):
        _parts(worked, agent, team_warehouse)
    assert not SubTask.objects.exists()


def test_the_ticket_own_team_is_not_asked(worked, agent, team_kitchen):
    with pytest.raises(DomainError):
        _parts(worked, agent, team_kitchen)
    assert not SubTask.objects.exists()


@pytest.mark.parametrize(
    "extra",
    [
        {"part_code": "", "request": "  "},  # nothing names the part
        {"quantity": None},
        {"quantity": 0},
        {"quantity": 1000},
        {"part_code": "X" * 61},
    ],
)
def test_a_parts_request_names_the_part_and_a_quantity(worked, agent, team_warehouse, extra):
    with pytest.raises(DomainError):
        _parts(worked, agent, team_warehouse, **extra)
    worked.refresh_from_db()
    assert worked.status == S.IN_PROGRESS


def test_a_technical_question_must_say_something(worked, agent, team_technical):
    with pytest.raises(DomainError):
        subtask_request(
            ticket=worked, kind="technical", team=team_technical, request=" ", actor=agent
        )


def test_who_cannot_see_or_work_tickets_cannot_ask_for_help(
    worked, agent_other_team, store_clerk, warehouse_clerk, team_warehouse, team_technical
):
    for outsider in (agent_other_team, store_clerk, warehouse_clerk):
        with pytest.raises(PermissionDeniedError):
            _parts(worked, outsider, team_technical)
    assert not SubTask.objects.exists()


def test_a_request_on_a_stale_version_is_refused_and_changes_nothing(
    worked, agent, engineer, team_warehouse
):
    seen = worked.updated_at
    _parts(worked, engineer, team_warehouse)  # someone else acted first

    with pytest.raises(StaleTicket):
        _parts(worked, agent, team_warehouse, seen_updated_at=seen)
    assert SubTask.objects.count() == 1


def test_status_round_trip_through_waiting_parts(worked, agent, warehouse_clerk, team_warehouse):
    subtask = _parts(worked, agent, team_warehouse, now=TUESDAY_10)

    taken = subtask_start(subtask=subtask, actor=warehouse_clerk, now=TUESDAY_10)
    assert (taken.status, taken.assignee, taken.started_at) == (
        "in_progress",
        warehouse_clerk,
        TUESDAY_10,
    )
    worked.refresh_from_db()
    assert worked.status == S.WAITING_PARTS

    done = subtask_complete(
        subtask=subtask, result="已发出 SF1234567890", actor=warehouse_clerk, now=TUESDAY_10
    )

    assert (done.status, done.result) == ("done", "已发出 SF1234567890")
    worked.refresh_from_db()
    assert worked.status == S.IN_PROGRESS
    assert worked.owner == agent
    back = TicketEvent.objects.get(ticket=worked, to_status=S.IN_PROGRESS)
    # The system moves it: the warehouse may not change ticket statuses itself.
    assert (back.from_status, back.actor) == (S.WAITING_PARTS, None)
    actions = list(
        TicketEvent.objects.filter(ticket=worked, verb=TicketEvent.Verb.SUBTASK)
        .order_by("pk")
        .values_list("payload__action", flat=True)
    )
    assert actions == ["requested", "started", "completed"]


def test_the_ticket_waits_while_another_sub_task_is_open(
    worked, agent, warehouse_clerk, tech_support, team_warehouse, team_technical
):
    parts = _parts(worked, agent, team_warehouse)
    question = _technical(worked, agent, team_technical)

    subtask_complete(subtask=parts, result="已发货", actor=warehouse_clerk)
    worked.refresh_from_db()
    assert worked.status == S.WAITING_PARTS

    subtask_complete(subtask=question, result="更换主板", actor=tech_support)
    worked.refresh_from_db()
    assert worked.status == S.IN_PROGRESS


def test_only_the_receiving_team_works_a_sub_task(
    worked, agent, agent_other_team, engineer, tech_support, team_warehouse
):
    subtask = _parts(worked, agent, team_warehouse)

    for outsider in (agent, agent_other_team, engineer, tech_support):
        with pytest.raises(PermissionDeniedError):
            subtask_start(subtask=subtask, actor=outsider)
        with pytest.raises(PermissionDeniedError):
            subtask_complete(subtask=subtask, result="x", actor=outsider)
    subtask.refresh_from_db()
    assert subtask.status == "open"


def test_taking_twice_is_a_no_op_and_a_colleague_is_told_who_has_it(
    worked, agent, warehouse_clerk, team_warehouse
):
    colleague = UserFactory(username="warehouse2", role="warehouse", teams=[team_warehouse])
    subtask = _parts(worked, agent, team_warehouse)
    subtask_start(subtask=subtask, actor=warehouse_clerk)

    again = subtask_start(subtask=subtask, actor=warehouse_clerk)
    with pytest.raises(DomainError, match=str(warehouse_clerk)):
        subtask_start(subtask=subtask, actor=colleague)

    assert again.assignee == warehouse_clerk
    assert TicketEvent.objects.filter(payload__action="started").count() == 1


def test_a_colleague_may_finish_it_and_finishing_twice_is_a_no_op(
    worked, agent, warehouse_clerk, team_warehouse
):
    colleague = UserFactory(username="warehouse2", role="warehouse", teams=[team_warehouse])
    subtask = _parts(worked, agent, team_warehouse)
    subtask_start(subtask=subtask, actor=warehouse_clerk)

    subtask_complete(subtask=subtask, result="已发货", actor=colleague)
    again = subtask_complete(subtask=subtask, result="又发了一次", actor=colleague)

    assert (again.status, again.result, again.assignee) == ("done", "已发货", warehouse_clerk)
    assert TicketEvent.objects.filter(payload__action="completed").count() == 1


def test_an_open_sub_task_is_taken_and_finished_in_one_step(
    worked, agent, warehouse_clerk, team_warehouse
):
    subtask = _parts(worked, agent, team_warehouse)

    done = subtask_complete(subtask=subtask, result="已发货", actor=warehouse_clerk, now=TUESDAY_10)

    assert (done.assignee, done.started_at, done.done_at) == (
        warehouse_clerk,
        TUESDAY_10,
        TUESDAY_10,
    )


def test_finishing_needs_a_result(worked, agent, warehouse_clerk, team_warehouse):
    subtask = _parts(worked, agent, team_warehouse)

    with pytest.raises(DomainError):
        subtask_complete(subtask=subtask, result="  ", actor=warehouse_clerk)
    subtask.refresh_from_db()
    assert subtask.status == "open"


def test_the_owner_cancels_and_the_ticket_is_worked_on_again(
    worked, agent, warehouse_clerk, team_warehouse
):
    subtask = _parts(worked, agent, team_warehouse)

    with pytest.raises(PermissionDeniedError):
        subtask_cancel(subtask=subtask, reason="不要了", actor=warehouse_clerk)
    with pytest.raises(DomainError):
        subtask_cancel(subtask=subtask, reason="", actor=agent)
    cancelled = subtask_cancel(subtask=subtask, reason="客户已自行购买", actor=agent)
    again = subtask_cancel(subtask=subtask, reason="客户已自行购买", actor=agent)

    assert (again.status, again.result) == ("cancelled", "客户已自行购买")
    assert cancelled.pk == again.pk
    worked.refresh_from_db()
    assert worked.status == S.IN_PROGRESS
    assert TicketEvent.objects.filter(payload__action="cancelled").count() == 1
    with pytest.raises(DomainError):
        subtask_complete(subtask=subtask, result="已发货", actor=warehouse_clerk)


def test_a_team_lead_may_cancel_but_not_a_finished_sub_task(
    worked, agent, team_lead, warehouse_clerk, team_warehouse, team_technical
):
    first = _parts(worked, agent, team_warehouse)
    second = _technical(worked, agent, team_technical)
    subtask_complete(subtask=first, result="已发货", actor=warehouse_clerk)

    with pytest.raises(DomainError):
        subtask_cancel(subtask=first, reason="不需要", actor=team_lead)
    subtask_cancel(subtask=second, reason="问题已自行解决", actor=team_lead)

    worked.refresh_from_db()
    assert worked.status == S.IN_PROGRESS


def test_a_ticket_moved_on_by_hand_is_left_alone_when_the_sub_task_ends(
    worked, agent, warehouse_clerk, team_warehouse
):
    subtask = _parts(worked, agent, team_warehouse)
    Ticket.objects.filter(pk=worked.pk).update(status=S.WAITING_CUSTOMER)

    subtask_complete(subtask=subtask, result="已发货", actor=warehouse_clerk)

    worked.refresh_from_db()
    assert worked.status == S.WAITING_CUSTOMER


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("role_groups_after_flush")
def test_the_last_two_sub_tasks_finished_at_the_same_instant_release_the_ticket():
    """Each completion locks the ticket first, so the later one sees the other finished."""
    warehouse, technical = TeamFactory(code="wh"), TeamFactory(code="tech")
    owner = UserFactory(username="owner", role="agent")
    clerk = UserFactory(username="clerk", role="warehouse", teams=[warehouse])
    expert = UserFactory(username="expert", role="engineer", teams=[technical])
    ticket = TicketFactory()
    Ticket.objects.filter(pk=ticket.pk).update(status=S.IN_PROGRESS, owner=owner)
    parts = _parts(ticket, owner, warehouse)
    question = _technical(ticket, owner, technical)
    barrier, failures = threading.Barrier(2), []

    def finish(subtask, actor):
        barrier.wait()
        try:
            subtask_complete(subtask=subtask, result="好了", actor=actor)
        except Exception as exc:  # reported by the assertion below
            failures.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=finish, args=(parts, clerk)),
        threading.Thread(target=finish, args=(question, expert)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    ticket.refresh_from_db()
    assert ticket.status == S.IN_PROGRESS
    assert TicketEvent.objects.filter(ticket=ticket, to_status=S.IN_PROGRESS).count() == 1
