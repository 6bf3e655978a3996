"""Intake: the one way a ticket is born. Every channel is a thin adapter onto complaint_register."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sla.policy import deadlines_for
from tickets.models import Product, Store, Tag, Ticket, TicketEvent, TicketTag, User
from tickets.phones import phone_normalise
from tickets.services import customer_get_or_create, ticket_event_write, ticket_number_next

logger = logging.getLogger(__name__)


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


def _validate(complaint: Complaint) -> str:
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
    *, complaint: Complaint, actor: User | None, now: datetime | None = None
) -> Registration:
    """Turn a complaint into a ticket, once.

    1. Validate; a retry with the same (channel, external_ref) returns the first ticket.
    2. Find or create the customer by phone; link the product or keep the model text.
    3. Set the tier's deadlines, create the ticket and its tags, write the "created" event.
    A concurrent duplicate loses the race on the unique constraint and gets the winner's ticket.
    """
    now = now or timezone.now()
    phone = _validate(complaint)
    if existing := _existing(complaint):
        return Registration(ticket=existing, created=False)
    try:
        with transaction.atomic():
            ticket = _create(complaint=complaint, phone=phone, actor=actor, now=now)
    except IntegrityError:
        if existing := _existing(complaint):
            return Registration(ticket=existing, created=False)
        raise
    logger.info("ticket %s registered from %s", ticket.number, ticket.channel)
    return Registration(ticket=ticket, created=True)


def _create(*, complaint: Complaint, phone: str, actor: User | None, now: datetime) -> Ticket:
    customer = customer_get_or_create(name=complaint.customer_name, phone_e164=phone)
    model_text = complaint.product_model.strip()
    product = Product.objects.filter(model_code__iexact=model_text).first() if model_text else None
    received_at = complaint.received_at or now
    tier = complaint.tier or Ticket.Tier.L3
    category = complaint.category or Ticket.Category.QUALITY
    tags = complaint.tags or []
    deadlines = deadlines_for(tier=tier, received_at=received_at)
    ticket = Ticket.objects.create(
        number=ticket_number_next(now=received_at),
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
        tier=tier,
        category=category,
        store=complaint.store,
        team=next((tag.team for tag in tags if tag.team_id), None),
        received_at=received_at,
        first_contact_due_at=deadlines.first_contact_due_at,
        resolve_due_at=deadlines.resolve_due_at,
    )
    TicketTag.objects.bulk_create(
        TicketTag(
            ticket=ticket,
            tag=tag,
            source=TicketTag.Source.AGENT,
            state=TicketTag.State.CONFIRMED if actor else TicketTag.State.SUGGESTED,
        )
        for tag in tags
    )
    ticket_event_write(
        ticket=ticket,
        verb=TicketEvent.Verb.CREATED,
        actor=actor,
        at=now,
        to_status=ticket.status,
        payload={"channel": ticket.channel, "unknown_product": bool(model_text and not product)},
    )
    return ticket
