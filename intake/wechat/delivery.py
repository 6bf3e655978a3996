"""Messages to a WeChat customer: send_msg inside its window, the outbox's SMS outside it.

WeChat lets us answer for 48 hours after the customer's last message, at most 5 messages.
Each message that will go by send_msg takes one of those 5 under the conversation's row lock
before it is sent, so two workers cannot both take the fifth.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from uuid import uuid4

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback.backends import TemporaryFailure
from feedback.models import CustomerMessage, MessageKind
from feedback.services import message_queue
from intake.models import REPLY_WINDOW_MESSAGES, WechatConversation, WechatMessage
from intake.wechat.client import WechatApiError, WechatClient
from intake.wechat.selectors import conversation_for_ticket
from tickets.errors import DomainError, PermissionDeniedError
from tickets.models import Ticket, TicketEvent, User
from tickets.services import ticket_event_write

logger = logging.getLogger(__name__)

Status = WechatMessage.Status
# send_msg takes at most 2048 bytes of text; 600 Chinese characters stay well under it.
REPLY_MAX_CHARS = 600


def _enqueue_send(message_id: int) -> None:
    from intake.tasks import wechat_message_send

    try:
        wechat_message_send.apply_async((message_id,), retry=False)
    except Exception:
        logger.warning("could not enqueue WeChat message %s", message_id, exc_info=True)


def _window_reserve(conversation: WechatConversation, *, now: datetime) -> bool:
    """Take one of the window's messages if it is open (the caller holds the row lock)."""
    if not conversation.window_open(now):
        return False
    conversation.sent_since_customer_message += 1
    conversation.save(update_fields=["sent_since_customer_message", "updated_at"])
    return True


@transaction.atomic
def wechat_reply_queue(
    *,
    conversation: WechatConversation,
    text: str,
    now: datetime,
    author: User | None = None,
    ticket: Ticket | None = None,
) -> WechatMessage:
    """Queue a reply for send_msg if the window is open; else record that it was not sent.

    The send happens after commit, outside any lock (wechat_message_send).
    """
    conversation = WechatConversation.objects.select_for_update().get(pk=conversation.pk)
    message = WechatMessage(
        conversation=conversation,
        ticket=ticket or conversation.ticket,
        direction=WechatMessage.Direction.OUT,
        msgid=uuid4().hex,  # 32 characters of [0-9a-f]: what send_msg accepts as msgid
        content=text,
        author=author,
        at=now,
    )
    if _window_reserve(conversation, now=now):
        message.status = Status.QUEUED
        message.save()
        transaction.on_commit(partial(_enqueue_send, message.pk))
    else:
        message.status, message.error = Status.NOT_SENT, "outside the reply window"
        message.save()
        logger.info("WeChat reply to %s not sent: the window is closed", conversation)
    return message


def wechat_message_send(
    *, message_id: int, client: WechatClient | None = None, now: datetime | None = None
) -> WechatMessage | None:
    """Send a queued reply once, however many tasks ask.

    1. Claim it: queued → sending under a row lock (another worker's claim is skipped).
    2. send_msg outside any transaction.
    3. Sent: count it on the conversation. WeChat refused: failed, with its errcode.
       Unreachable: back to queued and raise, so the task retries with backoff.
    """
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            WechatMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=Status.QUEUED)
            .select_related("conversation")
            .first()
        )
        if message is None:
            return None
        message.status = Status.SENDING
        message.save(update_fields=["status"])
    conversation = message.conversation
    try:
        (client or WechatClient()).send_msg(
            touser=conversation.external_userid,
            open_kfid=conversation.open_kfid,
            msgid=message.msgid,
            content=message.content,
        )
    except WechatApiError as exc:
        unreachable = exc.errcode is None
        message.status = Status.QUEUED if unreachable else Status.FAILED
        message.error = str(exc)[:500]
        message.save(update_fields=["status", "error"])
        if unreachable:
            raise
        logger.warning("WeChat refused message %s: %s", message.pk, exc)
        return message
    message.status, message.at, message.error = Status.SENT, now, ""
    message.save(update_fields=["status", "at", "error"])
    WechatConversation.objects.filter(pk=conversation.pk).update(sent_total=F("sent_total") + 1)
    return message


# --- The outbox's WeChat route: how a WeChat ticket's customer messages travel ------------


def outbox_route(message: CustomerMessage, *, now: datetime) -> str | None:
    """The backend "wechat" while the window is open (taking one of its messages), else None.

    Called by feedback's claim, in its transaction, for each attempt: a message that waited
    past the window, or whose WeChat send kept failing until the window ran out, goes by SMS.
    """
    conversation = conversation_for_ticket(message.ticket, lock=True)
    if conversation is None or not _window_reserve(conversation, now=now):
        return None
    return "wechat"


class WechatOutboxBackend:
    """feedback's backend "wechat": the outbox message, sent by send_msg."""

    def send(self, message: CustomerMessage, *, now: datetime) -> str:
        conversation = conversation_for_ticket(message.ticket)
        if conversation is None:
            raise TemporaryFailure("wechat", "no WeChat conversation for the ticket")
        # One thread line per outbox message; each attempt gets a fresh msgid for WeChat.
        thread_line, _created = WechatMessage.objects.update_or_create(
            outbox_message=message,
            defaults={
                "conversation": conversation,
                "ticket": message.ticket,
                "direction": WechatMessage.Direction.OUT,
                "msgid": f"ob{message.pk}a{message.attempts}",
                "content": message.body,
                "status": Status.SENDING,
                "at": now,
            },
        )
        try:
            msgid = WechatClient().send_msg(
                touser=conversation.external_userid,
                open_kfid=conversation.open_kfid,
                msgid=thread_line.msgid,
                content=message.body,
            )
        except WechatApiError as exc:
            thread_line.status, thread_line.error = Status.FAILED, str(exc)[:500]
            thread_line.save(update_fields=["status", "error"])
            # Temporary whatever WeChat said: the retry is routed afresh, and once the window
            # is used up the message goes by SMS instead.
            raise TemporaryFailure("wechat", str(exc)) from exc
        thread_line.status, thread_line.error = Status.SENT, ""
        thread_line.save(update_fields=["status", "error"])
        WechatConversation.objects.filter(pk=conversation.pk).update(sent_total=F("sent_total") + 1)
        return msgid


# --- The agent's reply from the ticket page ----------------------------------------------


@dataclass(frozen=True)
class AgentReply:
    """How the reply travels: "wechat", or "sms" with the reason the window is closed."""

    via: str
    reason: str = ""
    wechat_message: WechatMessage | None = None
    outbox_message: CustomerMessage | None = None


def _closed_reason(conversation: WechatConversation, now: datetime) -> str:
    closes = conversation.window_closes_at()
    if closes is None or now >= closes:
        return _("more than 48 hours have passed since the customer's last message")
    return _("%(count)d messages have been sent since the customer's last message") % {
        "count": REPLY_WINDOW_MESSAGES
    }


@transaction.atomic
def wechat_agent_reply(
    *, ticket: Ticket, text: str, actor: User, now: datetime | None = None
) -> AgentReply:
    """An agent answers a WeChat ticket: by send_msg inside the window, else by SMS.

    1. Only users who work tickets may reply; the text must fit one WeChat message.
    2. Window open: queue it for send_msg (taking one of the 5) and note it on the timeline.
    3. Closed: queue it in the outbox as a "reply" SMS (which writes its own timeline line),
       and say why, for the agent to read.
    """
    now = now or timezone.now()
    if not actor.has_perm("tickets.transition_ticket"):
        raise PermissionDeniedError(_("You may not reply to customers."))
    text = text.strip()
    if not text:
        raise DomainError(_("Write a reply."))
    if len(text) > REPLY_MAX_CHARS:
        raise DomainError(_("Keep the reply under %(max)d characters.") % {"max": REPLY_MAX_CHARS})
    conversation = conversation_for_ticket(ticket, lock=True)
    if conversation is None:
        raise DomainError(_("This ticket has no WeChat conversation."))
    if conversation.window_open(now):
        line = wechat_reply_queue(
            conversation=conversation, text=text, now=now, author=actor, ticket=ticket
        )
        ticket_event_write(
            ticket=ticket,
            verb=TicketEvent.Verb.MESSAGE,
            actor=actor,
            at=now,
            payload={"kind": "wechat_reply", "wechat_message_id": line.pk, "note": text},
        )
        return AgentReply(via="wechat", wechat_message=line)
    outbox = message_queue(
        ticket=ticket,
        kind=MessageKind.REPLY,
        slot=uuid4().hex,
        context={"text": text},
        now=now,
    )
    return AgentReply(via="sms", reason=_closed_reason(conversation, now), outbox_message=outbox)
