"""Keep bearer links out of the logs: a customer's survey link (/s/<token>/) lets whoever holds
it answer, so neither Django's logs nor gunicorn's access log may print it."""

from __future__ import annotations

import logging
import re

# The survey route with its token ("<id>.<nonce>:<signature>", all base64url and digits).
LINK_PATH = re.compile(r"/s/[A-Za-z0-9_.:-]+")
REDACTED = "/s/【评价链接】"


def links_redact(text: str) -> str:
    """The text with every survey token blanked: for logs and anything else staff read."""
    return LINK_PATH.sub(REDACTED, text)


class LinkRedactingFilter(logging.Filter):
    """Blanks survey tokens in any record (Django logs the path of a 4xx request and of a
    failed CSRF check); settings.LOGGING puts it on the console handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/s/" in message:
            record.msg, record.args = links_redact(message), None
        return True
