"""The team lead's services and reads: workload, bulk reassign, roster, ball-kicking."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.tickets.factories import TicketFactory, UserFactory
from tickets.errors import DomainError, PermissionDeniedError, StaleTicket
from tickets.models import (
    OPEN_STATUSES,
    DutyShift,
    SubTask,
    Ticket,
    TicketEvent,
    Transfer,
    Visit,
)
from tickets.selectors.core import BREACHING_SOON_WINDOW
from tickets.selectors.team import (
    roster_version,
    roster_week,
    team_ball_kicking,
    team_owner_choices,
    team_workload,
    teams_led_by,
)
from tickets.services.team import StaleRoster, roster_set, tickets_bulk_assign

NOW = datetime(2026, 11, 18, 2, 30, tzinfo=UTC)  # Wednesday 10:30 in Shanghai
TODAY = date(2026, 11, 18)
MONDAY = date(2026, 11, 16)


@pytest.fixture(autouse=True)
def english():
    """The messages are asserted in English, whatever translations the catalogue gains."""
    with translation.override("en"):
        yield


def make_ticket(team, **fields):
    ticket = TicketFactory(team=team, now=NOW - timedelta(hours=1))
    if fields:
        Ticket.objects.filter(pk=ticket.pk).update(**fields)
        ticket.refresh_from_db()
    return ticket


def subtask(ticket, team, assignee, status=SubTask.Status.OPEN):
    return SubTask.objects.create(
        ticket=ticket,
        kind=SubTask.Kind.PARTS,
        team=team,
        assignee=assignee,
        status=status,
        request="压缩机电容",
        requested_at=NOW,
        due_at=NOW + timedelta(days=1),
    )


def visit(ticket, engineer, day, status=Visit.Status.SCHEDULED):
    starts = datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)
    return Visit.objects.create(
        ticket=ticket,
        engineer=engineer,
        date=day,
        window=Visit.Window.MORNING,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        city="上海",
        address="徐汇区漕溪北路1号",
        status=status,
        scheduled_at=NOW - timedelta(days=1),
    )


# Who leads what


def test_team_lead_leads_own_teams_manager_every_team_agent_none(
    team_kitchen, team_aircon, team_lead, manager, agent
):
    assert list(teams_led_by(user=team_lead)) == [team_kitchen]
    assert set(teams_led_by(user=manager)) == {team_kitchen, team_aircon}
    assert list(teams_led_by(user=agent)) == []


def test_owner_choices_are_members_who_may_own_tickets(team_kitchen, agent, team_lead, engineer):
    clerk_in_kitchen = UserFactory(role="warehouse", teams=[team_kitchen])
    inactive = UserFactory(role="agent", teams=[team_kitchen], is_active=False)
    choices = set(team_owner_choices(team=team_kitchen))
    assert choices == {agent, team_lead, engineer}
    assert clerk_in_kitchen not in choices and inactive not in choices


# Workload


def independent_workload(team, members, now):
    """The figures recounted in Python over every row, with the model's own rules."""
    tickets = list(Ticket.objects.all())
    subtasks = list(SubTask.objects.all())
    visits = list(Visit.objects.all())
    figures = {}
    for member in members:
        mine = [t for t in tickets if t.owner_id == member.pk and t.status in OPEN_STATUSES]
        figures[member.pk] = {
            "open_tickets": len(mine),
            "in_team": sum(1 for t in mine if t.team_id == team.pk),
            "overdue": sum(1 for t in mine if t.sla_state(now) == "breached"),
            "breaching_soon": sum(
                1
                for t in mine
                if t.next_due_at and now <= t.next_due_at <= now + BREACHING_SOON_WINDOW
            ),
            "open_subtasks": sum(1 for s in subtasks if s.assignee_id == member.pk and s.is_open),
            "visits_today": sum(
                1
                for v in visits
                if v.engineer_id == member.pk
                and v.date == TODAY
                and v.status != Visit.Status.CANCELLED
            ),
        }
    return figures


def test_workload_equals_an_independent_count_over_generated_tickets(
    team_kitchen, team_aircon, team_warehouse, agent, engineer, team_lead
):
    rng = random.Random(6)
    members = [agent, engineer, team_lead]
    team_aircon.members.add(engineer)  # their aircon tickets are load too
    statuses = list(Ticket.Status.values)
    for index in range(30):
        due = NOW + timedelta(minutes=rng.randint(-300, 600))
        contacted = rng.random() < 0.5
        ticket = make_ticket(
            rng.choice([team_kitchen, team_kitchen, team_aircon]),
            owner=rng.choice([*members, None]),
            status=rng.choice(statuses),
            first_contacted_at=NOW - timedelta(hours=1) if contacted else None,
            first_contact_due_at=due,
            resolve_due_at=due + timedelta(hours=rng.choice([0, 1, 30])),
        )
        if index % 3 == 0:
            subtask(
                ticket,
                team_warehouse,
                rng.choice(members),
                rng.choice(list(SubTask.Status.values)),
            )
        if index % 4 == 0:
            visit(
                ticket,
                rng.choice(members),
                rng.choice([TODAY, TODAY + timedelta(days=1)]),
                rng.choice(list(Visit.Status.values)),
            )

    workload = team_workload(team=team_kitchen, now=NOW)

    expected = independent_workload(team_kitchen, members, NOW)
    got = {
        load.member.pk: {
            "open_tickets": load.open_tickets,
            "in_team": load.in_team,
            "overdue": load.overdue,
            "breaching_soon": load.breaching_soon,
            "open_subtasks": load.open_subtasks,
            "visits_today": load.visits_today,
        }
        for load in workload.members
    }
    assert got == expected
    assert sum(f["open_tickets"] for f in expected.values()) > 0
    assert sum(f["overdue"] for f in expected.values()) > 0
    team_open = [t for t in Ticket.objects.filter(team=team_kitchen) if t.status in OPEN_STATUSES]
    assert workload.open_tickets == len(team_open)
    assert workload.unassigned == sum(1 for t in team_open if t.owner_id is None)
    assert workload.unassigned_overdue == sum(
        1 for t in team_open if t.owner_id is None and t.is_overdue(NOW)
    )
    assert workload.overdue == sum(1 for t in team_open if t.is_overdue(NOW))


def test_workload_query_count_stays_fixed_with_more_members_and_tickets(
    team_kitchen, team_warehouse, agent, django_assert_max_num_queries
):
    def count_queries():
        with CaptureQueriesContext(connection) as captured:
            workload = team_workload(team=team_kitchen, now=NOW)
        return len(captured), workload

    make_ticket(team_kitchen, owner=agent)
    small, _ = count_queries()
    for _ in range(6):
        member = UserFactory(role="agent", teams=[team_kitchen])
        ticket = make_ticket(team_kitchen, owner=member)
        subtask(ticket, team_warehouse, member)
        visit(ticket, member, TODAY)
        DutyShift.objects.create(team=team_kitchen, user=member, date=TODAY)
    with django_assert_max_num_queries(2):
        large, workload = count_queries()

    assert len(workload.members) == 7
    assert small == large


def test_on_duty_today_follows_the_roster_when_there_is_one(team_kitchen, agent, engineer):
    engineer.on_duty = False
    engineer.save()

    unrostered = {
        load.member: load.on_duty_today
        for load in team_workload(team=team_kitchen, now=NOW).members
    }
    DutyShift.objects.create(team=team_kitchen, user=engineer, date=TODAY)
    rostered = team_workload(team=team_kitchen, now=NOW)

    assert unrostered == {agent: True, engineer: False}
    assert {load.member: load.on_duty_today for load in rostered.members} == {
        agent: False,
        engineer: True,
    }
    assert rostered.rostered_today


# Bulk reassign


def test_bulk_assign_gives_every_ticket_to_the_member_with_an_event_each(
    team_kitchen, team_lead, agent, engineer
):
    first = make_ticket(team_kitchen, owner=engineer)
    second = make_ticket(team_kitchen)

    result = tickets_bulk_assign(tickets=[first, second], owner=agent, actor=team_lead, now=NOW)

    assert result.assigned == 2 and result.unchanged == 0
    assert set(Ticket.objects.filter(owner=agent)) == {first, second}
    events = TicketEvent.objects.filter(verb=TicketEvent.Verb.ASSIGNED, actor=team_lead, at=NOW)
    assert {event.ticket_id for event in events} == {first.pk, second.pk}
    assert {event.payload["to_owner"] for event in events} == {agent.pk}


def test_bulk_assign_leaves_a_ticket_already_with_that_owner_alone(team_kitchen, team_lead, agent):
    theirs = make_ticket(team_kitchen, owner=agent)
    other = make_ticket(team_kitchen)

    result = tickets_bulk_assign(tickets=[theirs, other], owner=agent, actor=team_lead, now=NOW)

    assert (result.assigned, result.unchanged) == (1, 1)
    assert not TicketEvent.objects.filter(ticket=theirs, verb=TicketEvent.Verb.ASSIGNED, at=NOW)


def test_bulk_assign_with_one_foreign_ticket_changes_nothing(
    team_kitchen, team_aircon, team_lead, agent, engineer
):
    mine = make_ticket(team_kitchen, owner=engineer)
    foreign = make_ticket(team_aircon)

    with pytest.raises(PermissionDeniedError, match="1"):
        tickets_bulk_assign(tickets=[mine, foreign], owner=agent, actor=team_lead, now=NOW)

    assert Ticket.objects.get(pk=mine.pk).owner == engineer
    assert Ticket.objects.get(pk=foreign.pk).owner is None
    assert not TicketEvent.objects.filter(verb=TicketEvent.Verb.ASSIGNED, actor=team_lead)


def test_bulk_assign_refuses_a_team_less_ticket_even_to_a_manager(team_kitchen, manager, agent):
    unrouted = make_ticket(team_kitchen)
    Ticket.objects.filter(pk=unrouted.pk).update(team=None)

    with pytest.raises(PermissionDeniedError):
        tickets_bulk_assign(tickets=[unrouted], owner=agent, actor=manager, now=NOW)


def test_manager_bulk_assigns_in_any_team(team_aircon, manager, agent_other_team):
    ticket = make_ticket(team_aircon)

    tickets_bulk_assign(tickets=[ticket], owner=agent_other_team, actor=manager, now=NOW)

    assert Ticket.objects.get(pk=ticket.pk).owner == agent_other_team


def test_bulk_assign_refuses_an_owner_outside_the_team_and_changes_nothing(
    team_kitchen, team_lead, agent_other_team
):
    ticket = make_ticket(team_kitchen)

    with pytest.raises(DomainError, match="not a member"):
        tickets_bulk_assign(tickets=[ticket], owner=agent_other_team, actor=team_lead, now=NOW)

    assert Ticket.objects.get(pk=ticket.pk).owner is None


def test_bulk_assign_refuses_a_member_who_may_not_own_tickets(team_kitchen, team_lead):
    clerk = UserFactory(role="warehouse", teams=[team_kitchen], display_name="仓管小王")
    ticket = make_ticket(team_kitchen)

    with pytest.raises(DomainError, match="cannot own tickets"):
        tickets_bulk_assign(tickets=[ticket], owner=clerk, actor=team_lead, now=NOW)

    assert Ticket.objects.get(pk=ticket.pk).owner is None


def test_an_agent_may_not_bulk_assign(team_kitchen, agent):
    ticket = make_ticket(team_kitchen)

    with pytest.raises(PermissionDeniedError):
        tickets_bulk_assign(tickets=[ticket], owner=agent, actor=agent, now=NOW)

    assert Ticket.objects.get(pk=ticket.pk).owner is None


def test_bulk_assign_refuses_a_closed_ticket_and_changes_nothing(team_kitchen, team_lead, agent):
    open_one = make_ticket(team_kitchen)
    closed = make_ticket(team_kitchen, status=Ticket.Status.CLOSED)

    with pytest.raises(DomainError, match="resolved or closed"):
        tickets_bulk_assign(tickets=[open_one, closed], owner=agent, actor=team_lead, now=NOW)

    assert not Ticket.objects.filter(owner=agent).exists()


def test_bulk_assign_on_a_page_older_than_a_change_is_stale_and_changes_nothing(
    team_kitchen, team_lead, agent, engineer
):
    first = make_ticket(team_kitchen)
    second = make_ticket(team_kitchen)
    page_drawn = Ticket.objects.get(pk=second.pk).updated_at
    Ticket.objects.get(pk=second.pk).save(update_fields=["updated_at"])  # someone else's change

    with pytest.raises(StaleTicket):
        tickets_bulk_assign(
            tickets=[first, second], owner=engineer, actor=team_lead, now=NOW, seen_at=page_drawn
        )

    assert not Ticket.objects.filter(owner=engineer).exists()


def test_bulk_assign_without_tickets_is_refused(team_kitchen, team_lead, agent):
    with pytest.raises(DomainError, match="at least one"):
        tickets_bulk_assign(tickets=[], owner=agent, actor=team_lead, now=NOW)


# Roster


def test_roster_set_writes_the_week_and_a_second_save_replaces_it(
    team_kitchen, team_aircon, team_lead, agent, engineer
):
    other_team = DutyShift.objects.create(team=team_aircon, user=agent, date=TODAY)
    next_week = DutyShift.objects.create(
        team=team_kitchen, user=agent, date=MONDAY + timedelta(days=7)
    )

    first = roster_set(
        team=team_kitchen,
        week_start=MONDAY,
        assignments=[(agent, TODAY), (agent, TODAY + timedelta(days=1)), (engineer.pk, TODAY)],
        actor=team_lead,
        now=NOW,
    )
    second = roster_set(
        team=team_kitchen,
        week_start=MONDAY,
        assignments=[(engineer.pk, TODAY), (engineer.pk, TODAY + timedelta(days=4))],
        actor=team_lead,
        now=NOW,
    )

    assert (first.added, first.removed) == (3, 0)
    assert (second.added, second.removed) == (1, 2)
    week = DutyShift.objects.filter(team=team_kitchen, date__range=(MONDAY, MONDAY + timedelta(6)))
    assert set(week.values_list("user_id", "date")) == {
        (engineer.pk, TODAY),
        (engineer.pk, TODAY + timedelta(days=4)),
    }
    assert DutyShift.objects.filter(pk__in=[other_team.pk, next_week.pk]).count() == 2


def test_roster_keeps_days_before_today_and_refuses_to_change_them(team_kitchen, team_lead, agent):
    monday = DutyShift.objects.create(team=team_kitchen, user=agent, date=MONDAY)

    roster_set(team=team_kitchen, week_start=MONDAY, assignments=[], actor=team_lead, now=NOW)
    with pytest.raises(DomainError, match="history"):
        roster_set(
            team=team_kitchen,
            week_start=MONDAY,
            assignments=[(agent, MONDAY + timedelta(days=1))],
            actor=team_lead,
            now=NOW,
        )

    assert DutyShift.objects.filter(pk=monday.pk).exists()


def test_roster_refuses_someone_not_in_the_team(team_kitchen, team_lead, agent_other_team):
    with pytest.raises(DomainError, match="not an active member"):
        roster_set(
            team=team_kitchen,
            week_start=MONDAY,
            assignments=[(agent_other_team, TODAY)],
            actor=team_lead,
            now=NOW,
        )
    assert not DutyShift.objects.exists()


def test_roster_week_must_start_on_a_monday_and_shifts_fall_in_it(team_kitchen, team_lead, agent):
    with pytest.raises(DomainError, match="Monday"):
        roster_set(team=team_kitchen, week_start=TODAY, assignments=[], actor=team_lead, now=NOW)
    with pytest.raises(DomainError, match="week being saved"):
        roster_set(
            team=team_kitchen,
            week_start=MONDAY,
            assignments=[(agent, MONDAY + timedelta(days=7))],
            actor=team_lead,
            now=NOW,
        )


def test_only_a_lead_of_the_team_sets_its_roster(team_aircon, team_lead, agent, manager):
    with pytest.raises(PermissionDeniedError):
        roster_set(team=team_aircon, week_start=MONDAY, assignments=[], actor=team_lead, now=NOW)
    with pytest.raises(PermissionDeniedError):
        roster_set(team=team_aircon, week_start=MONDAY, assignments=[], actor=agent, now=NOW)
    roster_set(team=team_aircon, week_start=MONDAY, assignments=[], actor=manager, now=NOW)


def test_roster_saved_on_an_older_version_is_stale_and_changes_nothing(
    team_kitchen, team_lead, agent, engineer
):
    seen = roster_version(team=team_kitchen, week_start=MONDAY)
    roster_set(
        team=team_kitchen, week_start=MONDAY, assignments=[(agent, TODAY)], actor=team_lead, now=NOW
    )

    with pytest.raises(StaleRoster):
        roster_set(
            team=team_kitchen,
            week_start=MONDAY,
            assignments=[(engineer, TODAY)],
            actor=team_lead,
            now=NOW,
            seen_version=seen,
        )

    assert list(DutyShift.objects.values_list("user_id", flat=True)) == [agent.pk]


def test_roster_week_grid_marks_shifts_and_locks_past_days(team_kitchen, agent, engineer):
    DutyShift.objects.create(team=team_kitchen, user=agent, date=TODAY)

    week = roster_week(team=team_kitchen, week_start=MONDAY, now=NOW)

    assert week.days[0] == MONDAY and len(week.days) == 7
    cells = {(member, cell.day): cell for member, row in week.rows for cell in row}
    assert cells[(agent, TODAY)].on and not cells[(engineer, TODAY)].on
    assert not cells[(agent, MONDAY)].editable and cells[(agent, TODAY)].editable
    assert week.editable


# Ball-kicking


def test_ball_kicking_counts_tickets_the_team_held_and_lists_those_passed_twice(
    team_kitchen, team_aircon, team_technical, manager
):
    kept = make_ticket(team_kitchen, transfer_count=0)
    kicked_here = make_ticket(team_kitchen, transfer_count=3)
    kicked_away = make_ticket(team_aircon, transfer_count=2)
    Transfer.objects.create(
        ticket=kicked_away,
        from_team=team_kitchen,
        to_team=team_aircon,
        reason="不归我们管",
        status=Transfer.Status.ACCEPTED,
        requested_at=NOW,
    )
    make_ticket(team_aircon, transfer_count=4)  # never with the kitchen
    declined = make_ticket(team_technical, transfer_count=2)
    Transfer.objects.create(
        ticket=declined,
        from_team=team_kitchen,
        to_team=team_technical,
        reason="转技术",
        status=Transfer.Status.DECLINED,
        requested_at=NOW,
    )
    old = make_ticket(team_kitchen, transfer_count=5)
    Ticket.objects.filter(pk=old.pk).update(received_at=NOW - timedelta(days=31))

    figures = team_ball_kicking(team=team_kitchen, now=NOW)

    held = [kept, kicked_here, kicked_away]
    assert figures.tickets == len(held)
    assert figures.transfers == 0 + 3 + 2
    assert figures.average == round(5 / 3, 2)
    assert figures.kicked == 2
    assert [ticket.pk for ticket in figures.rows] == [kicked_here.pk, kicked_away.pk]
    recent = Ticket.objects.exclude(pk=old.pk)
    assert figures.overall_average == round(
        sum(t.transfer_count for t in recent) / recent.count(), 2
    )
