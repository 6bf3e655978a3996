"""Where a message leaves the building: log (default), Aliyun SMS or Tencent Cloud SMS.

A backend sends one message and returns the provider's message id, or raises one of the
errors below; message_send turns each into a status. Backends read settings when called, so
a test's settings override (and a local fake server's URL) applies at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from feedback.models import CustomerMessage

BACKENDS = {
    "log": "feedback.backends.log.LogBackend",
    "aliyun": "feedback.backends.aliyun.AliyunSmsBackend",
    "tencent": "feedback.backends.tencent.TencentSmsBackend",
    "wechat": "intake.wechat.delivery.WechatOutboxBackend",
}
# Channels that can reach their customers in the channel itself: the router picks the
# backend for each attempt, or None for the SMS backend (OUTBOX_BACKEND).
CHANNEL_ROUTERS = {
    "wechat": "intake.wechat.delivery.outbox_route",
}


class BackendError(Exception):
    def __init__(self, code: str, detail: str = ""):
        self.code, self.detail = code, detail
        super().__init__(f"{code}: {detail}" if detail else code)


class TemporaryFailure(BackendError):
    """Worth retrying: network, provider outage, anything not known to be permanent."""


class PermanentFailure(BackendError):
    """Retrying this message can never help: a bad number, a rejected template."""


class ProviderRateLimited(BackendError):
    """The provider's own per-number cap; try again later, not a failed attempt."""

    def __init__(self, code: str, detail: str = "", retry_after: timedelta | None = None):
        super().__init__(code, detail)
        self.retry_after = retry_after


class Backend(Protocol):
    def send(self, message: CustomerMessage, *, now: datetime) -> str: ...


def backend_get(name: str) -> Backend:
    try:
        path = BACKENDS[name]
    except KeyError:
        raise PermanentFailure("unknown_backend", name) from None
    return import_string(path)()


def backend_for(message: CustomerMessage, *, now: datetime) -> str:
    """The backend for this attempt: the ticket's channel's choice, else OUTBOX_BACKEND."""
    router = CHANNEL_ROUTERS.get(message.ticket.channel)
    chosen = import_string(router)(message, now=now) if router else None
    return chosen or settings.OUTBOX_BACKEND


def template_code(mapping_setting: str, key: str) -> str:
    """The provider's pre-approved template for our template key, from settings."""
    try:
        return getattr(settings, mapping_setting)[key]
    except KeyError:
        raise PermanentFailure("no_template", f"{mapping_setting} has no entry for {key}") from None
