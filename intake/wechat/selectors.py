"""Reads of the WeChat channel: the thread an agent sees on a WeChat ticket's page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Subquery

from intake.models import (
    REPLY_WINDOW_MESSAGES,
    WechatConversation,
    WechatCredentials,
    WechatMessage,
)
from tickets.models import Ticket


@dataclass(frozen=True)
class Credentials:
    corp_id: str
    token: str
    aes_key: str
    secret: str

    @property
    def callback_ready(self) -> bool:
        return bool(self.corp_id and self.token and self.aes_key)


def wechat_credentials() -> Credentials:
    """The environment's WECHAT_WORK_* settings, each overridden by admin's non-empty field.

    One small query per call: callbacks and API calls are rare enough, and a key rotated in
    admin takes effect on the next request in every process.
    """
    row = WechatCredentials.objects.filter(pk=1).first()
    return Credentials(
        corp_id=(row and row.corp_id) or settings.WECHAT_WORK_CORP_ID,
        token=(row and row.token) or settings.WECHAT_WORK_TOKEN,
        aes_key=(row and row.aes_key) or settings.WECHAT_WORK_AES_KEY,
        secret=(row and row.secret) or settings.WECHAT_WORK_SECRET,
    )


def conversation_for_ticket(ticket: Ticket, *, lock: bool = False) -> WechatConversation | None:
    """The conversation a WeChat ticket came from (its messages carry the ticket).

    lock=True takes its row lock (call in a transaction): the window's count lives on it.
    """
    pks = WechatMessage.objects.filter(ticket=ticket).values("conversation_id")[:1]
    queryset = WechatConversation.objects.filter(pk__in=Subquery(pks))
    return (queryset.select_for_update() if lock else queryset).first()


@dataclass(frozen=True)
class WechatThread:
    messages: list[WechatMessage]
    window_open: bool
    window_closes_at: datetime | None
    # What send_msg may still carry before the customer writes again.
    messages_left: int


def wechat_thread_for_ticket(*, ticket: Ticket, now: datetime) -> WechatThread | None:
    """The ticket's WeChat messages, oldest first, and whether a reply can still go by WeChat."""
    if ticket.channel != Ticket.Channel.WECHAT:
        return None
    conversation = conversation_for_ticket(ticket)
    messages = list(
        WechatMessage.objects.filter(ticket=ticket).select_related("author").order_by("at", "pk")
    )
    if conversation is None:
        return WechatThread(messages, window_open=False, window_closes_at=None, messages_left=0)
    return WechatThread(
        messages,
        window_open=conversation.window_open(now),
        window_closes_at=conversation.window_closes_at(),
        messages_left=max(REPLY_WINDOW_MESSAGES - conversation.sent_since_customer_message, 0),
    )
