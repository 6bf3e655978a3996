from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext

from tickets.models import Ticket, TicketTag
from tickets.services.work import CallOutcome

register = template.Library()


@register.simple_tag
def now_aware():
    """The request's one reading of the clock, for countdowns on a page."""
    return timezone.now()


@register.filter
def sla_state(ticket: Ticket, now) -> str:
    return ticket.sla_state(now)


@register.filter
def status_label(code: str) -> str:
    return Ticket.Status(code).label if code in Ticket.Status.values else code


# The timeline's filters (the work area): a kind per verb, and labels for payload codes.
TIMELINE_KINDS = {
    "note": "note",
    "call": "call",
    "message": "message",
    "transitioned": "status",
    "created": "status",
    "assigned": "status",
}


@register.filter
def timeline_kind(verb: str) -> str:
    """note, call, message, status, or other: what the timeline's filter buttons select."""
    return TIMELINE_KINDS.get(verb, "other")


@register.filter
def call_outcome_label(code: str) -> str:
    return CallOutcome(code).label if code in CallOutcome.values else code


@register.filter
def tier_label(code: str) -> str:
    return Ticket.Tier(code).label if code in Ticket.Tier.values else code


@register.filter
def tag_state_label(code: str) -> str:
    return TicketTag.State(code).label if code in TicketTag.State.values else code


@register.filter
def sla_target_label(code: str) -> str:
    labels = {"first_contact": gettext("First contact due"), "resolve": gettext("Resolution due")}
    return labels.get(code, code)


@register.filter
def iso_datetime(value: str | None):
    """A payload's ISO 8601 string as a datetime, for the date filter; anything else as is."""
    try:
        return datetime.fromisoformat(value) if value else value
    except (TypeError, ValueError):
        return value
