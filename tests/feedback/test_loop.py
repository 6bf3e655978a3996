"""Closing the loop, end to end: resolution notice → callback due → survey → second handling
or closing; the unanswered sweep; the link kept out of the timeline and the logs."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from feedback.models import CallbackTask, CustomerMessage, MessageKind, Survey
from feedback.services import message_send, survey_answer, surveys_unanswered_sweep
from feedback.surveys import survey_from_token
from sla.calendar import add_business_time
from sla.config import sla_snapshot
from sla.models import WORKING_DAY_MINUTES
from sla.policy import callback_due_for, deadlines_for
from sla.services import sla_sweep
from tests.tickets.factories import TicketFactory
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_transition
from tickets.services.work import ticket_resolve

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
H = timedelta(hours=1)
S = Ticket.Status
Verb = TicketEvent.Verb
LINK = re.compile(r"https://svc\.example\.cn/s/([^/\s]+)/")


@pytest.fixture(autouse=True)
def loop_settings(outbox_settings):
    outbox_settings.PUBLIC_BASE_URL = "https://svc.example.cn"
    outbox_settings.SURVEY_LINK_DAYS = 7
    outbox_settings.SURVEY_UNANSWERED_WORKING_DAYS = 2
    return outbox_settings


@pytest.fixture
def make(team_kitchen, agent, team_lead):
    """A ticket of the kitchen team owned by the agent, in progress from `at` + 1 h."""

    def build(tier: str = "L3", at: datetime = NOW) -> Ticket:
        ticket = TicketFactory(now=at, tier=tier, team=team_kitchen)
        Ticket.objects.filter(pk=ticket.pk).update(owner=agent)
        for status in (S.CONTACTED, S.IN_PROGRESS):
            ticket = ticket_transition(ticket=ticket, to_status=status, actor=agent, now=at + H)
        return ticket

    return build


def resolve(ticket: Ticket, agent, at: datetime, note: str = "更换排水泵") -> Ticket:
    return ticket_resolve(
        ticket=ticket,
        resolution_code=Ticket.Resolution.PART_REPLACED,
        root_cause=Ticket.RootCause.COMPONENT,
        resolution_note=note,
        warranty_note="维修后3个月内同一问题免费上门",
        actor=agent,
        now=at,
    )


def survey_message(ticket: Ticket) -> CustomerMessage:
    return CustomerMessage.objects.filter(ticket=ticket, kind=MessageKind.SURVEY).latest("id")


def token_of(message: CustomerMessage) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def working_days_after(start: datetime, days: int) -> datetime:
    amount = timedelta(minutes=days * WORKING_DAY_MINUTES)
    return add_business_time(start=start, amount=amount, calendar=sla_snapshot().calendar).at


def test_resolve_survey_3_second_handling_resolve_again_survey_5_closed(make, agent, team_lead):
    """Issue 7's "done when", with time pinned at every step (the survey answered as the
    link's page answers it: survey_answer via link, no actor)."""
    ticket = make("L3")
    resolved_at = NOW + 3 * H
    ticket = resolve(ticket, agent, resolved_at)
    notice = CustomerMessage.objects.get(ticket=ticket, kind=MessageKind.RESOLUTION)
    assert "更换排水泵" in notice.body and "维修后3个月内同一问题免费上门" in notice.body

    # The callback falls due 3 working days later: the sweep sends the survey.
    due = callback_due_for(resolved_at=resolved_at)
    assert sla_sweep(now=due - timedelta(minutes=1)).callbacks == 0
    assert sla_sweep(now=due).callbacks == 1
    survey = Survey.objects.get(ticket=ticket)
    assert (survey.callback_due_at, survey.sent_at) == (due, due)
    assert survey.expires_at == due + timedelta(days=7)
    assert survey.unanswered_check_at == working_days_after(due, 2)
    assert survey_from_token(token_of(survey_message(ticket))) == survey
    assert not CallbackTask.objects.filter(ticket=ticket).exists()  # L3: the link only

    # Answered with 3: second handling.
    answered_at = due + 2 * H
    survey_answer(survey=survey, satisfaction=3, solved=True, via="link", now=answered_at)
    ticket.refresh_from_db()
    assert ticket.status == S.REOPENED
    assert ticket.tier == Ticket.Tier.L2
    assert ticket.reopen_count == 1
    assert ticket.owner == agent  # back with the original owner
    fresh = deadlines_for(tier="L2", received_at=answered_at)
    assert ticket.resolve_due_at == fresh.resolve_due_at > answered_at
    assert ticket.next_progress_due_at == fresh.next_progress_due_at
    assert ticket.resolve_breached_at is None
    [second] = ticket.events.filter(verb=Verb.SECOND_HANDLING)
    assert second.payload["leads"] == [team_lead.pk]
    assert second.payload["to_user_name"] == str(team_lead)
    assert "3分" in second.payload["note"]
    tier_change = ticket.events.get(verb=Verb.TIER_CHANGED)
    assert (tier_change.payload["from_tier"], tier_change.payload["note"]) == ("L3", "二次处理")

    # Worked again and resolved: a second notice, a second survey at the new due time.
    ticket = ticket_transition(ticket=ticket, to_status=S.IN_PROGRESS, actor=agent, now=due + 3 * H)
    again_at = due + 5 * H
    ticket = resolve(ticket, agent, again_at, note="更换主板")
    assert CustomerMessage.objects.filter(ticket=ticket, kind=MessageKind.RESOLUTION).count() == 2
    due_again = callback_due_for(resolved_at=again_at)
    assert sla_sweep(now=due_again).callbacks == 1
    second_survey = Survey.objects.filter(ticket=ticket).latest("id")
    assert second_survey.pk != survey.pk and second_survey.callback_due_at == due_again
    # L2 now: an agent's callback as well.
    [task] = CallbackTask.objects.filter(ticket=ticket)
    assert (task.reason, task.survey, task.due_at) == ("tier", second_survey, due_again)

    # Answered with 5 and solved: closed, and nobody needs to call any more.
    survey_answer(
        survey=second_survey, satisfaction=5, solved=True, nps=9, via="link", now=due_again + H
    )
    ticket.refresh_from_db()
    assert ticket.status == S.CLOSED and ticket.closed_at == due_again + H
    task.refresh_from_db()
    assert (task.status, task.done_at) == ("done", due_again + H)
    assert list(
        ticket.events.filter(verb=Verb.SURVEY_ANSWERED).values_list(
            "payload__satisfaction", flat=True
        )
    ) == [3, 5]


def test_the_same_loop_through_the_customers_page(make, agent, team_lead, client):
    """The done-when walk again, the customer tapping through /s/<token>/ (the page reads
    the real clock, so the ticket is resolved weeks ago and the sweep runs now)."""
    start = timezone.now() - timedelta(days=30)
    ticket = resolve(make("L3", at=start), agent, start + 2 * H)
    sla_sweep(now=timezone.now())
    path = LINK.search(survey_message(ticket).body).group(0).removeprefix("https://svc.example.cn")

    assert "请花1分钟" not in client.get(path).content.decode()  # the page, not the SMS
    page = client.post(path, {"satisfaction": "3", "solved": "yes", "comment": "还是有异响"})
    assert "closed-thanks" in page.content.decode()
    ticket.refresh_from_db()
    survey = Survey.objects.get(ticket=ticket)
    assert (ticket.status, ticket.tier) == (S.REOPENED, "L2")
    assert (
        ticket.resolve_due_at
        == deadlines_for(tier="L2", received_at=survey.answered_at).resolve_due_at
    )
    assert survey.comment == "还是有异响" and survey.answered_via == "link"

    ticket = ticket_transition(ticket=ticket, to_status=S.IN_PROGRESS, actor=agent)
    ticket = resolve(ticket, agent, timezone.now())
    sla_sweep(now=ticket.callback_due_at)
    path = LINK.search(survey_message(ticket).body).group(0).removeprefix("https://svc.example.cn")
    client.post(path, {"satisfaction": "5", "solved": "yes"})
    ticket.refresh_from_db()
    assert ticket.status == S.CLOSED


@pytest.mark.parametrize(
    ("satisfaction", "solved", "status"),
    [(4, True, S.CLOSED), (5, False, S.REOPENED), (1, True, S.REOPENED), (3, False, S.REOPENED)],
)
def test_below_4_or_not_solved_is_second_handling_else_closed(
    make, agent, satisfaction, solved, status
):
    ticket = resolve(make("L3"), agent, NOW + 3 * H)
    sla_sweep(now=ticket.callback_due_at)
    survey = Survey.objects.get(ticket=ticket)

    survey_answer(
        survey=survey, satisfaction=satisfaction, solved=solved, via="link", now=survey.sent_at + H
    )

    ticket.refresh_from_db()
    assert ticket.status == status
    assert ticket.events.filter(verb=Verb.SECOND_HANDLING).exists() == (status == S.REOPENED)


def test_an_l1_ticket_stays_l1_in_second_handling(make, agent):
    ticket = resolve(make("L1"), agent, NOW + 3 * H)
    sla_sweep(now=ticket.callback_due_at)
    survey = Survey.objects.get(ticket=ticket)
    survey_answer(survey=survey, satisfaction=2, solved=False, via="link", now=survey.sent_at + H)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.tier) == (S.REOPENED, "L1")
    assert not ticket.events.filter(verb=Verb.TIER_CHANGED).exists()


def test_the_resolution_notice_says_what_was_done_and_what_the_warranty_covers(make, agent):
    ticket = resolve(make("L3"), agent, NOW + 3 * H, note="更换了进水阀。")
    notice = CustomerMessage.objects.get(ticket=ticket, kind=MessageKind.RESOLUTION)
    assert notice.body == (
        f"您好，您的工单{ticket.number}已处理完成：更换了进水阀。维修后3个月内同一问题免费上门。"
        "如仍有问题请随时联系我们。"
    )
    event = ticket.events.get(verb=Verb.MESSAGE, payload__kind="resolution")
    assert event.payload["note"] == notice.body


def test_resolving_again_after_a_refused_repeat_queues_one_notice(make, agent):
    ticket = resolve(make("L3"), agent, NOW + 3 * H)
    resolve(ticket, agent, NOW + 4 * H)  # a repeat: no-op
    assert CustomerMessage.objects.filter(ticket=ticket, kind="resolution").count() == 1


def test_callback_due_for_l1_and_l2_creates_a_call_with_the_survey(make, agent):
    ticket = resolve(make("L2"), agent, NOW + 3 * H)
    due = ticket.callback_due_at
    assert sla_sweep(now=due).callbacks == 1
    assert sla_sweep(now=due + H).callbacks == 0  # once
    [task] = CallbackTask.objects.filter(ticket=ticket)
    survey = Survey.objects.get(ticket=ticket)
    assert (task.reason, task.survey, task.status, task.created_at) == ("tier", survey, "open", due)
    event = ticket.events.get(verb=Verb.CALLBACK_DUE)
    assert (event.payload["task_id"], event.payload["survey_id"]) == (task.pk, survey.pk)
    assert CustomerMessage.objects.filter(ticket=ticket, kind="survey").count() == 1


def test_the_link_is_not_in_the_timeline_nor_in_the_logs(make, agent, caplog):
    ticket = resolve(make("L3"), agent, NOW + 3 * H)
    sla_sweep(now=ticket.callback_due_at)
    message = survey_message(ticket)
    token = token_of(message)
    assert message.body.startswith(f"您好，工单{ticket.number}已处理完成，请花1分钟评价本次服务：")

    with caplog.at_level(logging.DEBUG):
        sent = message_send(message=message, now=ticket.callback_due_at + timedelta(minutes=1))

    assert sent.status == "sent"
    assert token not in caplog.text and "/s/【评价链接】" in caplog.text
    notes = [event.payload.get("note", "") for event in ticket.events.all()]
    assert not any(token in note for note in notes)
    assert any("【链接已隐藏】" in note for note in notes)


def test_unanswered_after_2_working_days_becomes_a_callback_once(make, agent):
    ticket = resolve(make("L3"), agent, NOW + 3 * H)
    sla_sweep(now=ticket.callback_due_at)
    survey = Survey.objects.get(ticket=ticket)
    check_at = survey.unanswered_check_at

    assert surveys_unanswered_sweep(now=check_at - timedelta(minutes=1)) == 0
    assert surveys_unanswered_sweep(now=check_at) == 1
    assert surveys_unanswered_sweep(now=check_at + H) == 0  # rerun-safe

    [task] = CallbackTask.objects.filter(ticket=ticket)
    assert (task.reason, task.survey, task.due_at, task.status) == (
        "unanswered",
        survey,
        check_at,
        "open",
    )
    survey.refresh_from_db()
    assert survey.unanswered_check_at is None
    assert ticket.events.filter(verb=Verb.CALLBACK_DUE, payload__reason="unanswered").count() == 1


def test_unanswered_sweep_leaves_answered_called_or_moved_on_surveys_alone(make, agent):
    answered = resolve(make("L3"), agent, NOW + 3 * H)
    called = resolve(make("L2"), agent, NOW + 3 * H)
    moved_on = resolve(make("L3"), agent, NOW + 3 * H)
    sla_sweep(now=answered.callback_due_at)
    survey = Survey.objects.get(ticket=answered)
    survey_answer(survey=survey, satisfaction=5, solved=True, via="link", now=survey.sent_at + H)
    ticket_transition(ticket=moved_on, to_status=S.REOPENED, actor=agent, now=survey.sent_at + H)

    assert surveys_unanswered_sweep(now=survey.sent_at + timedelta(days=10)) == 0
    assert CallbackTask.objects.filter(ticket=called).count() == 1  # the tier call only
    assert not CallbackTask.objects.filter(ticket__in=[answered, moved_on]).exists()
    assert not Survey.objects.filter(unanswered_check_at__isnull=False).exists()


def test_an_edited_survey_wording_must_keep_the_link(make, agent):
    from feedback.admin import MessageTemplateForm
    from feedback.models import MessageTemplate

    form = MessageTemplateForm(data={"key": "survey_link", "body": "工单{number}请评价。"})
    assert not form.is_valid() and "{link}" in str(form.errors["body"])
    # Saved anyway (by hand, say): the customer still gets the default, with its link.
    MessageTemplate.objects.create(key="survey_link", body="工单{number}请评价。")
    ticket = resolve(make("L3"), agent, NOW + 3 * H)
    sla_sweep(now=ticket.callback_due_at)
    message = survey_message(ticket)
    assert message.template_key == "survey_link"
    assert token_of(message)


def _appointments(ticket: Ticket) -> list[CustomerMessage]:
    return list(CustomerMessage.objects.filter(ticket=ticket, kind="callback_appointment"))


def test_a_callback_call_is_announced_to_the_customer_once_with_its_deadline(make, agent):
    called = resolve(make("L2"), agent, NOW + 3 * H)
    due = called.callback_due_at
    sla_sweep(now=due)
    sla_sweep(now=due + H)
    [message] = _appointments(called)
    by = timezone.localtime(working_days_after(due, 1))
    assert f"将于{by.month}月{by.day}日 {by:%H:%M}前就工单{called.number}" in message.body

    quiet = resolve(make("L3"), agent, NOW + 3 * H)
    sla_sweep(now=quiet.callback_due_at)
    assert _appointments(quiet) == []  # a survey only, no call yet
    check_at = Survey.objects.get(ticket=quiet).unanswered_check_at
    surveys_unanswered_sweep(now=check_at)
    surveys_unanswered_sweep(now=check_at + H)
    assert len(_appointments(quiet)) == 1
