"""Writes for one accountable owner across departments: sub-tasks and transfers.

Every write locks the ticket row first and then its sub-task or transfer, so the writes on one
ticket queue up in one order: two teams finishing the last two sub-tasks at the same moment
cannot both miss that nothing is left open, and two writes never deadlock. Every write but
taking a sub-task also moves the ticket's version (updated_at): a form filled in on the page
before then is stale (409).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sla.calendar import WorkingCalendar, add_business_time
from sla.config import sla_snapshot
from sla.models import WORKING_DAY_MINUTES
from tickets.errors import DomainError, PermissionDeniedError, StaleTicket
from tickets.models import OPEN_STATUSES, SubTask, Team, Ticket, TicketEvent, Transfer, User
from tickets.selectors import ticket_visible_to
from tickets.selectors.dispatch import (
    SUBTASK_REQUESTABLE,
    WAITING_FOR,
    dispatch_rights,
    transfer_target_teams,
)
from tickets.services.core import ticket_event_write, ticket_transition

# How long the receiving team has by default: a part leaves the warehouse within one working
# day, a technical question is answered within half of one. Counted on the ticket's own SLA
# clock (sla.policy): office time on the working-day calendar, or the wall clock for a tier
# that runs round the clock (L1: an urgent ticket does not wait for Monday's opening).
SUBTASK_ALLOWANCE = {
    SubTask.Kind.PARTS: timedelta(minutes=WORKING_DAY_MINUTES),
    SubTask.Kind.TECHNICAL: timedelta(hours=4),
}
MAX_NOTE_LENGTH = 500  # Transfer.decision_note
MAX_PART_CODE_LENGTH = 60  # SubTask.part_code
MAX_QUANTITY = 999  # one request; more is a purchase order, not an after-sales part


def subtask_due_at(
    *, kind: str, start: datetime, business: bool, calendar: WorkingCalendar
) -> datetime:
    """The default due time of a sub-task of `kind` asked for at `start`."""
    amount = SUBTASK_ALLOWANCE[SubTask.Kind(kind)]
    if not business:
        return start + amount
    return add_business_time(start=start, amount=amount, calendar=calendar).at


def _lock_ticket(pk: int) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=pk)


def _lock_subtask(pk: int) -> SubTask:
    # OF self: the joined team row is read, not locked (every ticket shares it).
    return SubTask.objects.select_for_update(of=("self",)).select_related("team").get(pk=pk)


def _touch(ticket: Ticket) -> None:
    """A new version of the ticket (auto_now): forms filled in on the old one are stale."""
    ticket.save(update_fields=["updated_at"])


def _check_version(ticket: Ticket, seen_updated_at: datetime | None) -> None:
    if seen_updated_at is not None and seen_updated_at != ticket.updated_at:
        raise StaleTicket()


def _require_visible(actor: User, ticket: Ticket) -> None:
    if not ticket_visible_to(user=actor).filter(pk=ticket.pk).exists():
        raise PermissionDeniedError(_("You may not see this ticket."))


def _subtask_event(
    *, ticket: Ticket, subtask: SubTask, action: str, actor: User, now: datetime, note: str = ""
) -> None:
    payload = {
        "action": action,
        "subtask": subtask.pk,
        "kind": subtask.kind,
        "team": subtask.team_id,
        "team_name": subtask.team.name,
    }
    if note:
        payload["note"] = note
    ticket_event_write(
        ticket=ticket, verb=TicketEvent.Verb.SUBTASK, actor=actor, at=now, payload=payload
    )


def _transfer_event(
    *, ticket: Ticket, transfer: Transfer, action: str, actor: User, now: datetime, note: str = ""
) -> None:
    payload = {
        "action": action,
        "transfer": transfer.pk,
        "from_team": transfer.from_team_id,
        "to_team": transfer.to_team_id,
        "team_name": transfer.to_team.name,
    }
    if note:
        payload["note"] = note
    ticket_event_write(
        ticket=ticket, verb=TicketEvent.Verb.TRANSFER, actor=actor, at=now, payload=payload
    )


def _parts_note(part_code: str, quantity: int | None, request: str) -> str:
    part = f"{part_code} ×{quantity}" if part_code else f"×{quantity}"
    return " · ".join(text for text in (part, request) if text)


@transaction.atomic
def subtask_request(
    *,
    ticket: Ticket,
    kind: str,
    team: Team,
    request: str,
    part_code: str = "",
    quantity: int | None = None,
    due_at: datetime | None = None,
    actor: User,
    now: datetime | None = None,
    seen_updated_at: datetime | None = None,
) -> SubTask:
    """Ask another team for a part or a technical answer; the ticket keeps its owner.

    1. The actor works tickets and sees this one.
    2. Lock the ticket; a form filled in on an older version of it is stale (StaleTicket).
    3. The ticket is in progress or already waiting for help; the team is not its own; a parts
       request names the part (a code or words) and a quantity of at least 1.
    4. Without a due time, SUBTASK_ALLOWANCE on the ticket's SLA clock.
    5. Create the sub-task and its event; a ticket in progress now waits for it, through
       ticket_transition, in the same transaction.
    """
    now = now or timezone.now()
    if not actor.has_perm("tickets.transition_ticket"):
        raise PermissionDeniedError(_("You may not ask other teams for help on tickets."))
    _require_visible(actor, ticket)
    locked = _lock_ticket(ticket.pk)
    _check_version(locked, seen_updated_at)
    if locked.status not in SUBTASK_REQUESTABLE:
        raise DomainError(
            _(
                "Other teams can be asked for help while the ticket is being worked on; "
                "it is “%(status)s”."
            )
            % {"status": locked.get_status_display()}
        )
    if kind not in SubTask.Kind.values:
        raise DomainError(_("Ask for a part or for technical support."))
    if team.pk == locked.team_id:
        raise DomainError(_("The ticket's own team does this work itself: ask another team."))
    request, part_code = request.strip(), part_code.strip()
    if kind == SubTask.Kind.PARTS:
        if not (request or part_code):
            raise DomainError(_("Name the part: its code or a description."))
        if quantity is None or not 1 <= quantity <= MAX_QUANTITY:
            raise DomainError(
                _("A parts request needs a quantity from 1 to %(max)d.") % {"max": MAX_QUANTITY}
            )
        if len(part_code) > MAX_PART_CODE_LENGTH:
            raise DomainError(
                _("A part code has at most %(count)d characters.") % {"count": MAX_PART_CODE_LENGTH}
            )
        note = _parts_note(part_code, quantity, request)
    else:
        if not request:
            raise DomainError(_("Say what technical support should answer."))
        part_code, quantity, note = "", None, request
    if due_at is None:
        snapshot = sla_snapshot()
        due_at = subtask_due_at(
            kind=kind,
            start=now,
            business=snapshot.targets_for(locked.tier).business,
            calendar=snapshot.calendar,
        )
    elif due_at <= now:
        raise DomainError(_("The due time must be in the future."))

    subtask = SubTask.objects.create(
        ticket=locked,
        kind=kind,
        team=team,
        request=request,
        part_code=part_code,
        quantity=quantity,
        requested_by=actor,
        requested_at=now,
        due_at=due_at,
    )
    _subtask_event(
        ticket=locked, subtask=subtask, action="requested", actor=actor, now=now, note=note
    )
    if locked.status == Ticket.Status.IN_PROGRESS:
        ticket_transition(ticket=locked, to_status=WAITING_FOR[kind], actor=actor, now=now)
    else:
        _touch(locked)
    return subtask


def _work_check(actor: User, subtask: SubTask) -> None:
    if not dispatch_rights(user=actor).may_work(subtask):
        raise PermissionDeniedError(
            _("Only %(team)s works this sub-task.") % {"team": subtask.team.name}
        )


@transaction.atomic
def subtask_start(*, subtask: SubTask, actor: User, now: datetime | None = None) -> SubTask:
    """A member of the receiving team takes the sub-task: it is theirs and in progress.

    Taking it again is a no-op; one a colleague has taken, or one that is finished, is refused.
    The ticket's version stays: taking the work changes nothing its owner decides on.
    """
    now = now or timezone.now()
    _work_check(actor, subtask)
    ticket = _lock_ticket(subtask.ticket_id)
    locked = _lock_subtask(subtask.pk)
    if locked.status == SubTask.Status.IN_PROGRESS and locked.assignee_id == actor.pk:
        return locked
    if locked.status == SubTask.Status.IN_PROGRESS:
        raise DomainError(
            _("%(user)s is already working on this sub-task.") % {"user": locked.assignee}
        )
    if not locked.is_open:
        raise DomainError(
            _("This sub-task is already “%(status)s”.") % {"status": locked.get_status_display()}
        )
    locked.status, locked.assignee, locked.started_at = SubTask.Status.IN_PROGRESS, actor, now
    locked.save(update_fields=["status", "assignee", "started_at", "updated_at"])
    _subtask_event(ticket=ticket, subtask=locked, action="started", actor=actor, now=now)
    return locked


def _resume_if_unblocked(ticket: Ticket, now: datetime) -> None:
    """The last open sub-task finished: a ticket waiting for help is worked on again.

    The system moves it (actor None): it follows from the rule, not from the decision of
    whoever finished the sub-task, who may not change ticket statuses at all (the warehouse).
    Their own event, just before, says who it was.
    """
    waiting = ticket.status in WAITING_FOR.values()
    if waiting and not ticket.subtasks.filter(status__in=SubTask.OPEN_STATUSES).exists():
        ticket_transition(ticket=ticket, to_status=Ticket.Status.IN_PROGRESS, actor=None, now=now)
    else:
        _touch(ticket)


@transaction.atomic
def subtask_complete(
    *, subtask: SubTask, result: str, actor: User, now: datetime | None = None
) -> SubTask:
    """The receiving team reports what it shipped or answered; the sub-task is done.

    A colleague may finish a sub-task someone else took, and an open one is taken and finished
    at once. Finishing it again is a no-op. When no open sub-task is left, a ticket waiting
    for parts or technical support returns to in progress.
    """
    now = now or timezone.now()
    result = result.strip()
    _work_check(actor, subtask)
    if not result:
        raise DomainError(_("Say what was done: what was shipped, or the technical answer."))
    ticket = _lock_ticket(subtask.ticket_id)
    locked = _lock_subtask(subtask.pk)
    if locked.status == SubTask.Status.DONE:
        return locked
    if locked.status == SubTask.Status.CANCELLED:
        raise DomainError(_("This sub-task was cancelled: there is nothing left to do."))
    locked.status, locked.result, locked.done_at = SubTask.Status.DONE, result, now
    locked.assignee_id = locked.assignee_id or actor.pk
    locked.started_at = locked.started_at or now
    locked.save(
        update_fields=["status", "result", "done_at", "assignee", "started_at", "updated_at"]
    )
    _subtask_event(
        ticket=ticket, subtask=locked, action="completed", actor=actor, now=now, note=result
    )
    _resume_if_unblocked(ticket, now)
    return locked


@transaction.atomic
def subtask_cancel(
    *, subtask: SubTask, reason: str, actor: User, now: datetime | None = None
) -> SubTask:
    """The owner's side withdraws a sub-task no longer needed, saying why.

    Cancelling again is a no-op; a finished sub-task stays finished. The reason is kept as the
    sub-task's result. The same return-to-in-progress rule as completing it.
    """
    now = now or timezone.now()
    reason = reason.strip()
    ticket = _lock_ticket(subtask.ticket_id)
    if not dispatch_rights(user=actor).may_cancel_subtask(subtask, ticket):
        raise PermissionDeniedError(
            _("Only the ticket's owner, who asked, or a team lead may cancel this sub-task.")
        )
    if actor.pk not in (ticket.owner_id, subtask.requested_by_id):
        _require_visible(actor, ticket)
    if not reason:
        raise DomainError(_("Say why the sub-task is no longer needed."))
    locked = _lock_subtask(subtask.pk)
    if locked.status == SubTask.Status.CANCELLED:
        return locked
    if locked.status == SubTask.Status.DONE:
        raise DomainError(_("This sub-task is already done and can no longer be cancelled."))
    locked.status, locked.result, locked.done_at = SubTask.Status.CANCELLED, reason, now
    locked.save(update_fields=["status", "result", "done_at", "updated_at"])
    _subtask_event(
        ticket=ticket, subtask=locked, action="cancelled", actor=actor, now=now, note=reason
    )
    _resume_if_unblocked(ticket, now)
    return locked


@transaction.atomic
def transfer_request(
    *,
    ticket: Ticket,
    to_team: Team,
    reason: str,
    actor: User,
    now: datetime | None = None,
    seen_updated_at: datetime | None = None,
) -> Transfer:
    """Ask another team to take the ticket; team and owner stay until that team accepts.

    1. The actor works tickets and sees this one.
    2. Lock the ticket; a form filled in on an older version of it is stale (StaleTicket).
    3. The ticket is open, the reason given, the team another one with someone who can take
       tickets, and no other transfer is waiting (the unique constraint backs this up against
       any writer that skips the ticket lock: its IntegrityError is the same DomainError).
    4. Create the transfer and its event, and move the ticket's version.
    """
    now = now or timezone.now()
    reason = reason.strip()
    if not actor.has_perm("tickets.transition_ticket"):
        raise PermissionDeniedError(_("You may not transfer tickets."))
    _require_visible(actor, ticket)
    locked = _lock_ticket(ticket.pk)
    _check_version(locked, seen_updated_at)
    if locked.status not in OPEN_STATUSES:
        raise DomainError(_("Only an open ticket can be transferred."))
    if not reason:
        raise DomainError(_("Say why another team should take this ticket."))
    if to_team.pk == locked.team_id:
        raise DomainError(_("The ticket is already with %(team)s.") % {"team": to_team.name})
    if not transfer_target_teams(ticket=locked).filter(pk=to_team.pk).exists():
        raise DomainError(_("Nobody in %(team)s can take tickets.") % {"team": to_team.name})
    pending = locked.transfers.filter(status=Transfer.Status.PENDING).select_related("to_team")
    if waiting := pending.first():
        raise DomainError(_pending_message(waiting.to_team.name))
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(
                ticket=locked,
                from_team_id=locked.team_id,
                to_team=to_team,
                reason=reason,
                requested_by=actor,
                requested_at=now,
            )
    except IntegrityError:
        raise DomainError(_pending_message("")) from None
    _transfer_event(
        ticket=locked, transfer=transfer, action="requested", actor=actor, now=now, note=reason
    )
    _touch(locked)
    return transfer


def _pending_message(team_name: str) -> str:
    if team_name:
        return _("A transfer to %(team)s is already waiting for an answer: withdraw it first.") % {
            "team": team_name
        }
    return _("Another transfer is already waiting for an answer: withdraw it first.")


def _decide_check(actor: User, transfer: Transfer) -> None:
    if not dispatch_rights(user=actor).may_decide(transfer):
        raise PermissionDeniedError(
            _("Only %(team)s or a manager may decide on this transfer.")
            % {"team": transfer.to_team.name}
        )


def _lock_transfer(transfer: Transfer) -> tuple[Ticket, Transfer]:
    ticket = _lock_ticket(transfer.ticket_id)
    locked = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("to_team")
        .get(pk=transfer.pk)
    )
    return ticket, locked


def _not_pending(transfer: Transfer) -> DomainError:
    return DomainError(
        _("This transfer is no longer waiting for an answer: it is “%(status)s”.")
        % {"status": transfer.get_status_display()}
    )


@transaction.atomic
def transfer_accept(*, transfer: Transfer, actor: User, now: datetime | None = None) -> Transfer:
    """The target team takes the ticket: team, owner and the transfer count move together.

    1. A worker of the target team, or a manager, accepts; accepting again is a no-op.
    2. The ticket must still be open (a resolved one is declined instead).
    3. The acceptor owns the ticket if they work in that team; otherwise (a manager deciding
       for the team) it arrives unowned, in the team's "unassigned" queue.
    4. Save the ticket and the transfer; write the transfer's event and, if the owner
       changed, the assignment's.
    """
    now = now or timezone.now()
    _decide_check(actor, transfer)
    ticket, locked = _lock_transfer(transfer)
    if locked.status == Transfer.Status.ACCEPTED and locked.decided_by_id == actor.pk:
        return locked
    if locked.status != Transfer.Status.PENDING:
        raise _not_pending(locked)
    if ticket.status not in OPEN_STATUSES:
        raise DomainError(_("The ticket is no longer open: decline the transfer instead."))
    owner = actor if dispatch_rights(user=actor).may_own_for(locked.to_team_id) else None
    previous_owner = ticket.owner_id
    ticket.team_id, ticket.owner = locked.to_team_id, owner
    ticket.transfer_count += 1
    ticket.save(update_fields=["team", "owner", "transfer_count", "updated_at"])
    locked.status, locked.decided_by, locked.decided_at = Transfer.Status.ACCEPTED, actor, now
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    _transfer_event(ticket=ticket, transfer=locked, action="accepted", actor=actor, now=now)
    if previous_owner != ticket.owner_id:
        ticket_event_write(
            ticket=ticket,
            verb=TicketEvent.Verb.ASSIGNED,
            actor=actor,
            at=now,
            payload={
                "from_owner": previous_owner,
                "to_owner": ticket.owner_id,
                "to_owner_name": str(owner) if owner else "",
            },
        )
    return locked


@transaction.atomic
def transfer_decline(
    *, transfer: Transfer, note: str, actor: User, now: datetime | None = None
) -> Transfer:
    """The target team says no, and why; the ticket stays with its team and owner."""
    now = now or timezone.now()
    note = note.strip()
    _decide_check(actor, transfer)
    if not note:
        raise DomainError(_("Say why your team does not take this ticket."))
    if len(note) > MAX_NOTE_LENGTH:
        raise DomainError(
            _("Keep the note within %(count)d characters.") % {"count": MAX_NOTE_LENGTH}
        )
    ticket, locked = _lock_transfer(transfer)
    if locked.status == Transfer.Status.DECLINED:
        return locked
    if locked.status != Transfer.Status.PENDING:
        raise _not_pending(locked)
    locked.status, locked.decided_by, locked.decided_at = Transfer.Status.DECLINED, actor, now
    locked.decision_note = note
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _transfer_event(
        ticket=ticket, transfer=locked, action="declined", actor=actor, now=now, note=note
    )
    _touch(ticket)
    return locked


@transaction.atomic
def transfer_cancel(*, transfer: Transfer, actor: User, now: datetime | None = None) -> Transfer:
    """Whoever asked, the ticket's owner or a lead withdraws a transfer still waiting."""
    now = now or timezone.now()
    ticket, locked = _lock_transfer(transfer)
    if not dispatch_rights(user=actor).may_withdraw(locked, ticket):
        raise PermissionDeniedError(
            _("Only who asked, the ticket's owner or a team lead may withdraw this transfer.")
        )
    if actor.pk not in (ticket.owner_id, locked.requested_by_id):
        _require_visible(actor, ticket)
    if locked.status == Transfer.Status.CANCELLED:
        return locked
    if locked.status != Transfer.Status.PENDING:
        raise _not_pending(locked)
    locked.status, locked.decided_by, locked.decided_at = Transfer.Status.CANCELLED, actor, now
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    _transfer_event(ticket=ticket, transfer=locked, action="withdrawn", actor=actor, now=now)
    _touch(ticket)
    return locked
