"""Writes on the ticket core. Each is one intent, keyword-only, atomic, and writes its event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.errors import DomainError, IllegalTransition, PermissionDeniedError, StaleTicket
from tickets.models import (
    ALLOWED_TRANSITIONS,
    Customer,
    SavedFilter,
    Ticket,
    TicketEvent,
    TicketTag,
    User,
)

NUMBER_SEQUENCE = "tickets_ticket_number_seq"


def ticket_number_prefix(*, now: datetime) -> str:
    return f"SH-{timezone.localtime(now):%Y%m%d}-"


def ticket_number_next(*, now: datetime) -> str:
    """SH-<local date>-<6-digit value of a database sequence>: unique without a table lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [NUMBER_SEQUENCE])
        (value,) = cursor.fetchone()
    return f"{ticket_number_prefix(now=now)}{value:06d}"


def ticket_event_write(
    *,
    ticket: Ticket,
    verb: str,
    actor: User | None,
    at: datetime,
    from_status: str = "",
    to_status: str = "",
    payload: dict[str, Any] | None = None,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        verb=verb,
        actor=actor,
        at=at,
        from_status=from_status,
        to_status=to_status,
        payload=payload or {},
    )


@transaction.atomic
def customer_get_or_create(*, name: str, phone_e164: str) -> Customer:
    """One customer per phone; a known customer keeps the name on file."""
    customer, _created = Customer.objects.get_or_create(
        phone=phone_e164, defaults={"name": name.strip()}
    )
    return customer


# What a transition records on the ticket besides its status, when it first happens.
_MILESTONES = {
    Ticket.Status.CONTACTED: "first_contacted_at",
    Ticket.Status.RESOLVED: "resolved_at",
    Ticket.Status.CLOSED: "closed_at",
}


@transaction.atomic
def ticket_transition(
    *,
    ticket: Ticket,
    to_status: str,
    actor: User | None,
    note: str = "",
    now: datetime | None = None,
    seen_updated_at: datetime | None = None,
) -> Ticket:
    """Move a ticket along its lifecycle.

    1. Check the actor may (None is the system itself, e.g. a Celery task).
    2. Lock the row and re-read its status; repeating the current status is a no-op.
       The fresh, locked instance is returned; the one passed in is not updated.
       A caller that says which version it saw (`seen_updated_at`, a form's or an API
       client's) and lost a race gets StaleTicket (HTTP 409), never a lost update.
    3. Refuse anything ALLOWED_TRANSITIONS does not list (IllegalTransition → HTTP 409).
    4. Let sla.services.sla_on_transition move the clocks (pause, resume, resolve, reopen).
    5. Save status, milestone and clocks with update_fields, and write the event, in one
       transaction.
    """
    now = now or timezone.now()
    if to_status not in Ticket.Status.values:
        raise IllegalTransition(ticket.status, to_status)
    if actor is not None and not actor.has_perm("tickets.transition_ticket"):
        raise PermissionDeniedError(_("You may not change the status of tickets."))
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    from_status = locked.status
    if from_status == to_status:
        return locked
    if seen_updated_at is not None and seen_updated_at != locked.updated_at:
        raise StaleTicket()
    if to_status not in ALLOWED_TRANSITIONS[from_status]:
        raise IllegalTransition(from_status, to_status)

    locked.status = to_status
    fields = ["status", "updated_at"]
    milestone = _MILESTONES.get(to_status)
    if milestone and getattr(locked, milestone) is None:
        setattr(locked, milestone, now)
        fields.append(milestone)
    if to_status == Ticket.Status.REOPENED:
        locked.reopen_count += 1
        locked.resolved_at = None
        fields += ["reopen_count", "resolved_at"]
    # Imported here: sla.services builds on this module (events, the outbox).
    from sla.services import sla_on_transition

    sla_fields, sla_record = sla_on_transition(
        ticket=locked, from_status=from_status, to_status=to_status, now=now
    )
    locked.save(update_fields=fields + sla_fields)
    payload = {"note": note} if note else {}
    if sla_record:
        payload["sla"] = sla_record
    ticket_event_write(
        ticket=locked,
        verb=TicketEvent.Verb.TRANSITIONED,
        actor=actor,
        at=now,
        from_status=from_status,
        to_status=to_status,
        payload=payload,
    )
    return locked


@dataclass(frozen=True)
class RevealedContact:
    name: str
    phone: str


@transaction.atomic
def customer_reveal(*, ticket: Ticket, actor: User, now: datetime | None = None) -> RevealedContact:
    """Show the full name and phone to a user allowed to see them, and record that they did."""
    now = now or timezone.now()
    if not actor.has_perm("tickets.reveal_customer"):
        raise PermissionDeniedError(_("You may not reveal customers' personal data."))
    ticket_event_write(ticket=ticket, verb=TicketEvent.Verb.CUSTOMER_REVEALED, actor=actor, at=now)
    customer = ticket.customer
    return RevealedContact(name=customer.name, phone=customer.phone)


@transaction.atomic
def ticket_assign(
    *, ticket: Ticket, owner: User, actor: User | None, now: datetime | None = None
) -> Ticket:
    """Give the ticket its one accountable owner.

    Leads and managers (change_ticket) assign anyone; a worker (transition_ticket) may take
    a ticket for themself. Assigning the current owner again is a no-op.
    """
    now = now or timezone.now()
    taking_it = actor is not None and actor.pk == owner.pk
    if actor is not None and not (
        actor.has_perm("tickets.change_ticket")
        or (taking_it and actor.has_perm("tickets.transition_ticket"))
    ):
        raise PermissionDeniedError(_("You may not assign tickets."))
    if not owner.is_active or not owner.has_perm("tickets.transition_ticket"):
        raise DomainError(_("%(user)s cannot own tickets.") % {"user": owner})
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if locked.owner_id == owner.pk:
        return locked
    previous = locked.owner_id
    locked.owner = owner
    locked.save(update_fields=["owner", "updated_at"])
    ticket_event_write(
        ticket=locked,
        verb=TicketEvent.Verb.ASSIGNED,
        actor=actor,
        at=now,
        payload={"from_owner": previous, "to_owner": owner.pk, "to_owner_name": str(owner)},
    )
    return locked


@transaction.atomic
def ticket_tag_review(
    *, ticket_tag: TicketTag, confirmed: bool, actor: User, now: datetime | None = None
) -> TicketTag:
    """A person confirms or rejects a tag; the row is kept so auto-tag precision can be told.

    Reviewing again with the same verdict is a no-op; a changed mind is recorded as such.
    """
    now = now or timezone.now()
    if not actor.has_perm("tickets.transition_ticket"):
        raise PermissionDeniedError(_("You may not review tags."))
    locked = TicketTag.objects.select_for_update().get(pk=ticket_tag.pk)
    state = TicketTag.State.CONFIRMED if confirmed else TicketTag.State.REJECTED
    if locked.state == state:
        return locked
    previous = locked.state
    locked.state, locked.reviewed_by, locked.reviewed_at = state, actor, now
    locked.save(update_fields=["state", "reviewed_by", "reviewed_at"])
    ticket_event_write(
        ticket=locked.ticket,
        verb=TicketEvent.Verb.TAG_REVIEWED,
        actor=actor,
        at=now,
        payload={"tag": str(locked.tag), "from": previous, "to": state, "source": locked.source},
    )
    return locked


@transaction.atomic
def saved_filter_create(*, user: User, name: str, query: str) -> SavedFilter:
    """Keep the list's query under a name; a name already taken is a domain error."""
    if SavedFilter.objects.filter(user=user, name=name).exists():
        raise DomainError(_("You already have a saved filter with this name."))
    return SavedFilter.objects.create(user=user, name=name, query=query)


@transaction.atomic
def saved_filter_delete(*, user: User, pk: int) -> bool:
    """Delete one of the user's own saved filters; someone else's is never touched."""
    deleted, _rows = SavedFilter.objects.filter(user=user, pk=pk).delete()
    return deleted > 0
