"""The ticket views: the core module and one per area of the workbench."""

from tickets.views.core import (
    attachment_download,
    customer_reveal,
    saved_filter_create,
    saved_filter_delete,
    ticket_detail,
    ticket_list,
    ticket_or_404,
    ticket_transition,
    ticket_wechat_reply,
)

__all__ = [
    "attachment_download",
    "customer_reveal",
    "saved_filter_create",
    "saved_filter_delete",
    "ticket_detail",
    "ticket_list",
    "ticket_or_404",
    "ticket_transition",
    "ticket_wechat_reply",
]
