from django import template
from django.utils import timezone

from tickets.models import Ticket

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
