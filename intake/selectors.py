"""Reads for the channels: the caller's history and the call ringing at an agent's desk."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet

from intake.models import Call
from tickets.models import Ticket, User
from tickets.selectors import ticket_list_for_user

RINGING_WINDOW = timedelta(minutes=10)


def caller_history(*, user: User, phone_e164: str, limit: int = 10) -> QuerySet[Ticket]:
    """The caller's earlier tickets that this user may see, newest first."""
    return (
        ticket_list_for_user(user=user)
        .filter(customer__phone=phone_e164)
        .order_by("-received_at")[:limit]
    )


def ringing_call_for(*, agent: User, now: datetime) -> Call | None:
    """The newest call routed to this agent that is live or just ended and has no ticket yet."""
    return (
        Call.objects.filter(agent=agent, ticket__isnull=True, started_at__gte=now - RINGING_WINDOW)
        .order_by("-started_at")
        .first()
    )


def ticket_for_status_lookup(*, number: str, phone_e164: str) -> Ticket | None:
    """The public status lookup: one query for both misses (unknown number, wrong phone),
    so the answer reveals neither."""
    return Ticket.objects.filter(number=number, customer__phone=phone_e164).first()
