"""Writes for on-site visits and mail-in repair (寄修).

Each locks the ticket first (then the visit, the engineer or the parcel), so every change
to the field work of one ticket is serialised the same way, bumps the ticket's version
(`updated_at`: a form filled in before is stale) and writes a VISIT or MAIL_IN event in the
same transaction. The ticket's status is never changed here: the agent resolves after the
visit or the repair, through ticket_transition.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from tickets.errors import DomainError, PermissionDeniedError, StaleTicket
from tickets.models import Attachment, EngineerProfile, MailIn, Ticket, TicketEvent, User, Visit
from tickets.selectors.field import (
    BOOKED,
    BOOKING_HORIZON,
    FIELD_WORK_STATUSES,
    can_record_outcome,
    local_day_bounds,
    person_name,
    visit_at_text,
    window_bounds,
)
from tickets.services.core import ticket_event_write

if TYPE_CHECKING:
    from intake.attachments import CheckedUpload


class FieldInputError(DomainError):
    """Input a form can show next to one of its fields (`field`; None: the whole form)."""

    code = "invalid_input"
    http_status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class WrongState(DomainError):
    """The visit or the parcel is no longer where the form found it."""

    code = "wrong_state"
    http_status = 409


M = MailIn.Status
# The parcel's one way: each status has one next step, and some steps need a tracking number.
MAILIN_NEXT: dict[str, str] = {
    M.AWAITING: M.SHIPPED,
    M.SHIPPED: M.RECEIVED,
    M.RECEIVED: M.REPAIRED,
    M.REPAIRED: M.RETURNED,
}
MAILIN_STAMP = {
    M.SHIPPED: "shipped_at",
    M.RECEIVED: "received_at",
    M.REPAIRED: "repaired_at",
    M.RETURNED: "returned_at",
}
MAILIN_TRACKING = {M.SHIPPED: "inbound_tracking", M.RETURNED: "outbound_tracking"}
MAILIN_ACTIVE = frozenset(MAILIN_NEXT)
# The model's labels, but "Received" there is also the ticket's 受理时间 in the catalogue:
# the parcel's statuses get words of their own on screen and in messages.
MAILIN_LABELS = {
    M.AWAITING: _lazy("Waiting for the customer to ship"),
    M.SHIPPED: _lazy("Shipped by the customer"),
    M.RECEIVED: _lazy("Arrived at the repair centre"),
    M.REPAIRED: _lazy("Repaired at the repair centre"),
    M.RETURNED: _lazy("Returned to the customer"),
    M.CANCELLED: _lazy("Mail-in cancelled"),
}
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


def mailin_next(mail_in: MailIn) -> str | None:
    """The one step the parcel can take now; None when it is back or cancelled."""
    return MAILIN_NEXT.get(mail_in.status)


def _ticket_lock(ticket: Ticket, seen_updated_at: datetime | None = None) -> Ticket:
    locked = Ticket.objects.select_for_update().select_related("customer").get(pk=ticket.pk)
    if seen_updated_at is not None and seen_updated_at != locked.updated_at:
        raise StaleTicket()
    return locked


def _ticket_touch(ticket: Ticket) -> None:
    """A new version of the ticket: forms filled in before this change are stale."""
    ticket.save(update_fields=["updated_at"])


def _require_work_status(ticket: Ticket, *, before_contact: str, closed: str) -> None:
    """Field work is arranged with the customer, while the ticket is worked on."""
    if ticket.status == Ticket.Status.NEW:
        raise WrongState(before_contact)
    if ticket.status not in FIELD_WORK_STATUSES:
        raise WrongState(closed % {"status": ticket.get_status_display()})


def _require_worker(actor: User, message: str) -> None:
    if not actor.has_perm("tickets.transition_ticket"):
        raise PermissionDeniedError(message)


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise FieldInputError(message, field=field)
    return value


@transaction.atomic
def visit_schedule(
    *,
    ticket: Ticket,
    engineer: User,
    date: date,
    window: str,
    city: str,
    district: str,
    address: str,
    actor: User,
    now: datetime | None = None,
    seen_updated_at: datetime | None = None,
) -> Visit:
    """Book an engineer for a time window at the customer's address and tell the customer.

    1. Check the actor, the input, and (on the locked ticket) its version and status; a
       ticket has at most one scheduled visit (rescheduling cancels it first).
    2. Lock the engineer's profile row: two agents booking the same engineer queue here, so
       the second sees the first's visit when it counts the day (no double booking).
    3. Refuse a window that has begun, a window the engineer already has, a full day.
    4. Save the visit, the VISIT event and the appointment message (once per visit).
    """
    now = now or timezone.now()
    _require_worker(actor, _("You may not schedule on-site visits."))
    if window not in Visit.Window.values:
        raise FieldInputError(_("Choose a time window."), field="window")
    city = _required(city, "city", _("Give the city."))
    district = (district or "").strip()
    address = _required(address, "address", _("Give the address."))
    if date > timezone.localdate(now, timezone.get_default_timezone()) + BOOKING_HORIZON:
        raise FieldInputError(
            _("Book at most %(days)s days ahead.") % {"days": BOOKING_HORIZON.days}, field="date"
        )
    starts_at, ends_at = window_bounds(day=date, window=window)
    if starts_at <= now:
        raise FieldInputError(
            _("This time window has already begun: choose a later one."), field="window"
        )
    locked = _ticket_lock(ticket, seen_updated_at)
    _require_work_status(
        locked,
        before_contact=_("Contact the customer first: a visit needs a time agreed with them."),
        closed=_("A ticket that is “%(status)s” takes no on-site visit."),
    )
    if locked.visits.filter(status=Visit.Status.SCHEDULED).exists():
        raise WrongState(
            _("This ticket already has a visit scheduled: reschedule or cancel that one.")
        )
    profile = (
        EngineerProfile.objects.select_for_update().filter(user_id=engineer.pk).first()
        if engineer.is_active
        else None
    )
    if profile is None or not profile.is_active:
        raise FieldInputError(
            _("%(name)s does not take on-site visits.") % {"name": engineer}, field="engineer"
        )
    day_start, day_end = local_day_bounds(date)
    # visit_engineer_day (engineer, starts_at) serves this range.
    windows = list(
        Visit.objects.filter(engineer=engineer, starts_at__gte=day_start, starts_at__lt=day_end)
        .filter(BOOKED)
        .values_list("window", flat=True)
    )
    if window in windows:
        raise FieldInputError(
            _("%(name)s already has a visit in this window.") % {"name": engineer},
            field="engineer",
        )
    if len(windows) >= profile.daily_capacity:
        raise FieldInputError(
            _("%(name)s is fully booked that day (%(count)s of %(capacity)s visits).")
            % {"name": engineer, "count": len(windows), "capacity": profile.daily_capacity},
            field="engineer",
        )
    visit = Visit.objects.create(
        ticket=locked,
        engineer=engineer,
        date=date,
        window=window,
        starts_at=starts_at,
        ends_at=ends_at,
        city=city,
        district=district,
        address=address,
        scheduled_by=actor,
        scheduled_at=now,
    )
    _ticket_touch(locked)
    visit_at = visit_at_text(day=date, window=window)
    ticket_event_write(
        ticket=locked,
        verb=TicketEvent.Verb.VISIT,
        actor=actor,
        at=now,
        payload={
            "action": "scheduled",
            "visit": visit.pk,
            "engineer": engineer.pk,
            "to_user_name": str(engineer),
            "visit_at": visit_at,
            "note": f"{visit_at} · {city}{('/' + district) if district else ''}",
        },
    )
    # Imported here: feedback.services builds on tickets.services (events).
    from feedback.models import MessageKind
    from feedback.services import message_queue

    message_queue(
        ticket=locked,
        kind=MessageKind.APPOINTMENT,
        slot=str(visit.pk),
        context={"visit_at": visit_at, "engineer_name": person_name(engineer)},
        now=now,
    )
    return visit


def _visit_lock(visit: Visit) -> tuple[Ticket, Visit]:
    ticket = _ticket_lock(visit.ticket)
    locked = Visit.objects.select_for_update().select_related("engineer").get(pk=visit.pk)
    return ticket, locked


def _require_scheduled(visit: Visit) -> None:
    if visit.status != Visit.Status.SCHEDULED:
        raise WrongState(
            _("This visit is already “%(status)s”.") % {"status": visit.get_status_display()}
        )


@transaction.atomic
def visit_cancel(*, visit: Visit, reason: str, actor: User, now: datetime | None = None) -> Visit:
    """Call off a scheduled visit, saying why; the engineer's window is free again."""
    now = now or timezone.now()
    _require_worker(actor, _("You may not cancel on-site visits."))
    reason = _required(reason, "reason", _("Say why the visit is cancelled."))
    ticket, locked = _visit_lock(visit)
    _require_scheduled(locked)
    locked.status = Visit.Status.CANCELLED
    locked.outcome_note = reason[:500]
    locked.save(update_fields=["status", "outcome_note", "updated_at"])
    _ticket_touch(ticket)
    ticket_event_write(
        ticket=ticket,
        verb=TicketEvent.Verb.VISIT,
        actor=actor,
        at=now,
        payload={"action": "cancelled", "visit": locked.pk, "note": reason},
    )
    return locked


@transaction.atomic
def visit_reschedule(
    *,
    visit: Visit,
    engineer: User,
    date: date,
    window: str,
    city: str,
    district: str,
    address: str,
    reason: str,
    actor: User,
    now: datetime | None = None,
    seen_updated_at: datetime | None = None,
) -> Visit:
    """Cancel the visit and book the new one in one transaction: both or neither.

    The customer gets a new appointment message (one per visit).
    """
    now = now or timezone.now()
    _require_worker(actor, _("You may not schedule on-site visits."))
    reason = _required(reason, "reason", _("Say why the visit moves."))
    # The version is checked before the cancel, which makes a new one.
    _ticket_lock(visit.ticket, seen_updated_at)
    visit_cancel(visit=visit, reason=reason, actor=actor, now=now)
    return visit_schedule(
        ticket=visit.ticket,
        engineer=engineer,
        date=date,
        window=window,
        city=city,
        district=district,
        address=address,
        actor=actor,
        now=now,
    )


def _require_visit_worker(visit: Visit, actor: User) -> None:
    if not can_record_outcome(user=actor, visit=visit):
        raise PermissionDeniedError(_("Only the visit's engineer records its outcome."))


def _photos_check(photos: Sequence[UploadedFile]) -> list[tuple[UploadedFile, CheckedUpload]]:
    """Every photo is checked before anything is stored: one bad file stores nothing."""
    # Imported here: intake.attachments builds on tickets.services (events).
    from intake.attachments import MAX_FILES, attachment_validate

    if len(photos) > MAX_FILES:
        raise FieldInputError(
            _("Attach at most %(max)s photos.") % {"max": MAX_FILES}, field="photos"
        )
    checked_photos = []
    for photo in photos:
        try:
            checked = attachment_validate(photo)
        except ValidationError as exc:
            raise FieldInputError(" ".join(exc.messages), field="photos") from exc
        if checked.content_type not in PHOTO_TYPES:
            raise FieldInputError(
                _("“%(name)s” is not a photo (JPEG, PNG or WebP).") % {"name": photo.name},
                field="photos",
            )
        checked_photos.append((photo, checked))
    return checked_photos


def _photos_store(
    *, visit: Visit, photos: list[tuple[UploadedFile, CheckedUpload]], actor: User
) -> list[Attachment]:
    """Save the checked photos on the visit; files already written go if a later one fails
    (storage is not transactional)."""
    stored: list[Attachment] = []
    try:
        for photo, checked in photos:
            attachment = Attachment(
                ticket_id=visit.ticket_id,
                visit=visit,
                original_name=(photo.name or "")[:255],
                content_type=checked.content_type,
                size=photo.size,
                uploaded_by=actor,
            )
            # The stored name takes the real type's suffix, not the one the phone chose.
            attachment.file.save(f"visit.{checked.suffix}", photo, save=False)
            stored.append(attachment)
            attachment.save()
    except Exception:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return stored


@transaction.atomic
def visit_complete(
    *,
    visit: Visit,
    work_done: str,
    parts_used: str,
    customer_confirmed: bool,
    photos: Sequence[UploadedFile],
    actor: User,
    now: datetime | None = None,
) -> Visit:
    """The engineer records what was done, with photos and the customer's confirmation.

    1. Only the visit's engineer (or a lead, change_ticket), only a scheduled visit.
    2. Check the text, the confirmation and every photo before storing anything.
    3. Save the outcome, the photos (attachments on the visit) and the VISIT event; the
       ticket stays where it is for the agent to resolve.
    """
    now = now or timezone.now()
    _require_visit_worker(visit, actor)
    work_done = _required(work_done, "work_done", _("Say what was done."))
    parts_used = (parts_used or "").strip()
    if len(parts_used) > Visit._meta.get_field("parts_used").max_length:
        raise FieldInputError(_("The parts list is too long."), field="parts_used")
    if not customer_confirmed:
        raise FieldInputError(
            _("Ask the customer to confirm the work before you record it as done."),
            field="customer_confirmed",
        )
    checked_photos = _photos_check(photos)
    ticket, locked = _visit_lock(visit)
    _require_scheduled(locked)
    locked.status = Visit.Status.DONE
    locked.work_done, locked.parts_used = work_done, parts_used
    locked.customer_confirmed, locked.completed_at = True, now
    locked.save(
        update_fields=[
            "status",
            "work_done",
            "parts_used",
            "customer_confirmed",
            "completed_at",
            "updated_at",
        ]
    )
    stored = _photos_store(visit=locked, photos=checked_photos, actor=actor)
    try:
        _ticket_touch(ticket)
        ticket_event_write(
            ticket=ticket,
            verb=TicketEvent.Verb.VISIT,
            actor=actor,
            at=now,
            payload={
                "action": "done",
                "visit": locked.pk,
                "photos": [photo.pk for photo in stored],
                "parts_used": parts_used,
                "customer_confirmed": True,
                "note": work_done,
            },
        )
    except Exception:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return locked


@transaction.atomic
def visit_not_done(*, visit: Visit, reason: str, actor: User, now: datetime | None = None) -> Visit:
    """The engineer went but the work could not be done (nobody home, part missing): why."""
    now = now or timezone.now()
    _require_visit_worker(visit, actor)
    reason = _required(reason, "reason", _("Say why the work could not be done."))
    ticket, locked = _visit_lock(visit)
    _require_scheduled(locked)
    locked.status = Visit.Status.NOT_DONE
    locked.outcome_note, locked.completed_at = reason[:500], now
    locked.save(update_fields=["status", "outcome_note", "completed_at", "updated_at"])
    _ticket_touch(ticket)
    ticket_event_write(
        ticket=ticket,
        verb=TicketEvent.Verb.VISIT,
        actor=actor,
        at=now,
        payload={"action": "not_done", "visit": locked.pk, "note": reason},
    )
    return locked


@transaction.atomic
def mailin_start(
    *,
    ticket: Ticket,
    return_address: str,
    actor: User,
    now: datetime | None = None,
    seen_updated_at: datetime | None = None,
) -> MailIn:
    """Open a mail-in repair: the customer ships the product, we send it back repaired."""
    now = now or timezone.now()
    _require_worker(actor, _("You may not start mail-in repairs."))
    return_address = _required(
        return_address, "return_address", _("Give the address to send the product back to.")
    )
    locked = _ticket_lock(ticket, seen_updated_at)
    _require_work_status(
        locked,
        before_contact=_("Contact the customer first: a mail-in repair needs their agreement."),
        closed=_("A ticket that is “%(status)s” takes no mail-in repair."),
    )
    try:
        # The savepoint keeps the transaction usable if the constraint says no.
        with transaction.atomic():
            mail_in = MailIn.objects.create(
                ticket=locked, return_address=return_address, started_by=actor, started_at=now
            )
    except IntegrityError:
        # mail_in_one_active_per_ticket: the ticket lock makes this a repeat, not a race.
        raise WrongState(_("This ticket already has a mail-in repair under way.")) from None
    _ticket_touch(locked)
    ticket_event_write(
        ticket=locked,
        verb=TicketEvent.Verb.MAIL_IN,
        actor=actor,
        at=now,
        payload={"action": "started", "mail_in": mail_in.pk, "to_status": mail_in.status},
    )
    return mail_in


def _mailin_lock(mail_in: MailIn) -> tuple[Ticket, MailIn]:
    ticket = _ticket_lock(mail_in.ticket)
    return ticket, MailIn.objects.select_for_update().get(pk=mail_in.pk)


@transaction.atomic
def mailin_advance(
    *,
    mail_in: MailIn,
    to_status: str,
    tracking: str = "",
    actor: User,
    now: datetime | None = None,
) -> MailIn:
    """Move the parcel one step: awaiting → shipped → received → repaired → returned.

    Shipping needs the customer's tracking number, returning ours. Repeating the step just
    taken is a no-op (a double click); anything else out of order is refused.
    """
    now = now or timezone.now()
    _require_worker(actor, _("You may not update mail-in repairs."))
    tracking = (tracking or "").strip()
    ticket, locked = _mailin_lock(mail_in)
    if locked.status == to_status:
        return locked
    expected = MAILIN_NEXT.get(locked.status)
    if expected is None:
        raise WrongState(
            _("This mail-in repair is “%(status)s”: nothing more to do.")
            % {"status": MAILIN_LABELS[locked.status]}
        )
    if to_status != expected:
        raise WrongState(
            _("The next step of this mail-in repair is “%(next)s”.")
            % {"next": MAILIN_LABELS[expected]}
        )
    fields = ["status", MAILIN_STAMP[to_status], "updated_at"]
    tracking_field = MAILIN_TRACKING.get(to_status)
    if tracking_field:
        _required(tracking, "tracking", _("Give the tracking number."))
        if len(tracking) > MailIn._meta.get_field(tracking_field).max_length:
            raise FieldInputError(_("This tracking number is too long."), field="tracking")
        setattr(locked, tracking_field, tracking)
        fields.append(tracking_field)
    from_status = locked.status
    locked.status = to_status
    setattr(locked, MAILIN_STAMP[to_status], now)
    locked.save(update_fields=fields)
    _ticket_touch(ticket)
    ticket_event_write(
        ticket=ticket,
        verb=TicketEvent.Verb.MAIL_IN,
        actor=actor,
        at=now,
        payload={
            "action": "advanced",
            "mail_in": locked.pk,
            "from_status": from_status,
            "to_status": to_status,
            "tracking": tracking if tracking_field else "",
            "note": f"{MAILIN_LABELS[to_status]}{' · ' + tracking if tracking_field else ''}",
        },
    )
    return locked


@transaction.atomic
def mailin_cancel(
    *, mail_in: MailIn, reason: str, actor: User, now: datetime | None = None
) -> MailIn:
    """Stop a mail-in repair that is still under way, saying why."""
    now = now or timezone.now()
    _require_worker(actor, _("You may not update mail-in repairs."))
    reason = _required(reason, "reason", _("Say why the mail-in repair is cancelled."))
    ticket, locked = _mailin_lock(mail_in)
    if locked.status not in MAILIN_ACTIVE:
        raise WrongState(
            _("This mail-in repair is already “%(status)s”.")
            % {"status": MAILIN_LABELS[locked.status]}
        )
    from_status = locked.status
    locked.status = M.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    _ticket_touch(ticket)
    ticket_event_write(
        ticket=ticket,
        verb=TicketEvent.Verb.MAIL_IN,
        actor=actor,
        at=now,
        payload={
            "action": "cancelled",
            "mail_in": locked.pk,
            "from_status": from_status,
            "to_status": M.CANCELLED,
            "note": reason,
        },
    )
    return locked
