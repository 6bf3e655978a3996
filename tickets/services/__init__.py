"""The ticket services: the core module and one per area of the workbench."""

from tickets.services.core import (
    NUMBER_SEQUENCE,
    RevealedContact,
    customer_get_or_create,
    customer_reveal,
    saved_filter_create,
    saved_filter_delete,
    ticket_assign,
    ticket_event_write,
    ticket_number_next,
    ticket_number_prefix,
    ticket_tag_review,
    ticket_transition,
)

__all__ = [
    "NUMBER_SEQUENCE",
    "RevealedContact",
    "customer_get_or_create",
    "customer_reveal",
    "saved_filter_create",
    "saved_filter_delete",
    "ticket_assign",
    "ticket_event_write",
    "ticket_number_next",
    "ticket_number_prefix",
    "ticket_tag_review",
    "ticket_transition",
]
