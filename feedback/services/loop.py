"""Closing the loop (issue 7): the survey when the callback falls due, its answer, the
agents' callbacks, and second handling when the customer is not satisfied.

Status changes go through tickets.services.ticket_transition and tier changes through
sla.services.ticket_tier_change (imported inside the functions: sla.services builds on the
outbox in this package).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback.models import CallbackTask, MessageKind, Survey
from feedback.services.outbox import message_queue
from feedback.surveys import survey_link, survey_nonce
from sla.calendar import add_business_time
from sla.config import sla_snapshot
from sla.models import WORKING_DAY_MINUTES
from tickets.errors import DomainError, PermissionDeniedError
from tickets.models import Ticket, TicketEvent, User
from tickets.services import ticket_event_write, ticket_transition

logger = logging.getLogger(__name__)

S = Ticket.Status
Outcome = CallbackTask.Outcome
# Seed 000: urgent and important tickets get a person's call as well as the survey link.
CALLED_TIERS = frozenset({Ticket.Tier.L1, Ticket.Tier.L2})
# Second handling is at least important: a customer let down twice is not routine work.
SECOND_HANDLING_TIER = Ticket.Tier.L2
SECOND_HANDLING_REASON = "二次处理"
COMMENT_MAX = 1000
NOTE_MAX = CallbackTask._meta.get_field("note").max_length
UNANSWERED_BATCH = 200


class SurveyClosed(DomainError):
    """The survey cannot take an answer: given already, or its link has run out."""

    http_status = 409

    def __init__(self, message: str, *, already_answered: bool) -> None:
        self.already_answered = already_answered
        super().__init__(message)


def _working_days_after(start: datetime, days: int) -> datetime:
    amount = timedelta(minutes=days * WORKING_DAY_MINUTES)
    return add_business_time(start=start, amount=amount, calendar=sla_snapshot().calendar).at


# An agent's callback is promised within this many working days of its creation.
CALLBACK_PROMISE_WORKING_DAYS = 1


def _callback_announce(task: CallbackTask, *, now: datetime) -> None:
    """Tell the customer a call is coming, and by when (the CALLBACK_APPOINTMENT message)."""
    message_queue(
        ticket=task.ticket,
        kind=MessageKind.CALLBACK_APPOINTMENT,
        slot=f"callback-{task.pk}",
        context={"callback_at": _working_days_after(now, CALLBACK_PROMISE_WORKING_DAYS)},
        now=now,
    )


def survey_slot(callback_due_at: datetime) -> str:
    """The outbox slot of the survey of one resolution: one message per callback due time."""
    return "survey-" + callback_due_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def survey_send(*, ticket: Ticket, callback_due_at: datetime, now: datetime) -> Survey:
    """The survey of the resolution whose callback is due, and its link to the customer.

    Called by the SLA sweep on the locked ticket. Once per resolution: a repeat returns the
    survey already there and queues nothing. The link lasts SURVEY_LINK_DAYS (and at least
    until the unanswered check); the message's timeline entry has the link blanked out.
    """
    check_at = _working_days_after(now, settings.SURVEY_UNANSWERED_WORKING_DAYS)
    survey, created = Survey.objects.get_or_create(
        ticket=ticket,
        callback_due_at=callback_due_at,
        defaults={
            "nonce": survey_nonce(),
            "sent_at": now,
            "expires_at": max(now + timedelta(days=settings.SURVEY_LINK_DAYS), check_at),
            "unanswered_check_at": check_at,
        },
    )
    if created:
        message_queue(
            ticket=ticket,
            kind=MessageKind.SURVEY,
            slot=survey_slot(callback_due_at),
            context={"link": survey_link(survey)},
            private=("link",),
            now=now,
        )
    return survey


def callback_due(*, ticket: Ticket, due_at: datetime, now: datetime) -> dict:
    """What falls due with the callback (sla.services._callback): the survey, and for L1/L2
    an agent's call. Returns the ids for the CALLBACK_DUE event."""
    survey = survey_send(ticket=ticket, callback_due_at=due_at, now=now)
    task = None
    if ticket.tier in CALLED_TIERS:
        task, created = CallbackTask.objects.get_or_create(
            ticket=ticket,
            due_at=due_at,
            defaults={"created_at": now, "survey": survey, "reason": CallbackTask.Reason.TIER},
        )
        if created:
            _callback_announce(task, now=now)
    return {"survey_id": survey.pk, "task_id": task.pk if task else None}


def _for_current_resolution(ticket: Ticket, survey: Survey) -> bool:
    return ticket.status == S.RESOLVED and ticket.callback_due_at == survey.callback_due_at


def surveys_unanswered_sweep(*, now: datetime | None = None, batch: int = UNANSWERED_BATCH) -> int:
    """Turn surveys still unanswered at their check time into agents' callbacks; return how many.

    1. In batches, claim due surveys FOR UPDATE SKIP LOCKED (a concurrent sweep takes others).
    2. A survey of the ticket's current resolution with no callback yet gets one (reason
       unanswered, due at the check time) and a CALLBACK_DUE event; one whose ticket moved on,
       or that already has a callback (L1/L2), gets none.
    3. The check is cleared in the same transaction, so a rerun finds nothing to do.
    """
    now = now or timezone.now()
    created = 0
    while True:
        with transaction.atomic():
            surveys = list(
                Survey.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("ticket", "ticket__owner")
                .filter(unanswered_check_at__lte=now)
                .order_by("unanswered_check_at", "pk")[:batch]
            )
            with_tasks = set(
                CallbackTask.objects.filter(survey__in=surveys).values_list("survey_id", flat=True)
            )
            for survey in surveys:
                due_at = survey.unanswered_check_at
                survey.unanswered_check_at = None
                survey.save(update_fields=["unanswered_check_at"])
                if (
                    survey.is_answered
                    or survey.pk in with_tasks
                    or not _for_current_resolution(survey.ticket, survey)
                ):
                    continue
                task, made = CallbackTask.objects.get_or_create(
                    ticket=survey.ticket,
                    due_at=due_at,
                    defaults={
                        "created_at": now,
                        "survey": survey,
                        "reason": CallbackTask.Reason.UNANSWERED,
                    },
                )
                if made:
                    created += 1
                    _callback_announce(task, now=now)
                    ticket_event_write(
                        ticket=survey.ticket,
                        verb=TicketEvent.Verb.CALLBACK_DUE,
                        actor=None,
                        at=now,
                        payload={
                            "task_id": task.pk,
                            "survey_id": survey.pk,
                            "reason": CallbackTask.Reason.UNANSWERED,
                            "due_at": due_at.isoformat(),
                        },
                    )
        if len(surveys) < batch:
            return created


def _in_range(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _answers_check(*, satisfaction, solved, nps, comment: str) -> None:
    errors: dict[str, list[str]] = {}
    if not _in_range(satisfaction, 1, 5):
        errors["satisfaction"] = [_("Choose a score from 1 to 5.")]
    if not isinstance(solved, bool):
        errors["solved"] = [_("Say whether the problem is solved.")]
    if nps is not None and not _in_range(nps, 0, 10):
        errors["nps"] = [_("Choose from 0 to 10, or leave it out.")]
    if len(comment) > COMMENT_MAX:
        errors["comment"] = [_("Keep it under %(max)d characters.") % {"max": COMMENT_MAX}]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def survey_answer(
    *,
    survey: Survey,
    satisfaction: int,
    solved: bool,
    nps: int | None = None,
    comment: str = "",
    via: str,
    actor: User | None = None,
    now: datetime | None = None,
) -> Survey:
    """Record the customer's answers once, then close the loop on the ticket.

    1. Check the answers (ValidationError naming the field) and who records them: the link
       is the customer (no actor); a call is an agent who works tickets.
    2. Lock the survey. Answered already → SurveyClosed; through the link after expires_at →
       SurveyClosed (an agent on the phone may still record).
    3. Save the answers, clear the unanswered check, write SURVEY_ANSWERED, and close the
       survey's open callbacks (the customer answered: nobody needs to call).
    4. If the survey is about the ticket's current resolution: a score below 4 or "not
       solved" sends it to second handling, anything else closes it.
    """
    now = now or timezone.now()
    comment = (comment or "").strip()
    _answers_check(satisfaction=satisfaction, solved=solved, nps=nps, comment=comment)
    if via not in Survey.Via.values:
        raise ValueError(f"unknown survey channel {via!r}")
    if via == Survey.Via.CALL and (
        actor is None or not actor.has_perm("tickets.transition_ticket")
    ):
        raise PermissionDeniedError(_("You may not record satisfaction callbacks."))
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    if locked.is_answered:
        raise SurveyClosed(_("Thank you, we have your answers already."), already_answered=True)
    if via == Survey.Via.LINK and locked.expires_at <= now:
        raise SurveyClosed(_("This survey link has expired."), already_answered=False)
    locked.satisfaction, locked.solved, locked.nps, locked.comment = (
        satisfaction,
        solved,
        nps,
        comment,
    )
    locked.answered_at, locked.answered_via, locked.answered_by = now, via, actor
    locked.unanswered_check_at = None
    locked.save(
        update_fields=[
            "satisfaction",
            "solved",
            "nps",
            "comment",
            "answered_at",
            "answered_via",
            "answered_by",
            "unanswered_check_at",
        ]
    )
    ticket = Ticket.objects.select_for_update().get(pk=locked.ticket_id)
    ticket_event_write(
        ticket=ticket,
        verb=TicketEvent.Verb.SURVEY_ANSWERED,
        actor=actor,
        at=now,
        payload={
            "survey_id": locked.pk,
            "satisfaction": satisfaction,
            "solved": solved,
            "nps": nps,
            "via": via,
            "note": comment,
        },
    )
    CallbackTask.objects.filter(survey=locked, status=CallbackTask.Status.OPEN).update(
        status=CallbackTask.Status.DONE,
        done_at=now,
        done_by=actor,
        outcome=Outcome.ANSWERED if via == Survey.Via.CALL else "",
    )
    if _for_current_resolution(ticket, locked):
        if locked.needs_second_handling:
            _second_handling(ticket=ticket, survey=locked, actor=actor, now=now)
        else:
            ticket_transition(
                ticket=ticket,
                to_status=S.CLOSED,
                actor=actor,
                note=_verdict(locked),
                now=now,
            )
    return locked


def _verdict(survey: Survey) -> str:
    solved = "问题已解决" if survey.solved else "问题未解决"
    return f"客户评价：满意度{survey.satisfaction}分，{solved}"


def second_handling_leads(*, ticket: Ticket) -> list[User]:
    """The original owner's team lead(s): leads of the ticket's team (or, with none, of the
    owner's teams), else the manager a missed deadline would go to."""
    from sla.selectors import escalation_lead_for

    leads = User.objects.filter(is_active=True, groups__name="team_lead").order_by("pk")
    if ticket.team_id is not None:
        found = list(leads.filter(teams=ticket.team_id).distinct())
    elif ticket.owner_id is not None:
        found = list(leads.filter(teams__members=ticket.owner_id).distinct())
    else:
        found = []
    found = [lead for lead in found if lead.pk != ticket.owner_id] or found
    if not found and (fallback := escalation_lead_for(team_id=ticket.team_id)) is not None:
        found = [fallback]
    return found


def _second_handling(*, ticket: Ticket, survey: Survey, actor: User | None, now: datetime) -> None:
    """Reopen for second handling (二次处理) and tell the original owner's team lead.

    1. Raise the tier to at least L2 while still resolved: no target is pending, so the tier
       changes alone, and reopening then counts the new deadlines from now on that tier.
    2. RESOLVED → REOPENED through the state machine; the SLA engine sets the deadlines. The
       owner stays the original owner, so the work goes straight back to them.
    3. A SECOND_HANDLING event names the lead(s): it shows on the ticket's timeline and in
       their callbacks page's second-handling list (there is no staff notification channel).
    """
    from sla.services import ticket_tier_change

    tier_from = ticket.tier
    if ticket.tier not in CALLED_TIERS:
        ticket = ticket_tier_change(
            ticket=ticket,
            tier=SECOND_HANDLING_TIER,
            reason=SECOND_HANDLING_REASON,
            actor=actor,
            now=now,
        )
    note = f"{SECOND_HANDLING_REASON}：{_verdict(survey)}"
    ticket = ticket_transition(ticket=ticket, to_status=S.REOPENED, actor=actor, note=note, now=now)
    leads = second_handling_leads(ticket=ticket)
    ticket_event_write(
        ticket=ticket,
        verb=TicketEvent.Verb.SECOND_HANDLING,
        actor=actor,
        at=now,
        payload={
            "survey_id": survey.pk,
            "satisfaction": survey.satisfaction,
            "solved": survey.solved,
            "from_tier": tier_from,
            "owner": ticket.owner_id,
            "leads": [lead.pk for lead in leads],
            "to_user": leads[0].pk if leads else None,
            "to_user_name": "、".join(str(lead) for lead in leads),
            "resolve_due_at": ticket.resolve_due_at.isoformat() if ticket.resolve_due_at else None,
            "note": note,
        },
    )


def _survey_of(task: CallbackTask, *, now: datetime) -> Survey:
    """The task's survey; a callback made before surveys existed gets one (no link sent)."""
    if task.survey_id is not None:
        return Survey.objects.select_for_update().get(pk=task.survey_id)
    survey, _created = Survey.objects.get_or_create(
        ticket_id=task.ticket_id,
        callback_due_at=task.due_at,
        defaults={"nonce": survey_nonce(), "sent_at": now, "expires_at": now},
    )
    CallbackTask.objects.filter(pk=task.pk).update(survey=survey)
    return Survey.objects.select_for_update().get(pk=survey.pk)


@transaction.atomic
def callback_record(
    *,
    task: CallbackTask,
    outcome: str,
    note: str = "",
    satisfaction: int | None = None,
    solved: bool | None = None,
    nps: int | None = None,
    comment: str = "",
    actor: User,
    now: datetime | None = None,
) -> CallbackTask:
    """Record one callback call: its outcome and, when the customer answered, their answers.

    1. The actor must work tickets and see this one; the outcome must be one we know.
    2. Lock the survey, then the task (survey_answer's order): a task done already → refused.
    3. No answer: one more attempt, the task stays open (a CALL event on the timeline).
       Answered: survey_answer(via=call), which closes the task and may reopen or close the
       ticket. Declined or wrong number: the task is done, the ticket left as it is.
    """
    from tickets.selectors.core import ticket_visible_to

    now = now or timezone.now()
    if not actor.has_perm("tickets.transition_ticket") or not (
        ticket_visible_to(user=actor).filter(pk=task.ticket_id).exists()
    ):
        raise PermissionDeniedError(_("You may not record satisfaction callbacks."))
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": [_("Choose how the call went.")]})
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(
            {"note": [_("Keep it under %(max)d characters.") % {"max": NOTE_MAX}]}
        )
    survey = _survey_of(task, now=now)
    locked = CallbackTask.objects.select_for_update().get(pk=task.pk)
    if locked.status == CallbackTask.Status.DONE:
        raise DomainError(_("This callback has been recorded already."))
    attempts = locked.attempts + 1
    if outcome == Outcome.NO_ANSWER:
        CallbackTask.objects.filter(pk=locked.pk).update(attempts=attempts, note=note)
        ticket_event_write(
            ticket=locked.ticket,
            verb=TicketEvent.Verb.CALL,
            actor=actor,
            at=now,
            payload={"outcome": outcome, "callback_task_id": locked.pk, "note": note},
        )
        locked.refresh_from_db()
        return locked
    if outcome == Outcome.ANSWERED:
        if satisfaction is None or solved is None:
            missing = {}
            if satisfaction is None:
                missing["satisfaction"] = [_("Choose a score from 1 to 5.")]
            if solved is None:
                missing["solved"] = [_("Say whether the problem is solved.")]
            raise ValidationError(missing)
        try:
            survey_answer(
                survey=survey,
                satisfaction=satisfaction,
                solved=solved,
                nps=nps,
                comment=comment,
                via=Survey.Via.CALL,
                actor=actor,
                now=now,
            )
        except SurveyClosed as exc:
            raise DomainError(str(exc)) from exc
    CallbackTask.objects.filter(pk=locked.pk).update(
        status=CallbackTask.Status.DONE,
        outcome=outcome,
        attempts=attempts,
        note=note,
        done_at=now,
        done_by=actor,
    )
    ticket_event_write(
        ticket=locked.ticket,
        verb=TicketEvent.Verb.CALLBACK_DONE,
        actor=actor,
        at=now,
        payload={"outcome": outcome, "callback_task_id": locked.pk, "note": note},
    )
    locked.refresh_from_db()
    return locked
