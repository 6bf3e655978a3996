"""The default backend: the message goes to the log (masked phone only) and counts as sent."""

from __future__ import annotations

import logging
from datetime import datetime

from aftersales.log_filters import links_redact
from feedback.models import CustomerMessage

logger = logging.getLogger("feedback.outbox")


class LogBackend:
    def send(self, message: CustomerMessage, *, now: datetime) -> str:
        logger.info(
            "message %s to %s (%s, ticket %s): %s",
            message.pk,
            message.masked_phone,
            message.kind,
            message.ticket.number,
            # The survey link is a bearer token: it must not reach the logs.
            links_redact(message.body),
        )
        return f"log-{message.pk}"
