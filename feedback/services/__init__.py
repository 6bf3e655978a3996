"""Writes of the feedback app: the outbox (outbox.py) and closing the loop (loop.py)."""

from feedback.services.loop import (
    SurveyClosed,
    callback_due,
    callback_record,
    second_handling_leads,
    survey_answer,
    survey_send,
    surveys_unanswered_sweep,
)
from feedback.services.outbox import (
    DUE_STATUSES,
    HANDED_OVER,
    PRIVATE_MARK,
    Receipt,
    message_dispatch_due,
    message_queue,
    message_receipt_record,
    message_send,
)

__all__ = [
    "DUE_STATUSES",
    "HANDED_OVER",
    "PRIVATE_MARK",
    "Receipt",
    "SurveyClosed",
    "callback_due",
    "callback_record",
    "message_dispatch_due",
    "message_queue",
    "message_receipt_record",
    "message_send",
    "second_handling_leads",
    "survey_answer",
    "survey_send",
    "surveys_unanswered_sweep",
]
