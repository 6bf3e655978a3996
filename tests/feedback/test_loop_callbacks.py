"""Agents' satisfaction callbacks: the queue page, the one form, callback_record's outcomes,
and the lead's second-handling list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback.models import CallbackTask, Survey
from feedback.services import callback_record
from sla.services import sla_sweep
from tests.tickets.factories import TicketFactory
from tickets.errors import DomainError, PermissionDeniedError
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_transition
from tickets.services.work import ticket_resolve

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
S = Ticket.Status
Verb = TicketEvent.Verb


@pytest.fixture(autouse=True)
def loop_settings(outbox_settings):
    outbox_settings.PUBLIC_BASE_URL = "https://svc.example.cn"
    return outbox_settings


@pytest.fixture
def called(agent):
    """An L2 ticket of `team`, resolved at `at`, whose callback fell due: its open task."""

    def build(team, at: datetime = NOW, tier: str = "L2") -> CallbackTask:
        ticket = TicketFactory(now=at, tier=tier, team=team)
        Ticket.objects.filter(pk=ticket.pk).update(owner=agent)
        for status in (S.CONTACTED, S.IN_PROGRESS):
            ticket = ticket_transition(ticket=ticket, to_status=status, actor=None, now=at)
        ticket = ticket_resolve(
            ticket=ticket,
            resolution_code=Ticket.Resolution.REPAIRED,
            root_cause=Ticket.RootCause.COMPONENT,
            resolution_note="更换温控器",
            actor=agent,
            now=at + timedelta(hours=1),
        )
        sla_sweep(now=ticket.callback_due_at)
        return CallbackTask.objects.get(ticket=ticket)

    return build


def test_agents_see_their_teams_open_callbacks_earliest_first(
    client, agent, called, team_kitchen, team_aircon
):
    late = called(team_kitchen, at=NOW + timedelta(days=1))
    early = called(team_kitchen, at=NOW)
    other_team = called(team_aircon)
    client.force_login(agent)

    page = client.get(reverse("feedback:callbacks"))

    assert page.status_code == 200
    assert [task.pk for task in page.context["queue"].tasks] == [early.pk, late.pk]
    assert other_team.ticket.number not in page.content.decode()
    assert reverse("feedback:callback", args=[early.pk]) in page.content.decode()
    # The phone is masked here; revealing it is audited on the ticket page.
    assert early.ticket.customer.phone not in page.content.decode()


def test_the_queue_costs_the_same_queries_for_one_or_many(client, agent, called, team_kitchen):
    called(team_kitchen)
    client.force_login(agent)
    client.get(reverse("feedback:callbacks"))  # warm the session and permission caches
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("feedback:callbacks"))
    for day in range(1, 5):
        called(team_kitchen, at=NOW + timedelta(days=day))
    with CaptureQueriesContext(connection) as five:
        page = client.get(reverse("feedback:callbacks"))
    assert len(page.context["queue"].tasks) == 5
    assert len(five.captured_queries) == len(one.captured_queries)


def test_staff_who_do_not_work_tickets_may_not_open_callbacks(client, store_clerk, product_manager):
    for user in (store_clerk, product_manager):
        client.force_login(user)
        assert client.get(reverse("feedback:callbacks")).status_code == 403


def test_another_teams_callback_is_not_found(client, agent, called, team_aircon):
    task = called(team_aircon)
    client.force_login(agent)
    assert client.get(reverse("feedback:callback", args=[task.pk])).status_code == 404
    response = client.post(reverse("feedback:callback", args=[task.pk]), {"outcome": "declined"})
    assert response.status_code == 404


def test_no_answer_counts_an_attempt_and_keeps_the_task_open(client, agent, called, team_kitchen):
    task = called(team_kitchen)
    client.force_login(agent)

    response = client.post(
        reverse("feedback:callback", args=[task.pk]), {"outcome": "no_answer", "note": "无人接听"}
    )

    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.attempts, task.note) == ("open", 1, "无人接听")
    call = task.ticket.events.get(verb=Verb.CALL)
    assert call.payload["outcome"] == "no_answer" and call.actor == agent


def test_answered_records_the_answers_in_the_same_form_and_reopens_on_a_low_score(
    client, agent, called, team_kitchen, team_lead
):
    task = called(team_kitchen)
    client.force_login(agent)

    response = client.post(
        reverse("feedback:callback", args=[task.pk]),
        {"outcome": "answered", "satisfaction": "2", "solved": "no", "comment": "还是不制冷"},
    )

    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.outcome, task.done_by, task.attempts) == (
        "done",
        "answered",
        agent,
        1,
    )
    survey = Survey.objects.get(ticket=task.ticket)
    assert (survey.satisfaction, survey.solved, survey.answered_via) == (2, False, "call")
    assert survey.answered_by == agent and survey.comment == "还是不制冷"
    ticket = Ticket.objects.get(pk=task.ticket_id)
    assert ticket.status == S.REOPENED
    second = ticket.events.get(verb=Verb.SECOND_HANDLING)
    assert second.actor == agent and second.payload["leads"] == [team_lead.pk]
    assert ticket.events.filter(verb=Verb.CALLBACK_DONE).count() == 1

    # The lead's channel: the callbacks page lists it under second handling.
    client.force_login(team_lead)
    page = client.get(reverse("feedback:callbacks"))
    assert [event.ticket_id for event in page.context["second_handling"]] == [ticket.pk]


def test_answered_without_a_score_is_a_field_error(client, agent, called, team_kitchen):
    task = called(team_kitchen)
    client.force_login(agent)

    response = client.post(
        reverse("feedback:callback", args=[task.pk]), {"outcome": "answered", "satisfaction": "9"}
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert "satisfaction" in form.errors and "solved" in form.errors
    task.refresh_from_db()
    assert task.status == "open" and task.attempts == 0


@pytest.mark.parametrize("outcome", ["declined", "wrong_number"])
def test_declined_or_wrong_number_closes_the_task_and_leaves_the_ticket(
    agent, called, team_kitchen, outcome
):
    task = called(team_kitchen)

    done = callback_record(task=task, outcome=outcome, note="", actor=agent, now=task.due_at)

    assert (done.status, done.outcome, done.done_at) == ("done", outcome, task.due_at)
    assert Ticket.objects.get(pk=task.ticket_id).status == S.RESOLVED
    assert not Survey.objects.get(ticket=task.ticket).is_answered


def test_a_done_callback_is_not_recorded_twice(agent, called, team_kitchen):
    task = called(team_kitchen)
    callback_record(task=task, outcome="declined", actor=agent, now=task.due_at)
    with pytest.raises(DomainError):
        callback_record(task=task, outcome="no_answer", actor=agent, now=task.due_at)


def test_answering_by_link_closes_the_open_callback(agent, called, team_kitchen):
    from feedback.services import survey_answer

    task = called(team_kitchen)
    survey_answer(survey=task.survey, satisfaction=5, solved=True, via="link", now=task.due_at)

    task.refresh_from_db()
    assert (task.status, task.outcome, task.done_by) == ("done", "", None)
    with pytest.raises(DomainError):
        callback_record(task=task, outcome="answered", satisfaction=1, solved=False, actor=agent)


def test_an_agent_of_another_team_may_not_record(agent_other_team, called, team_kitchen):
    task = called(team_kitchen)
    with pytest.raises(PermissionDeniedError):
        callback_record(task=task, outcome="declined", actor=agent_other_team)


def test_a_callback_from_before_surveys_gets_a_survey_when_answered(agent, team_kitchen):
    ticket = TicketFactory(now=NOW, tier="L2", team=team_kitchen)
    for status in (S.CONTACTED, S.IN_PROGRESS, S.RESOLVED):
        ticket = ticket_transition(ticket=ticket, to_status=status, actor=None, now=NOW)
    task = CallbackTask.objects.create(ticket=ticket, due_at=ticket.callback_due_at, created_at=NOW)

    callback_record(
        task=task, outcome="answered", satisfaction=5, solved=True, actor=agent, now=NOW
    )

    survey = Survey.objects.get(ticket=ticket)
    assert (survey.satisfaction, survey.answered_via) == (5, "call")
    assert Ticket.objects.get(pk=ticket.pk).status == S.CLOSED
