"""Writes from the ticket page: calls, notes, messages, ownership, the agent's status moves,
tags, tier and deadlines.

Every service here checks the actor, locks the ticket row, refuses a stale version
(`seen_updated_at` that is not the locked row's `updated_at` → StaleTicket) and writes its
event in the same transaction. Status changes go through tickets.services.ticket_transition,
the one state machine; repeating a move that already happened is a no-op, not a conflict.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback.models import CustomerMessage, MessageKind
from feedback.services import message_queue
from sla.services import ticket_deadline_extend, ticket_tier_change
from tickets.errors import DomainError, IllegalTransition, PermissionDeniedError, StaleTicket
from tickets.models import OPEN_STATUSES, Tag, Ticket, TicketEvent, TicketTag, User
from tickets.selectors.work import ticket_open_work
from tickets.services.core import ticket_assign, ticket_event_write, ticket_transition

S = Ticket.Status


class CallOutcome(models.TextChoices):
    REACHED = "reached", gettext_lazy("Reached the customer")
    NO_ANSWER = "no_answer", gettext_lazy("No answer")
    BUSY = "busy", gettext_lazy("Line busy")
    WRONG_NUMBER = "wrong_number", gettext_lazy("Wrong number")
    CALL_BACK_LATER = "call_back_later", gettext_lazy("Call back later")


# Where each action of the page may start; the page offers an action only from these, and
# the service refuses it from anywhere else.
ACTION_STATUSES: dict[str, frozenset[str]] = {
    "contact": frozenset(set(S.values) - {S.CLOSED}),
    "note": frozenset(S.values),
    "message": frozenset(set(S.values) - {S.CLOSED}),
    "take": frozenset(set(S.values) - {S.CLOSED}),
    "assign": frozenset(set(S.values) - {S.CLOSED}),
    "start": frozenset({S.CONTACTED, S.REOPENED}),
    "hold": frozenset({S.IN_PROGRESS}),
    "resume": frozenset({S.WAITING_CUSTOMER}),
    "resolve": frozenset({S.IN_PROGRESS}),
    "reopen": frozenset({S.RESOLVED}),
    "tier": OPEN_STATUSES,
    "deadline": OPEN_STATUSES,
}
# The status moves these actions make with what they need (a call's outcome, a reason, the
# resolution). The plain status form (tickets.views.core.ticket_transition) offers only the
# other moves, so a ticket is never resolved without saying how, or held without a reason.
MOVE_ACTIONS: dict[tuple[str, str], str] = {
    (S.NEW, S.CONTACTED): "contact",
    (S.CONTACTED, S.IN_PROGRESS): "start",
    (S.REOPENED, S.IN_PROGRESS): "start",
    (S.IN_PROGRESS, S.WAITING_CUSTOMER): "hold",
    (S.WAITING_CUSTOMER, S.IN_PROGRESS): "resume",
    (S.IN_PROGRESS, S.RESOLVED): "resolve",
    (S.RESOLVED, S.REOPENED): "reopen",
}
MESSAGE_MAX_CHARS = 300
TEXT_MAX_CHARS = 2000
# The "reply" wording greets the customer itself; a greeting typed (or in a canned reply)
# would read twice.
GREETING = re.compile(r"^\s*(?:您好|你好)[，,！!。：:\s]*")


class ActionNotPossible(DomainError):
    """The ticket's state forbids the action now (closed, someone else's, work still open):
    a conflict with the current state, like IllegalTransition (HTTP 409)."""

    code = "action_not_possible"
    http_status = 409


def _may_work(actor: User, message: str) -> None:
    if not actor.has_perm("tickets.transition_ticket"):
        raise PermissionDeniedError(message)


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _fresh(locked: Ticket, seen_updated_at: datetime | None) -> None:
    if seen_updated_at is not None and seen_updated_at != locked.updated_at:
        raise StaleTicket()


def _allowed(locked: Ticket, action: str, to_status: str = "") -> None:
    if locked.status not in ACTION_STATUSES[action]:
        if to_status:
            raise IllegalTransition(locked.status, to_status)
        raise ActionNotPossible(
            _("Not possible while the ticket is “%(status)s”.")
            % {"status": locked.get_status_display()}
        )


def _required(value: str, field: str, message: str, max_chars: int = TEXT_MAX_CHARS) -> str:
    value = value.strip()
    if not value:
        raise ValidationError({field: [message]})
    if len(value) > max_chars:
        raise ValidationError(
            {field: [_("Keep it under %(max)d characters.") % {"max": max_chars}]}
        )
    return value


@transaction.atomic
def ticket_contact_log(
    *,
    ticket: Ticket,
    outcome: str,
    note: str = "",
    actor: User,
    now: datetime | None = None,
    seen_updated_at: datetime | None = None,
) -> Ticket:
    """Record a call (or other contact) with the customer and how it went.

    1. A CALL event with the outcome and the agent's note.
    2. "Reached" on a new ticket is the first contact: the ticket moves to contacted, which
       meets the first-contact target (the SLA clock takes it from there).
    """
    now = now or timezone.now()
    _may_work(actor, _("You may not log contacts."))
    if outcome not in CallOutcome.values:
        raise ValidationError({"outcome": [_("Choose how the call went.")]})
    note = note.strip()[:TEXT_MAX_CHARS]
    locked = _locked(ticket)
    _fresh(locked, seen_updated_at)
    _allowed(locked, "contact")
    ticket_event_write(
        ticket=locked,
        verb=TicketEvent.Verb.CALL,
        actor=actor,
        at=now,
        payload={"outcome": outcome, "note": note},
    )
    if outcome == CallOutcome.REACHED and locked.status == S.NEW:
        return ticket_transition(ticket=locked, to_status=S.CONTACTED, actor=actor, now=now)
    return locked


@transaction.atomic
def ticket_note_add(
    *,
    ticket: Ticket,
    text: str,
    actor: User,
    now: datetime | None = None,
    seen_updated_at: datetime | None = None,
) -> TicketEvent:
    """An internal note on the timeline: staff read it, the customer is never sent it."""
    now = now or timezone.now()
    if not (actor.has_perm("tickets.transition_ticket") or actor.has_perm("tickets.work_subtask")):
        raise PermissionDeniedError(_("You may not add notes to tickets."))
    text = _required(text, "text", _("Write the note."))
    locked = _locked(ticket)
    _fresh(locked, seen_updated_at)
    return ticket_event_write(
        ticket=locked,
        verb=TicketEvent.Verb.NOTE,
        actor=actor,
        at=now,
        payload={"note": text, "internal": True},
    )


@transaction.atomic
def ticket_message_send(
    *,
    ticket: Ticket,
    text: str,
    slot: str,
    actor: User,
    now: datetime | None = None,
    seen_updated_at: datetime | None = None,
) -> CustomerMessage:
    """Send the customer the agent's words through the outbox (the "reply" wording, which
    greets them: a leading greeting in the text is dropped).

    `slot` names this one message (the form's token): the same form posted twice queues it
    once. The MESSAGE event message_queue writes is credited to the agent.
    """
    now = now or timezone.now()
    _may_work(actor, _("You may not message customers."))
    text = _required(GREETING.sub("", text), "text", _("Write the message."), MESSAGE_MAX_CHARS)
    if not slot or len(slot) > 40:
        raise ValidationError({"slot": [_("This form has expired: reload the page.")]})
    locked = _locked(ticket)
    _fresh(locked, seen_updated_at)
    _allowed(locked, "message")
    if locked.channel == Ticket.Channel.WECHAT:
        # WeChat's own reply (intake.wechat.delivery) falls back to SMS itself, and says so.
        raise DomainError(_("This customer wrote on WeChat: reply in the WeChat conversation."))
    message = message_queue(
        ticket=locked, kind=MessageKind.REPLY, slot=f"agent-{slot}", context={"text": text}, now=now
    )
    TicketEvent.objects.filter(
        ticket=locked,
        verb=TicketEvent.Verb.MESSAGE,
        payload__message_id=message.pk,
        actor__isnull=True,
    ).update(actor=actor)
    return message


@transaction.atomic
def ticket_take(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime | None = None,
    seen_updated_at: datetime | None = None,
) -> Ticket:
    """The actor becomes the owner of a ticket nobody owns; someone else's needs a lead."""
    _may_work(actor, _("You may not take tickets."))
    locked = _locked(ticket)
    if locked.owner_id == actor.pk:
        return locked
    _fresh(locked, seen_updated_at)
    _allowed(locked, "take")
    if locked.owner_id is not None:
        raise ActionNotPossible(
            _("%(owner)s owns this ticket already: ask a team lead to reassign it.")
            % {"owner": locked.owner}
        )
    return ticket_assign(ticket=locked, owner=actor, actor=actor, now=now)


@transaction.atomic
def ticket_owner_set(
    *,
    ticket: Ticket,
    owner: User,
    actor: User,
    now: datetime | None = None,
    seen_updated_at: datetime | None = None,
) -> Ticket:
    """A lead (tickets.change_ticket) gives the ticket to a member: ticket_assign, versioned."""
    if not actor.has_perm("tickets.change_ticket"):
        raise PermissionDeniedError(_("You may not assign tickets."))
    locked = _locked(ticket)
    if locked.owner_id == owner.pk:
        return locked
    _fresh(locked, seen_updated_at)
    _allowed(locked, "assign")
    return ticket_assign(ticket=locked, owner=owner, actor=actor, now=now)


def _move(
    *,
    ticket: Ticket,
    action: str,
    to_status: str,
    actor: User,
    note: str,
    now: datetime | None,
    seen_updated_at: datetime | None,
) -> Ticket:
    """Lock, treat a repeat as done, refuse a stale version or a wrong state, then move."""
    _may_work(actor, _("You may not change the status of tickets."))
    locked = _locked(ticket)
    if locked.status == to_status:
        return locked
    _fresh(locked, seen_updated_at)
    _allowed(locked, action, to_status)
    return ticket_transition(ticket=locked, to_status=to_status, actor=actor, note=note, now=now)


@transaction.atomic
def ticket_work_start(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime | None = None,
    seen_updated_at: datetime | None = None,
) -> Ticket:
    """Contacted or reopened → in progress."""
    return _move(
        ticket=ticket,
        action="start",
        to_status=S.IN_PROGRESS,
        actor=actor,
        note="",
        now=now,
        seen_updated_at=seen_updated_at,
    )


@transaction.atomic
def ticket_hold(
    *,
    ticket: Ticket,
    reason: str,
    actor: User,
    now: datetime | None = None,
    seen_updated_at: datetime | None = None,
) -> Ticket:
    """In progress → waiting for the customer, saying for what; the SLA clocks pause."""
    reason = _required(reason, "reason", _("Say what you are waiting for from the customer."))
    return _move(
        ticket=ticket,
        action="hold",
        to_status=S.WAITING_CUSTOMER,
        actor=actor,
        note=reason,
        now=now,
        seen_updated_at=seen_updated_at,
    )


@transaction.atomic
def ticket_resume(
    *,
    ticket: Ticket,
    note: str = "",
    actor: User,
    now: datetime | None = None,
    seen_updated_at: datetime | None = None,
) -> Ticket:
    """Waiting for the customer → in progress; the clocks run again, pushed back by the pause."""
    return _move(
        ticket=ticket,
        action="resume",
        to_status=S.IN_PROGRESS,
        actor=actor,
        note=note.strip()[:TEXT_MAX_CHARS],
        now=now,
        seen_updated_at=seen_updated_at,
    )


@transaction.atomic
def ticket_resolve(
    *,
    ticket: Ticket,
    resolution_code: str,
    root_cause: str,
    resolution_note: str,
    warranty_note: str = "",
    actor: User,
    now: datetime | None = None,
    seen_updated_at: datetime | None = None,
) -> Ticket:
    """Record how the ticket ended and move it to resolved, in one transaction.

    1. The resolution and root cause are choices, what was done is required; what the
       warranty now covers is optional (the resolution notice tells the customer).
    2. Lock; a ticket already resolved is left as it is (a repeat); a stale version or any
       status but in progress is refused.
    3. Refused while other work is open: a sub-task, a scheduled visit, an active mail-in
       repair. The message names each.
    4. Save the four columns, then ticket_transition(→ resolved) with what was done as note.
    5. Queue the resolution notice to the customer (what was done, what the warranty covers).
    """
    now = now or timezone.now()
    errors = {}
    if resolution_code not in Ticket.Resolution.values:
        errors["resolution_code"] = [_("Choose how it was resolved.")]
    if root_cause not in Ticket.RootCause.values:
        errors["root_cause"] = [_("Choose the root cause (or “Not known”).")]
    if errors:
        raise ValidationError(errors)
    resolution_note = _required(resolution_note, "resolution_note", _("Say what was done."))
    warranty_note = warranty_note.strip()
    if len(warranty_note) > Ticket._meta.get_field("warranty_note").max_length:
        raise ValidationError({"warranty_note": [_("Keep it under 300 characters.")]})
    _may_work(actor, _("You may not resolve tickets."))
    locked = _locked(ticket)
    if locked.status == S.RESOLVED:
        return locked
    _fresh(locked, seen_updated_at)
    _allowed(locked, "resolve", S.RESOLVED)
    open_work = ticket_open_work(ticket=locked)
    if open_work:
        raise ActionNotPossible(
            _("Still open: %(items)s. Finish or cancel it before resolving the ticket.")
            % {"items": "; ".join(open_work.describe())}
        )
    locked.resolution_code, locked.root_cause = resolution_code, root_cause
    locked.resolution_note, locked.warranty_note = resolution_note, warranty_note
    locked.save(update_fields=["resolution_code", "root_cause", "resolution_note", "warranty_note"])
    resolved = ticket_transition(
        ticket=locked, to_status=S.RESOLVED, actor=actor, note=resolution_note, now=now
    )
    _resolution_notice(resolved, now=now)
    return resolved


# An SMS runs to several parts past ~70 characters: what was done is told in brief.
NOTICE_RESOLUTION_MAX = 120


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _resolution_notice(ticket: Ticket, *, now: datetime) -> None:
    """Tell the customer what was done and what the warranty now covers (seed 000: the
    repaired machine and the 3-month promise nobody mentioned). One per resolution."""
    warranty = ticket.warranty_note.rstrip("。.， ")
    message_queue(
        ticket=ticket,
        kind=MessageKind.RESOLUTION,
        slot="resolved-" + ticket.resolved_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"),
        context={
            "resolution": _shortened(ticket.resolution_note.rstrip("。. "), NOTICE_RESOLUTION_MAX),
            "warranty": f"{warranty}。" if warranty else "",
        },
        now=now,
    )


@transaction.atomic
def ticket_reopen(
    *,
    ticket: Ticket,
    reason: str,
    actor: User,
    now: datetime | None = None,
    seen_updated_at: datetime | None = None,
) -> Ticket:
    """Resolved → reopened (second handling), saying why; the SLA engine sets new deadlines."""
    reason = _required(reason, "reason", _("Say why the ticket is reopened."))
    return _move(
        ticket=ticket,
        action="reopen",
        to_status=S.REOPENED,
        actor=actor,
        note=reason,
        now=now,
        seen_updated_at=seen_updated_at,
    )


@transaction.atomic
def ticket_tier_set(
    *,
    ticket: Ticket,
    tier: str,
    reason: str,
    actor: User,
    now: datetime | None = None,
    seen_updated_at: datetime | None = None,
) -> Ticket:
    """sla.services.ticket_tier_change from a form: an open ticket, the version it showed."""
    _may_work(actor, _("You may not change the tier of tickets."))
    locked = _locked(ticket)
    if locked.tier == tier:
        return locked
    _fresh(locked, seen_updated_at)
    _allowed(locked, "tier")
    return ticket_tier_change(ticket=locked, tier=tier, reason=reason, actor=actor, now=now)


@transaction.atomic
def ticket_deadline_set(
    *,
    ticket: Ticket,
    which: str,
    new_due_at: datetime,
    reason: str,
    actor: User,
    now: datetime | None = None,
    seen_updated_at: datetime | None = None,
) -> Ticket:
    """sla.services.ticket_deadline_extend from a form, refusing a stale version."""
    if not actor.has_perm("tickets.change_ticket"):
        raise PermissionDeniedError(_("You may not extend deadlines."))
    locked = _locked(ticket)
    _fresh(locked, seen_updated_at)
    _allowed(locked, "deadline")
    return ticket_deadline_extend(
        ticket=locked, which=which, new_due_at=new_due_at, reason=reason, actor=actor, now=now
    )


@transaction.atomic
def ticket_tag_add(
    *, ticket: Ticket, tag: Tag, actor: User, now: datetime | None = None
) -> TicketTag:
    """A person puts a tag on the ticket: confirmed, from the agent.

    The tag already there as suggested or rejected is confirmed instead (its source kept,
    so a suggestion confirmed this way still counts for automatic tagging's precision); one
    already confirmed is left as it is.
    """
    now = now or timezone.now()
    _may_work(actor, _("You may not tag tickets."))
    if not tag.is_active:
        raise ValidationError({"tag": [_("This tag is no longer in use.")]})
    # The ticket's row lock orders concurrent adds of one tag: one creates, the other finds it.
    locked = _locked(ticket)
    existing = TicketTag.objects.select_for_update().filter(ticket=locked, tag=tag).first()
    if existing is not None and existing.state == TicketTag.State.CONFIRMED:
        return existing
    previous = existing.state if existing else ""
    if existing is None:
        existing = TicketTag.objects.create(
            ticket=locked,
            tag=tag,
            source=TicketTag.Source.AGENT,
            state=TicketTag.State.CONFIRMED,
            reviewed_by=actor,
            reviewed_at=now,
        )
    else:
        existing.state, existing.reviewed_by, existing.reviewed_at = (
            TicketTag.State.CONFIRMED,
            actor,
            now,
        )
        existing.save(update_fields=["state", "reviewed_by", "reviewed_at"])
    ticket_event_write(
        ticket=locked,
        verb=TicketEvent.Verb.TAG_ADDED,
        actor=actor,
        at=now,
        payload={"tag": str(tag), "from": previous, "source": existing.source},
    )
    return existing
