"""Intake: the one way a ticket is born. Every channel is a thin adapter onto complaint_register."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.db import PreparedStatement
from feedback.services import message_queue
from intake.attachments import attachments_add
from intake.models import Call, Submission
from intake.triage import TriageInput, triage
from sla.policy import deadlines_for
from sla.services import sla_columns
from tickets.models import (
    OPEN_STATUSES,
    Customer,
    DutyShift,
    Product,
    Store,
    Tag,
    Team,
    Ticket,
    TicketEvent,
    TicketTag,
    User,
)
from tickets.phones import phone_normalise
from tickets.services import (
    NUMBER_SEQUENCE,
    customer_get_or_create,
    ticket_assign,
    ticket_event_write,
    ticket_number_next,
    ticket_number_prefix,
)

logger = logging.getLogger(__name__)
DESCRIPTION_MAX = 5000


@dataclass
class Complaint:
    """The standard ticket's content, as any channel hands it over."""

    channel: str
    customer_name: str
    phone: str
    description: str
    product_model: str = ""
    external_ref: str | None = None
    batch: str = ""
    purchase_date: date | None = None
    scene: str = ""
    symptom: str = ""
    frequency: str = ""
    tried: str = ""
    description_confirmed: bool = False
    confirmed_via: str = ""
    customer_urgency: str = Ticket.Urgency.NORMAL
    # None: triage decides. A channel (or an integration) may set them explicitly.
    tier: str | None = None
    category: str | None = None
    tags: list[Tag] | None = None
    store: Store | None = None
    received_at: datetime | None = None


@dataclass(frozen=True)
class Registration:
    ticket: Ticket
    created: bool


def complaint_validate(complaint: Complaint) -> str:
    """Return the E.164 phone; raise ValidationError naming every offending field."""
    errors: dict[str, list[str]] = {}
    try:
        phone = phone_normalise(complaint.phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
        phone = ""
    if not complaint.customer_name.strip():
        errors["customer_name"] = [_("Enter the customer's name.")]
    if not complaint.description.strip():
        errors["description"] = [_("Describe the problem.")]
    elif len(complaint.description) > DESCRIPTION_MAX:
        errors["description"] = [
            _("Keep the description under %(max)d characters.") % {"max": DESCRIPTION_MAX}
        ]
    if complaint.channel not in Ticket.Channel.values:
        errors["channel"] = [_("Unknown channel.")]
    if (
        complaint.description_confirmed
        and complaint.confirmed_via not in Ticket.ConfirmedVia.values
    ):
        errors["confirmed_via"] = [_("Say how the customer confirmed the description.")]
    if errors:
        raise ValidationError(errors)
    return phone


def _existing(complaint: Complaint) -> Ticket | None:
    if not complaint.external_ref:
        return None
    return Ticket.objects.filter(
        channel=complaint.channel, external_ref=complaint.external_ref
    ).first()


def complaint_register(
    *,
    complaint: Complaint,
    actor: User | None,
    now: datetime | None = None,
    number: str | None = None,
) -> Registration:
    """Turn a complaint into a ticket, once.

    1. Validate; a retry with the same (channel, external_ref) returns the first ticket.
    2. Find or create the customer by phone; link the product or keep the model text.
    3. Set the tier's deadlines, create the ticket (under `number` when one was reserved for
       it, see submission_accept) and its tags, write the "created" event.
    A concurrent duplicate loses the race on the unique constraint and gets the winner's ticket.
    """
    now = now or timezone.now()
    phone = complaint_validate(complaint)
    if existing := _existing(complaint):
        return Registration(ticket=existing, created=False)
    try:
        with transaction.atomic():
            ticket = _create(complaint=complaint, phone=phone, actor=actor, now=now, number=number)
    except IntegrityError:
        if existing := _existing(complaint):
            return Registration(ticket=existing, created=False)
        raise
    logger.info("ticket %s registered from %s", ticket.number, ticket.channel)
    return Registration(ticket=ticket, created=True)


@transaction.atomic
def complaint_register_with_files(
    *, complaint: Complaint, uploads: list, actor: User | None, now: datetime | None = None
) -> Registration:
    """The store's walk-in: the ticket and its photos in one transaction, or neither."""
    now = now or timezone.now()
    registration = complaint_register(complaint=complaint, actor=actor, now=now)
    if registration.created:  # a retried POST must not attach the files twice
        attachments_add(ticket=registration.ticket, uploads=uploads, actor=actor, now=now)
    return registration


@transaction.atomic
def complaint_register_during_call(
    *, complaint: Complaint, call: Call | None, actor: User | None, now: datetime | None = None
) -> Registration:
    """The hotline: register, and link the call the agent is on to the ticket."""
    registration = complaint_register(complaint=complaint, actor=actor, now=now)
    if call is not None:
        call_attach(call=call, ticket=registration.ticket, now=now)
    return registration


# What the worker re-reads of a Complaint; store is kept as its id, tags are never submitted.
_SUBMITTED_FIELDS = tuple(
    f.name for f in fields(Complaint) if f.name not in ("store", "tags", "received_at")
)


def _submission_existing(complaint: Complaint) -> Submission | None:
    if not complaint.external_ref:
        return None
    return (
        Submission.objects.filter(channel=complaint.channel, external_ref=complaint.external_ref)
        .select_related("ticket")
        .first()
    )


# One statement, in autocommit: the reserved number (the tickets' sequence, formatted as
# ticket_number_next does), the row, and the retry's answer (no row: the pair exists). No
# BEGIN, no COMMIT, no separate nextval: three round trips fewer on the intake's hot path;
# prepared once per connection, so it is not parsed and planned again for every request.
_SUBMISSION_INSERT = PreparedStatement(
    "submission_insert",
    f"""WITH reserved AS (SELECT nextval('{NUMBER_SEQUENCE}') AS value)
    INSERT INTO {Submission._meta.db_table}
        (number, channel, external_ref, payload, actor_id, state, error, attempts, received_at)
    SELECT $1 || lpad(value::text, greatest(6, length(value::text)), '0'),
           $2, $3, $4, $5, $6, '', 0, $7
    FROM reserved
    ON CONFLICT (channel, external_ref) DO NOTHING
    RETURNING id, number""",  # noqa: S608 - names are ours; every value is a parameter
    ["text", "text", "text", "jsonb", "bigint", "text", "timestamptz"],
)


def submission_accept(
    *, complaint: Complaint, actor: User | None, now: datetime | None = None
) -> tuple[Submission, bool]:
    """Accept a complaint for registration moments later; return it and whether it is new.

    1. Validate it exactly as complaint_register will, so what is accepted gets registered.
    2. Insert it with a reserved ticket number in one statement; the same (channel,
       external_ref) again (a retry, or a concurrent twin) inserts nothing and returns the
       first.
    3. After commit, nudge the worker to drain the submissions (SubmissionNudger); a lost
       nudge is the sweep's.
    Three statements on the request's path (token, permission, insert) instead of the twenty
    of a registration.
    """
    now = now or timezone.now()
    complaint_validate(complaint)
    payload = {name: getattr(complaint, name) for name in _SUBMITTED_FIELDS}
    payload["purchase_date"] = complaint.purchase_date and complaint.purchase_date.isoformat()
    payload["store_id"] = complaint.store.pk if complaint.store else None
    submission = Submission(
        channel=complaint.channel,
        external_ref=complaint.external_ref or None,
        payload=payload,
        actor=actor,
        received_at=now,
    )
    inserted = _SUBMISSION_INSERT.execute(
        [
            ticket_number_prefix(now=now),
            submission.channel,
            submission.external_ref,
            json.dumps(payload, ensure_ascii=False),
            actor.pk if actor else None,
            submission.state,
            now,
        ]
    )
    if not inserted:
        if existing := _submission_existing(complaint):
            return existing, False
        # Its twin vanished between the two statements (deleted): accept this one.
        return submission_accept(complaint=complaint, actor=actor, now=now)
    submission.pk, submission.number = inserted[0]
    transaction.on_commit(_submission_nudge)
    return submission, True


# While submissions stream in, each process publishes at most one drain a window: each
# request would otherwise pay for a Celery publish (or a Redis round trip to ask whether
# another process just did), and one drain registers them all. A commit inside the window
# is owed a drain at the window's end, published by a timer thread of this process: no
# broker-side countdown, nothing held unacked in a worker. A process that dies owing one
# leaves its submissions to the 30 s sweep.
SUBMISSION_NUDGE_SECONDS = 1.0
# One drain's share; what is left waits for the next nudge or the sweep.
SUBMISSION_DRAIN_MAX = 2000


def _submission_drain_publish() -> None:
    from intake.tasks import submissions_drain_task

    try:
        # No publish retries: the caller must not hang on a broker outage.
        submissions_drain_task.apply_async(retry=False)
    except Exception:
        logger.warning("could not nudge the submission drain; the sweeper will", exc_info=True)


class SubmissionNudger:
    """One process's drain publisher: now, or at the end of the window the last one opened."""

    def __init__(self, window: float = SUBMISSION_NUDGE_SECONDS) -> None:
        self.window = window
        self._lock = threading.Lock()
        self._published_at = float("-inf")  # time.monotonic() of the last publish
        self.owed: threading.Timer | None = None  # armed while a publish is owed

    def __call__(self, *, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            if self.owed is not None:
                return  # the owed publish comes after this commit: it covers it
            wait = self._published_at + self.window - now
            if wait > 0:
                self.owed = threading.Timer(wait, self._publish_owed)
                self.owed.daemon = True
                self.owed.start()
                return
            self._published_at = now
        _submission_drain_publish()

    def _publish_owed(self) -> None:
        with self._lock:
            self.owed = None
            self._published_at = time.monotonic()
        _submission_drain_publish()


_submission_nudge = SubmissionNudger()


def _complaint_from(submission: Submission) -> Complaint:
    payload = submission.payload
    given = {name: payload[name] for name in _SUBMITTED_FIELDS if payload.get(name) is not None}
    if payload.get("purchase_date"):
        given["purchase_date"] = date.fromisoformat(payload["purchase_date"])
    store_id = payload.get("store_id")
    store = Store.objects.filter(pk=store_id).first() if store_id else None
    return Complaint(**given, store=store, received_at=submission.received_at)


def _submission_register_next(*, now: datetime | None) -> Submission | None:
    """Register the oldest pending submission no other worker holds; None when none is left.

    The ticket gets the reserved number and its deadlines count from acceptance. Input the
    world no longer accepts (say, the store was deleted meanwhile) marks it failed, named.
    """
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state=Submission.State.PENDING)
            .select_related("actor")
            .order_by("received_at", "pk")
            .first()
        )
        if submission is None:
            return None
        now = now or timezone.now()
        submission.attempts += 1
        try:
            with transaction.atomic():
                registration = complaint_register(
                    complaint=_complaint_from(submission),
                    actor=submission.actor,
                    now=now,
                    number=submission.number,
                )
        except ValidationError as exc:
            submission.state = Submission.State.FAILED
            submission.error = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
            )
            logger.error("submission %s failed: %s", submission.number, submission.error)
        else:
            submission.state = Submission.State.REGISTERED
            submission.ticket = registration.ticket
            submission.registered_at = now
        submission.save(update_fields=["state", "ticket", "error", "attempts", "registered_at"])
    return submission


def submissions_drain(*, now: datetime | None = None) -> int:
    """Register pending submissions, oldest first, each once however many workers drain;
    return how many were worked (at most SUBMISSION_DRAIN_MAX)."""
    worked = 0
    while worked < SUBMISSION_DRAIN_MAX and _submission_register_next(now=now):
        worked += 1
    return worked


REPEAT_WINDOW = timedelta(days=30)


def _repeat_of(
    *, customer: Customer, product: Product | None, category: str, received_at: datetime
) -> Ticket | None:
    """The customer's latest ticket on the same product and category within 30 days."""
    # Only a known product can repeat: model text the customer typed cannot be compared. A
    # usage question after a repair of the same washing machine is a new problem, not a repeat.
    if product is None or customer.pk is None:
        return None
    return (
        Ticket.objects.filter(
            customer=customer,
            product=product,
            category=category,
            received_at__gte=received_at - REPEAT_WINDOW,
            received_at__lte=received_at,
        )
        .order_by("-received_at")
        .first()
    )


def _on_duty_owner(team: Team | None, *, now: datetime | None = None) -> User | None:
    """The team's member on duty today with the fewest open tickets (ties: longest-serving).

    On duty: on the team's roster (DutyShift) for today's Shanghai date; a team with nobody
    rostered today falls back to its members marked on_duty. One query either way.
    """
    if team is None:
        return None
    today = timezone.localdate(now or timezone.now(), timezone.get_default_timezone())
    can_own = User.objects.filter(
        groups__permissions__codename="transition_ticket",
        groups__permissions__content_type__app_label="tickets",
    ).values("pk")
    rostered = DutyShift.objects.filter(team=team, date=today)
    on_duty = Q(pk__in=rostered.values("user_id")) | (Q(on_duty=True) & ~Exists(rostered))
    return (
        User.objects.filter(on_duty, teams=team, is_active=True, pk__in=can_own)
        .annotate(
            open_load=Count("owned_tickets", filter=Q(owned_tickets__status__in=OPEN_STATUSES))
        )
        .order_by("open_load", "pk")
        .first()
    )


def _create(
    *, complaint: Complaint, phone: str, actor: User | None, now: datetime, number: str | None
) -> Ticket:
    """1. Customer, product. 2. Triage, repeat link. 3. Ticket, tags, event. 4. Owner."""
    customer = customer_get_or_create(name=complaint.customer_name, phone_e164=phone)
    model_text = complaint.product_model.strip()
    product = Product.objects.filter(model_code__iexact=model_text).first() if model_text else None
    received_at = complaint.received_at or now
    # The category is triage's, and a repeat raises triage's tier: triage, look for the
    # repeat in that category, and triage once more only when there is one (the category
    # does not depend on the repeat, only the tier does).
    decision = _triage(complaint, is_vip=customer.is_vip, is_repeat=False)
    repeat_of = _repeat_of(
        customer=customer, product=product, category=decision.category, received_at=received_at
    )
    if repeat_of is not None:
        decision = _triage(complaint, is_vip=customer.is_vip, is_repeat=True)
    deadlines = deadlines_for(tier=decision.tier, received_at=received_at)
    team = next((tag.team for tag in decision.tags if tag.team_id), None)
    ticket = Ticket.objects.create(
        number=number or ticket_number_next(now=received_at),
        channel=complaint.channel,
        external_ref=complaint.external_ref or None,
        customer=customer,
        product=product,
        product_model_text=model_text,
        batch=complaint.batch.strip(),
        purchase_date=complaint.purchase_date,
        description=complaint.description.strip(),
        scene=complaint.scene.strip(),
        symptom=complaint.symptom.strip(),
        frequency=complaint.frequency.strip(),
        tried=complaint.tried.strip(),
        description_confirmed=complaint.description_confirmed,
        confirmed_via=complaint.confirmed_via if complaint.description_confirmed else "",
        customer_urgency=complaint.customer_urgency,
        tier=decision.tier,
        category=decision.category,
        triage_reasons=decision.reasons,
        repeat_of=repeat_of,
        store=complaint.store,
        team=team,
        registered_by=actor,
        received_at=received_at,
        **sla_columns(deadlines),
    )
    TicketTag.objects.bulk_create(
        TicketTag(ticket=ticket, tag=tag, source=decision.tag_source, state=decision.tag_state)
        for tag in decision.tags
    )
    ticket_event_write(
        ticket=ticket,
        verb=TicketEvent.Verb.CREATED,
        actor=actor,
        at=now,
        to_status=ticket.status,
        payload={
            "channel": ticket.channel,
            "unknown_product": bool(model_text and not product),
            "repeat_of": repeat_of.number if repeat_of else None,
            "reasons": decision.reasons,
        },
    )
    # L1 promises a named specialist within the hour, so it always gets an owner now.
    wants_owner = team is not None and (team.auto_assign or ticket.tier == Ticket.Tier.L1)
    if wants_owner and (owner := _on_duty_owner(team, now=now)):
        ticket_assign(ticket=ticket, owner=owner, actor=None, now=now)
        ticket.owner = owner  # keep this instance: its related rows are loaded already
    # In this transaction: a rolled-back ticket leaves no message; sent after commit.
    message_queue(ticket=ticket, kind="acknowledgement", now=now)
    return ticket


@dataclass(frozen=True)
class _Decision:
    tier: str
    category: str
    tags: list[Tag]
    reasons: list[str]
    tag_source: str
    tag_state: str


def _triage(complaint: Complaint, *, is_vip: bool, is_repeat: bool) -> _Decision:
    """Triage the text; what the channel set explicitly (an integration, an import) wins."""
    result = triage(
        TriageInput(
            description=complaint.description,
            scene=complaint.scene,
            symptom=complaint.symptom,
            tried=complaint.tried,
            product_model=complaint.product_model,
            urgency_self=complaint.customer_urgency,
            is_vip=is_vip,
            is_repeat=is_repeat,
        )
    )
    reasons = list(result.reasons)
    if complaint.tier and complaint.tier != result.tier:
        reasons.append(f"渠道指定分级 → {complaint.tier}")
    manual = complaint.tags is not None
    return _Decision(
        tier=complaint.tier or result.tier,
        category=complaint.category or result.category,
        tags=list(complaint.tags) if manual else list(result.tags),
        reasons=reasons,
        tag_source=TicketTag.Source.AGENT if manual else TicketTag.Source.AUTO,
        tag_state=TicketTag.State.CONFIRMED if manual else TicketTag.State.SUGGESTED,
    )


@dataclass(frozen=True)
class CallEvent:
    """One event from the call centre: the call started (rang), was answered, or ended."""

    vendor: str
    call_id: str
    event: str  # "started" | "answered" | "ended"
    occurred_at: datetime
    caller: str = ""
    callee: str = ""
    agent_username: str = ""
    recording_url: str = ""
    direction: str = Call.Direction.INBOUND


@transaction.atomic
def call_event_record(*, event: CallEvent) -> Call:
    """Upsert the call by (vendor, call id); repeated and out-of-order events are harmless.

    Each timestamp keeps the value of its own event kind, so an "ended" that arrives before
    "started" fills ended_at and the late "started" still fills started_at; a repeat of an
    event writes the same values again.
    """
    Call.objects.get_or_create(vendor=event.vendor, call_id=event.call_id)
    call = Call.objects.select_for_update().get(vendor=event.vendor, call_id=event.call_id)
    field = {"started": "started_at", "answered": "answered_at", "ended": "ended_at"}[event.event]
    first_of_its_kind = getattr(call, field) is None
    if first_of_its_kind:
        setattr(call, field, event.occurred_at)
    # A call first heard of by its answer or end still rang, no later than that; a late
    # "started" event then moves the start back to the true ring time.
    earliest = min(t for t in (call.started_at, call.answered_at, call.ended_at) if t)
    if field == "started_at":
        earliest = min(earliest, event.occurred_at)
    call.started_at = earliest
    call.caller = call.caller or _phone_or_raw(event.caller)
    call.callee = call.callee or event.callee
    call.direction = event.direction
    call.recording_url = event.recording_url or call.recording_url
    if event.agent_username and call.agent_id is None:
        call.agent = User.objects.filter(username=event.agent_username, is_active=True).first()
    call.save()
    if call.ticket_id and field == "ended_at" and first_of_its_kind:
        _call_attach_event(call=call, ticket=call.ticket, at=event.occurred_at)
    return call


def _phone_or_raw(raw: str) -> str:
    try:
        return phone_normalise(raw)
    except ValidationError:
        return raw.strip()[:40]


def _call_attach_event(*, call: Call, ticket: Ticket, at: datetime) -> None:
    ticket_event_write(
        ticket=ticket,
        verb=TicketEvent.Verb.CALL,
        actor=call.agent,
        at=at,
        payload={
            "vendor": call.vendor,
            "call_id": call.call_id,
            "duration_seconds": call.duration_seconds,
            "recording_url": call.recording_url,
        },
    )


@transaction.atomic
def call_attach(*, call: Call, ticket: Ticket, now: datetime | None = None) -> Call:
    """Link a call to the ticket registered during it; a second attach changes nothing."""
    now = now or timezone.now()
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.ticket_id is None:
        call.ticket = ticket
        call.save(update_fields=["ticket", "updated_at"])
        if call.ended_at:
            _call_attach_event(call=call, ticket=ticket, at=now)
    return call
