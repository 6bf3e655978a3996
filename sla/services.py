"""SLA upkeep on tickets: deadlines kept in Postgres, and the sweep that enforces them.

The arithmetic is sla.policy's; this module decides which due times a change moves, and
acts when they pass. Every due time, warning and marker is a Ticket column, so a lost Celery
task or a Redis outage only delays the sweep: the next one finds the same rows due.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg2.extras import execute_values

from feedback.models import MessageKind
from feedback.services import callback_due, message_queue
from sla.policy import (
    Deadlines,
    callback_due_for,
    deadlines_for,
    due_after_pause,
    progress_due_after,
)
from sla.selectors import escalation_lead_for
from tickets.errors import PermissionDeniedError
from tickets.models import SLA_TARGETS, Ticket, TicketEvent, User
from tickets.services import ticket_event_write

logger = logging.getLogger(__name__)

S = Ticket.Status
# Rows claimed per transaction: short locks, and a failure costs at most one batch's work.
SWEEP_BATCH = 200


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def sla_columns(deadlines: Deadlines) -> dict[str, datetime | None]:
    """The SLA columns of a ticket born with these deadlines (intake's Ticket.objects.create)."""
    columns = {
        "first_contact_due_at": deadlines.first_contact_due_at,
        "first_contact_warn_at": deadlines.first_contact_warn_at,
        "resolve_due_at": deadlines.resolve_due_at,
        "resolve_warn_at": deadlines.resolve_warn_at,
        "next_progress_due_at": deadlines.next_progress_due_at,
    }
    # A new ticket has nothing met, warned or paused: its next check is its earliest time.
    columns["sla_next_check_at"] = min(
        (moment for moment in columns.values() if moment is not None), default=None
    )
    return columns


# --- status changes (called by tickets.services.ticket_transition, on the locked row) -----


def sla_on_transition(
    *, ticket: Ticket, from_status: str, to_status: str, now: datetime
) -> tuple[list[str], dict[str, Any]]:
    """Apply the SLA side of a status change to the locked, unsaved ticket.

    1. Waiting on the customer pauses every clock; leaving it pushes the pending due times
       back by the pause (on the tier's clock) and adds it to paused_seconds.
    2. Resolved: the resolution and progress clocks stop; the callback falls due.
    3. Reopened (second handling): a fresh resolution target counted from now.
    4. Whatever changed, the next check is recomputed (first contact met, say).
    Returns the changed fields and what the transition's event should record.
    """
    fields: list[str] = []
    record: dict[str, Any] = {}
    if ticket.paused_at is not None and to_status != S.WAITING_CUSTOMER:
        fields += _resume(ticket=ticket, now=now, record=record)
    if to_status == S.WAITING_CUSTOMER and ticket.paused_at is None:
        ticket.paused_at = now
        fields.append("paused_at")
    elif to_status == S.RESOLVED:
        ticket.callback_due_at = callback_due_for(resolved_at=now)
        ticket.callback_queued_at = None
        ticket.next_progress_due_at = None
        fields += ["callback_due_at", "callback_queued_at", "next_progress_due_at"]
        record["callback_due_at"] = _iso(ticket.callback_due_at)
    elif to_status == S.REOPENED:
        fresh = deadlines_for(tier=ticket.tier, received_at=now)
        fields += _reset_target(ticket, "resolve", fresh.resolve_due_at, fresh.resolve_warn_at)
        ticket.next_progress_due_at = fresh.next_progress_due_at
        ticket.callback_due_at = ticket.callback_queued_at = None
        fields += ["next_progress_due_at", "callback_due_at", "callback_queued_at"]
        record["resolve_due_at"] = _iso(ticket.resolve_due_at)
    ticket.sla_next_check_at = ticket.sla_next_check()
    fields.append("sla_next_check_at")
    return fields, record


def _resume(*, ticket: Ticket, now: datetime, record: dict[str, Any]) -> list[str]:
    paused_at = ticket.paused_at
    assert paused_at is not None

    def push(moment: datetime | None) -> datetime | None:
        if moment is None:
            return None
        return due_after_pause(tier=ticket.tier, due_at=moment, paused_at=paused_at, resumed_at=now)

    fields = ["paused_at", "paused_seconds", "next_progress_due_at"]
    for target in SLA_TARGETS:
        if ticket.sla_target_pending(target) and not getattr(ticket, f"{target}_breached_at"):
            for column in (f"{target}_due_at", f"{target}_warn_at"):
                setattr(ticket, column, push(getattr(ticket, column)))
                fields.append(column)
    ticket.next_progress_due_at = push(ticket.next_progress_due_at)
    ticket.paused_seconds += int((now - paused_at).total_seconds())
    ticket.paused_at = None
    record.update(
        paused_seconds=int((now - paused_at).total_seconds()),
        resolve_due_at=_iso(ticket.resolve_due_at),
    )
    return fields


def _reset_target(
    ticket: Ticket, target: str, due_at: datetime | None, warn_at: datetime | None
) -> list[str]:
    """A new promise for a target: new times, and the old warning and breach forgotten
    (they stay in the timeline as events)."""
    setattr(ticket, f"{target}_due_at", due_at)
    setattr(ticket, f"{target}_warn_at", warn_at)
    setattr(ticket, f"{target}_warned_at", None)
    setattr(ticket, f"{target}_breached_at", None)
    return [f"{target}_{suffix}" for suffix in ("due_at", "warn_at", "warned_at", "breached_at")]


def _reason_required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason.")]})
    return reason


# --- deliberate changes by staff ----------------------------------------------------------


@transaction.atomic
def ticket_tier_change(
    *, ticket: Ticket, tier: str, reason: str, actor: User | None, now: datetime | None = None
) -> Ticket:
    """Re-tier a ticket (facts confirmed later, say) and recompute its pending deadlines.

    1. A reason is required (ValidationError on "reason"); the tier must be one we know.
    2. Lock the row; the same tier again is a no-op.
    3. Pending targets are recomputed from received_at as if the new tier had always applied,
       their warnings and breaches cleared so the sweep judges them afresh. Time already
       spent waiting on the customer is replayed as one pause ending now (exact on the 24×7
       clock; on business hours an approximation, as only the total is kept).
    4. Progress updates follow the new tier's rhythm, the first no earlier than now.
    """
    now = now or timezone.now()
    reason = _reason_required(reason)
    if tier not in Ticket.Tier.values:
        raise ValidationError({"tier": [_("Unknown tier “%(tier)s”.") % {"tier": tier}]})
    if actor is not None and not actor.has_perm("tickets.transition_ticket"):
        raise PermissionDeniedError(_("You may not change the tier of tickets."))
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if locked.tier == tier:
        return locked
    previous, locked.tier = locked.tier, tier
    fresh = deadlines_for(tier=tier, received_at=locked.received_at)
    paused = timedelta(seconds=locked.paused_seconds)

    def replay(moment: datetime | None) -> datetime | None:
        if moment is None or not paused:
            return moment
        return due_after_pause(tier=tier, due_at=moment, paused_at=now - paused, resumed_at=now)

    fields = ["tier", "updated_at"]
    for target in SLA_TARGETS:
        if locked.sla_target_pending(target):
            due = replay(getattr(fresh, f"{target}_due_at"))
            fields += _reset_target(
                locked, target, due, replay(getattr(fresh, f"{target}_warn_at"))
            )
    if locked.sla_target_pending("resolve"):
        progress = replay(fresh.next_progress_due_at)
        if progress is not None and progress <= now:
            progress = progress_due_after(tier=tier, after=now)
        locked.next_progress_due_at = progress
        fields.append("next_progress_due_at")
    locked.sla_next_check_at = locked.sla_next_check()
    fields.append("sla_next_check_at")
    locked.save(update_fields=fields)
    ticket_event_write(
        ticket=locked,
        verb=TicketEvent.Verb.TIER_CHANGED,
        actor=actor,
        at=now,
        payload={
            "from_tier": previous,
            "to_tier": tier,
            "note": reason,
            "first_contact_due_at": _iso(locked.first_contact_due_at),
            "resolve_due_at": _iso(locked.resolve_due_at),
            "calendar_gaps": list(fresh.calendar_gaps),
        },
    )
    return locked


@transaction.atomic
def ticket_deadline_extend(
    *,
    ticket: Ticket,
    which: str,
    new_due_at: datetime,
    reason: str,
    actor: User | None,
    now: datetime | None = None,
) -> Ticket:
    """Move a pending target ("first_contact" or "resolve") later, with a reason.

    Leads and managers (change_ticket) may. The warning moves with the due time by the
    business time between the two (due_after_pause's arithmetic) unless it was already
    given. A breach already marked stays marked: it happened, and was escalated. Progress
    updates to the customer keep their own rhythm: an extension does not silence them.
    """
    now = now or timezone.now()
    reason = _reason_required(reason)
    if which not in SLA_TARGETS:
        raise ValidationError({"which": [_("Choose first contact or resolution.")]})
    if new_due_at.tzinfo is None:
        raise ValidationError({"new_due_at": [_("Give a time with its time zone.")]})
    if actor is not None and not actor.has_perm("tickets.change_ticket"):
        raise PermissionDeniedError(_("You may not extend deadlines."))
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    due_column = f"{which}_due_at"
    old_due = getattr(locked, due_column)
    if not locked.sla_target_pending(which) or old_due is None:
        raise ValidationError({"which": [_("This deadline is no longer pending.")]})
    if new_due_at <= old_due:
        raise ValidationError({"new_due_at": [_("An extension must be later than the deadline.")]})
    setattr(locked, due_column, new_due_at)
    fields = [due_column, "sla_next_check_at", "updated_at"]
    warn_column = f"{which}_warn_at"
    warn_at = getattr(locked, warn_column)
    if warn_at is not None and getattr(locked, f"{which}_warned_at") is None:
        moved = due_after_pause(
            tier=locked.tier, due_at=warn_at, paused_at=old_due, resumed_at=new_due_at
        )
        setattr(locked, warn_column, moved)
        fields.append(warn_column)
    locked.sla_next_check_at = locked.sla_next_check()
    locked.save(update_fields=fields)
    ticket_event_write(
        ticket=locked,
        verb=TicketEvent.Verb.DEADLINE_EXTENDED,
        actor=actor,
        at=now,
        payload={
            "target": which,
            "from_due_at": _iso(old_due),
            "to_due_at": _iso(new_due_at),
            "note": reason,
        },
    )
    return locked


# --- the sweep ----------------------------------------------------------------------------


@dataclass
class SweepCounts:
    """What one sweep did, per action."""

    tickets: int = 0
    warned: int = 0
    breached: int = 0
    progress: int = 0
    callbacks: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def sla_sweep(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> SweepCounts:
    """Act once on every SLA checkpoint due at `now`; the beat task and sla_tick call it.

    1. Read the clock once: every decision of the pass is against the same `now`.
    2. In batches, claim tickets whose sla_next_check_at has come with FOR UPDATE SKIP LOCKED
       (a concurrent sweep takes other rows, or finds these acted on), walking up by id so
       each ticket is looked at once per sweep.
    3. Per ticket, in a savepoint: warn, escalate, queue the progress message, create the
       callback; set the markers and the next check in the same transaction as the actions.
       A ticket that fails is logged and left due for the next sweep; the others proceed.
    """
    now = now or timezone.now()
    counts = SweepCounts()
    leads: dict[int | None, User | None] = {}
    after = 0
    while True:
        with transaction.atomic():
            claimed = list(
                Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("customer", "owner")
                .filter(sla_next_check_at__lte=now, pk__gt=after)
                .order_by("pk")[:batch]
            )
            events: list[TicketEvent] = []
            acted: list[Ticket] = []
            fields: set[str] = set()
            for ticket in claimed:
                ticket_events: list[TicketEvent] = []
                # Only progress and callback write rows of their own (the outbox, the task):
                # those get a savepoint, so one bad ticket cannot undo the batch. Warnings and
                # breaches only change attributes, written by the batch's bulk update.
                guard = transaction.atomic() if _writes_rows(ticket, now) else nullcontext()
                try:
                    with guard:
                        mine = _ticket_act(
                            ticket=ticket,
                            now=now,
                            counts=counts,
                            leads=leads,
                            events=ticket_events,
                        )
                except Exception:
                    logger.exception("SLA sweep: ticket %s failed; retried next sweep", ticket.pk)
                    counts.failed += 1
                    continue
                acted.append(ticket)
                events += ticket_events
                fields |= mine
            # One INSERT for the batch's events and one UPDATE for its tickets: the sweep's
            # cost is a few statements per batch, not per ticket.
            TicketEvent.objects.bulk_create(events)
            _tickets_write(acted, sorted(fields))
        counts.tickets += len(claimed)
        if len(claimed) < batch:
            return counts
        after = claimed[-1].pk


def _tickets_write(tickets: list[Ticket], field_names: list[str]) -> None:
    """One UPDATE … FROM (VALUES …) for a batch of tickets.

    Django's bulk_update compiles a CASE WHEN per field per row: seconds for a thousand
    tickets, most of a sweep's time. This writes the same values in one plain statement.
    """
    if not tickets:
        return
    fields = [Ticket._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields)
    names = ", ".join(["id", *(quote(f.column) for f in fields)])
    template = "(" + ", ".join(["%s::bigint", *(f"%s::{f.db_type(connection)}" for f in fields)])
    rows = [
        (ticket.pk, *(f.get_db_prep_save(getattr(ticket, f.attname), connection) for f in fields))
        for ticket in tickets
    ]
    sql = (
        f"UPDATE {quote(Ticket._meta.db_table)} AS t SET {assignments} "  # noqa: S608  names from model metadata
        f"FROM (VALUES %s) AS v({names}) WHERE t.id = v.id"
    )
    with connection.cursor() as cursor:
        execute_values(cursor.cursor, sql, rows, template=template + ")", page_size=len(rows))


def _writes_rows(ticket: Ticket, now: datetime) -> bool:
    progress = ticket.next_progress_due_at
    callback = ticket.callback_due_at
    return bool((progress and progress <= now) or (callback and callback <= now))


def _ticket_act(
    *,
    ticket: Ticket,
    now: datetime,
    counts: SweepCounts,
    leads: dict[int | None, User | None],
    events: list[TicketEvent],
) -> set[str]:
    """Decide and do what is due on one ticket; its events are appended to `events` and its
    changed fields returned, for the batch to write at once."""
    fields = {"sla_next_check_at", "updated_at"}
    for target in SLA_TARGETS:
        if not ticket.sla_target_pending(target) or getattr(ticket, f"{target}_breached_at"):
            continue
        due_at = getattr(ticket, f"{target}_due_at")
        warn_at = getattr(ticket, f"{target}_warn_at")
        if due_at is not None and due_at <= now:
            # A warning not yet given is moot once the deadline has passed.
            team_id = ticket.team_id
            if team_id not in leads:
                leads[team_id] = escalation_lead_for(team_id=team_id)
            events.append(
                _breach(ticket=ticket, target=target, due_at=due_at, lead=leads[team_id], now=now)
            )
            fields.add(f"{target}_breached_at")
            counts.breached += 1
        elif warn_at is not None and warn_at <= now and not getattr(ticket, f"{target}_warned_at"):
            events.append(_warn(ticket=ticket, target=target, due_at=due_at, now=now))
            fields.add(f"{target}_warned_at")
            counts.warned += 1
    # Progress updates run while the ticket is open (the resolution target's lifetime).
    due_at = ticket.next_progress_due_at
    if ticket.sla_target_pending("resolve") and due_at is not None and due_at <= now:
        events.append(_progress(ticket=ticket, due_at=due_at, now=now))
        fields.add("next_progress_due_at")
        counts.progress += 1
    due_at = ticket.callback_due_at
    if ticket.status == S.RESOLVED and not ticket.callback_queued_at and due_at and due_at <= now:
        events.append(_callback(ticket=ticket, due_at=due_at, now=now))
        fields.add("callback_queued_at")
        counts.callbacks += 1
    ticket.sla_next_check_at = ticket.sla_next_check()
    ticket.updated_at = now
    return fields


def _user_payload(user: User | None) -> dict[str, Any]:
    return {"to_user": user.pk if user else None, "to_user_name": str(user) if user else ""}


def _event(*, ticket: Ticket, verb: str, now: datetime, payload: dict[str, Any]) -> TicketEvent:
    """An unsaved timeline event by the system; the sweep inserts a batch's at once."""
    return TicketEvent(ticket=ticket, verb=verb, actor=None, at=now, payload=payload)


def _warn(*, ticket: Ticket, target: str, due_at: datetime | None, now: datetime) -> TicketEvent:
    """The owner is told on the timeline (the workbench lists these events); there is no
    staff notification channel yet."""
    setattr(ticket, f"{target}_warned_at", now)
    return _event(
        ticket=ticket,
        verb=TicketEvent.Verb.SLA_WARNED,
        now=now,
        payload={"target": target, "due_at": _iso(due_at), **_user_payload(ticket.owner)},
    )


def _breach(
    *, ticket: Ticket, target: str, due_at: datetime, lead: User | None, now: datetime
) -> TicketEvent:
    setattr(ticket, f"{target}_breached_at", now)
    return _event(
        ticket=ticket,
        verb=TicketEvent.Verb.SLA_BREACHED,
        now=now,
        payload={"target": target, "due_at": _iso(due_at), **_user_payload(lead)},
    )


def progress_slot(due_at: datetime) -> str:
    """The outbox slot of the progress update due at `due_at`: one message per due time."""
    return "sla-" + due_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _progress(*, ticket: Ticket, due_at: datetime, now: datetime) -> TicketEvent:
    """Queue the customer's progress message and remind the owner, then set the next due.

    After an outage several updates may have been missed: the customer gets one message
    (not a burst of identical ones), and the rhythm resumes from the schedule, not from now,
    so the promise "every 4 hours" keeps its original times.
    """
    message = message_queue(
        ticket=ticket, kind=MessageKind.PROGRESS, slot=progress_slot(due_at), now=now
    )
    missed, next_due = 0, due_at
    while next_due is not None and next_due <= now:
        next_due = progress_due_after(tier=ticket.tier, after=next_due)
        missed += 1
    ticket.next_progress_due_at = next_due
    return _event(
        ticket=ticket,
        verb=TicketEvent.Verb.PROGRESS_DUE,
        now=now,
        payload={
            "due_at": _iso(due_at),
            "message_id": message.pk,
            "missed_slots": missed - 1,
            "next_due_at": _iso(next_due),
            **_user_payload(ticket.owner),
        },
    )


def _callback(*, ticket: Ticket, due_at: datetime, now: datetime) -> TicketEvent:
    """The satisfaction callback falls due: the customer gets the survey link, and an L1/L2
    ticket an agent's call as well (feedback.services.callback_due; once per resolution)."""
    created = callback_due(ticket=ticket, due_at=due_at, now=now)
    ticket.callback_queued_at = now
    return _event(
        ticket=ticket,
        verb=TicketEvent.Verb.CALLBACK_DUE,
        now=now,
        payload={**created, "due_at": _iso(due_at), **_user_payload(ticket.owner)},
    )
