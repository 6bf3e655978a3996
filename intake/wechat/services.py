"""Writes of the WeChat Work channel: the callback, pulling messages, the dialogue."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from intake.models import WechatCallbackEvent, WechatConversation, WechatMessage, WechatSyncCursor
from intake.services import DESCRIPTION_MAX, Complaint, complaint_register
from intake.triage import TriageInput, triage
from intake.wechat import wording
from intake.wechat.client import WechatClient
from intake.wechat.delivery import wechat_reply_queue
from intake.wechat.envelope import CallbackMessage
from tickets.models import OPEN_STATUSES, Ticket
from tickets.phones import PHONE_IN_TEXT, phone_normalise

logger = logging.getLogger(__name__)

KF_EVENT = "kf_msg_or_event"
CUSTOMER_ORIGIN = 3  # sync_msg's origin: 3 the WeChat customer, 4 system events, 5 our staff
# A run of has_more pages this long is a WeChat fault, not a backlog: stop, the next event
# carries on from the saved cursor.
MAX_PAGES_PER_SYNC = 50
# The callback's sync token is good for 10 minutes; a retry after that pulls without it.
SYNC_TOKEN_TTL = timedelta(minutes=9)
# Shorter first messages ("你好", "在吗") are greetings, not the problem.
MIN_DESCRIPTION = 6
# WeChat gives no name; the customer may give one with the phone, else this.
DEFAULT_CUSTOMER_NAME = "微信客户"
CONFIRM_WORDS = frozenset({"1", "１"})
PLACEHOLDERS = {
    "image": "[图片]",
    "voice": "[语音]",
    "video": "[视频]",
    "file": "[文件]",
    "location": "[位置]",
    "link": "[链接]",
    "business_card": "[名片]",
    "miniprogram": "[小程序]",
}
FIELD_LIMITS = {"scene": 200, "symptom": 200, "tried": 200, "product_model": 100}
State = WechatConversation.State


def _unix_time(raw: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _enqueue_sync(event_id: int) -> None:
    from intake.tasks import wechat_kf_sync

    try:
        # No publish retries: WeChat waits at most 5 s for our answer.
        wechat_kf_sync.apply_async((event_id,), retry=False)
    except Exception:
        # The event stays unprocessed; the next kf event for the account pulls from the same
        # cursor, so these messages are picked up then.
        logger.warning("could not enqueue WeChat sync for event %s", event_id, exc_info=True)


@transaction.atomic
def wechat_callback_event_record(
    *, message: CallbackMessage, raw_xml: str, now: datetime | None = None
) -> tuple[WechatCallbackEvent, bool]:
    """Store a callback once; a retry of the same one returns the stored row and False.

    A kf_msg_or_event not yet processed sets off the sync on commit, a retry included: WeChat
    retries when we were slow, and the sync is safe to run twice.
    """
    event, created = WechatCallbackEvent.objects.get_or_create(
        dedupe_key=message.dedupe_key,
        defaults={
            "msg_id": message.msg_id or None,
            "msg_type": message.msg_type,
            "event": message.event,
            "from_user": message.from_user,
            "create_time": _unix_time(message.create_time),
            "token": message.token,
            "open_kfid": message.open_kfid,
            "raw_xml": raw_xml,
            "received_at": now or timezone.now(),
        },
    )
    if event.event == KF_EVENT and event.processed_at is None:
        transaction.on_commit(partial(_enqueue_sync, event.pk))
    return event, created


def wechat_kf_sync(
    *, event: WechatCallbackEvent, client: WechatClient | None = None, now: datetime | None = None
) -> int:
    """Pull the account's new messages page by page; return how many customer messages were new.

    1. Each page is one transaction under the account's cursor row lock: fetch after the
       saved cursor, store each customer message once (by msgid), run the dialogue, save
       next_cursor. An error rolls the page back whole, so the cursor never passes a message
       that was not stored; the caller (a Celery task) retries.
    2. Go on while has_more is 1, an empty page included.
    """
    now = now or timezone.now()
    client = client or WechatClient()
    token = event.token if now - event.received_at < SYNC_TOKEN_TTL else ""
    total = 0
    for _page in range(MAX_PAGES_PER_SYNC):
        with transaction.atomic():
            new, has_more = _sync_page(
                open_kfid=event.open_kfid, token=token, client=client, now=now
            )
        total += new
        if not has_more:
            break
    else:
        logger.warning("WeChat sync of %s stopped after %d pages", event.open_kfid, _page + 1)
    # The pull started from the account's cursor, so it covered every earlier event too.
    WechatCallbackEvent.objects.filter(
        open_kfid=event.open_kfid, received_at__lte=event.received_at, processed_at__isnull=True
    ).update(processed_at=now)
    return total


# A sync task normally runs within a second of its callback; older unprocessed events
# lost theirs (Redis was down, a worker died past its retries).
RESYNC_AFTER = timedelta(minutes=1)


def wechat_events_resync(*, now: datetime | None = None) -> int:
    """The safety net (beat): pull again for each account whose latest kf event is
    unprocessed; one sync per account covers all its events (the cursor is per account)."""
    now = now or timezone.now()
    latest = (
        WechatCallbackEvent.objects.filter(
            event=KF_EVENT,
            processed_at__isnull=True,
            received_at__lte=now - RESYNC_AFTER,
        )
        .order_by("open_kfid", "-received_at")
        .distinct("open_kfid")
        .values_list("pk", flat=True)
    )
    ids = list(latest)
    for event_id in ids:
        _enqueue_sync(event_id)
    return len(ids)


def _sync_page(
    *, open_kfid: str, token: str, client: WechatClient, now: datetime
) -> tuple[int, bool]:
    WechatSyncCursor.objects.get_or_create(open_kfid=open_kfid)
    # The lock is held across the HTTP call on purpose: the cursor row is what serialises two
    # workers pulling the same account, and the call has a short timeout. A second worker
    # waits, then pulls from where the first one left off.
    cursor = WechatSyncCursor.objects.select_for_update().get(open_kfid=open_kfid)
    page = client.sync_msg(open_kfid=open_kfid, cursor=cursor.cursor, token=token)
    turns: dict[int, _Turn] = {}
    new = 0
    for item in page.msg_list:
        if _int(item.get("origin")) != CUSTOMER_ORIGIN:
            continue
        stored = _message_store(item=item, open_kfid=open_kfid, now=now)
        if stored is None:
            continue
        new += 1
        turn = turns.setdefault(stored.conversation_id, _Turn(stored.conversation))
        turn.conversation = stored.conversation
        turn.replies = _dialogue_step(conversation=stored.conversation, message=stored, now=now)
    # One answer per conversation and page: to a burst of messages, the answer to the last.
    for turn in turns.values():
        for text in turn.replies:
            wechat_reply_queue(conversation=turn.conversation, text=text, now=now)
    if page.next_cursor and page.next_cursor != cursor.cursor:
        cursor.cursor = page.next_cursor
        cursor.save(update_fields=["cursor", "updated_at"])
    return new, page.has_more


@dataclass
class _Turn:
    conversation: WechatConversation
    replies: list[str] = field(default_factory=list)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _message_store(*, item: dict[str, Any], open_kfid: str, now: datetime) -> WechatMessage | None:
    """The customer's message as a row, with its conversation locked; None if seen before."""
    msgid = str(item.get("msgid") or "")[:64]
    external_userid = str(item.get("external_userid") or "")[:128]
    if not msgid or not external_userid or WechatMessage.objects.filter(msgid=msgid).exists():
        return None
    open_kfid = str(item.get("open_kfid") or open_kfid)[:64]
    WechatConversation.objects.get_or_create(open_kfid=open_kfid, external_userid=external_userid)
    conversation = WechatConversation.objects.select_for_update().get(
        open_kfid=open_kfid, external_userid=external_userid
    )
    msgtype = str(item.get("msgtype") or "")[:32]
    text = item.get("text") if msgtype == "text" else None
    content = str(text.get("content") or "") if isinstance(text, dict) else ""
    message, created = WechatMessage.objects.get_or_create(
        msgid=msgid,
        defaults={
            "conversation": conversation,
            "direction": WechatMessage.Direction.IN,
            "msgtype": msgtype,
            "content": content or PLACEHOLDERS.get(msgtype, f"[{msgtype}]"),
            "origin": CUSTOMER_ORIGIN,
            "status": WechatMessage.Status.RECEIVED,
            "at": _unix_time(item.get("send_time")) or now,
        },
    )
    if not created:
        return None
    message.conversation = conversation  # the locked instance, for the dialogue to update
    return message


def _dialogue_step(
    *, conversation: WechatConversation, message: WechatMessage, now: datetime
) -> list[str]:
    """Take one customer message into the conversation; return what to answer.

    1. The message reopens the reply window (48 h, 5 messages from now on).
    2. Registered with the ticket still open: the message joins the agent's thread, no bot
       answer. Registered with the ticket done: a new complaint starts with this message.
    3. Collecting: the text answers the question asked, or adds to the description; then
       ask for the next missing part or, with nothing missing, show the summary.
    4. Confirming: "1" registers the ticket; anything else is an addition, summarised again.
    """
    if (
        conversation.last_customer_message_at is None
        or message.at >= conversation.last_customer_message_at
    ):
        conversation.last_customer_message_at = message.at
        conversation.sent_since_customer_message = 0
    if conversation.state == State.REGISTERED:
        ticket = conversation.ticket
        if ticket is not None and ticket.status in OPEN_STATUSES:
            message.ticket = ticket
            message.save(update_fields=["ticket"])
            conversation.save()
            return []
        _restart(conversation)
    if not conversation.first_msgid:
        conversation.first_msgid, conversation.first_message_at = message.msgid, message.at
    text = message.content.strip() if message.msgtype == "text" else ""
    if not text:
        replies = [wording.TEXT_ONLY]
    elif conversation.state == State.CONFIRMING and text in CONFIRM_WORDS:
        replies = _register(conversation=conversation, now=now)
    else:
        replies = _collect(conversation=conversation, text=text)
    if message.msgid == conversation.first_msgid and replies:
        replies[0] = wording.GREETING + replies[0]
    conversation.save()
    return replies


def _restart(conversation: WechatConversation) -> None:
    """A new complaint from a known customer: keep the name and phone, forget the rest."""
    conversation.state = State.COLLECTING
    conversation.description = conversation.product_model = ""
    conversation.scene = conversation.symptom = conversation.tried = ""
    conversation.asking, conversation.asked = "", []
    conversation.first_msgid, conversation.first_message_at = "", None
    conversation.ticket = None


def _collect(*, conversation: WechatConversation, text: str) -> list[str]:
    asking = conversation.asking
    conversation.asking = ""
    conversation.state = State.COLLECTING
    if asking == "phone":
        if not _take_phone(conversation, text):
            conversation.asking = "phone"
            return [wording.BAD_PHONE]
    elif asking in FIELD_LIMITS:
        setattr(conversation, asking, text[: FIELD_LIMITS[asking]])
    elif asking or conversation.description or len(text) >= MIN_DESCRIPTION:
        description = f"{conversation.description}\n{text}".strip()
        conversation.description = description[:DESCRIPTION_MAX]
    if not conversation.phone:
        _take_phone(conversation, text)  # "我的电话13812345678" given unasked; none, no change
    question = _next_question(conversation)
    if question is None:
        conversation.state = State.CONFIRMING
        return [_summary(conversation)]
    name, prompt = question
    conversation.asking = name
    if name not in conversation.asked:
        conversation.asked = [*conversation.asked, name]
    return [prompt]


def _take_phone(conversation: WechatConversation, text: str) -> bool:
    """Take a valid phone from the text and the words around it as the name; False if none."""
    found = PHONE_IN_TEXT.search(text)
    if found is None:
        return False
    try:
        conversation.phone = phone_normalise(found.group())
    except ValidationError:
        return False
    name = re.sub(r"[\s,，。.:：;；!！、]+", " ", text.replace(found.group(0), " ")).strip()
    if name and len(name) <= 20:
        conversation.customer_name = name
    return True


def _next_question(conversation: WechatConversation) -> tuple[str, str] | None:
    """What to ask next: the problem itself, then triage's missing parts (each asked once,
    as the website's hints), then a phone number, which a ticket cannot do without."""
    if len(conversation.description) < MIN_DESCRIPTION and "description" not in conversation.asked:
        return "description", wording.ASK_DESCRIPTION
    if not conversation.description:
        return "description", wording.ASK_DESCRIPTION
    result = triage(
        TriageInput(
            description=conversation.description,
            scene=conversation.scene,
            symptom=conversation.symptom,
            tried=conversation.tried,
            product_model=conversation.product_model,
        )
    )
    for missing in result.missing:
        if missing.field not in conversation.asked:
            return missing.field, missing.prompt
    if not conversation.phone:
        return "phone", wording.ASK_PHONE
    return None


def _fields(conversation: WechatConversation) -> dict[str, str]:
    return {
        "description": conversation.description,
        "product_model": conversation.product_model,
        "scene": conversation.scene,
        "symptom": conversation.symptom,
        "tried": conversation.tried,
    }


def _summary(conversation: WechatConversation) -> str:
    return wording.summary(
        fields=_fields(conversation),
        customer_name=conversation.customer_name,
        phone=conversation.phone,
    )


def _register(*, conversation: WechatConversation, now: datetime) -> list[str]:
    """The customer replied "1" to the summary: register the ticket they confirmed.

    The acknowledgement is the outbox's, as for every channel; for a WeChat ticket the outbox
    sends it by send_msg while the window is open (intake.wechat.delivery.outbox_route).
    """
    complaint = Complaint(
        channel=Ticket.Channel.WECHAT,
        customer_name=conversation.customer_name or DEFAULT_CUSTOMER_NAME,
        phone=conversation.phone,
        external_ref=conversation.first_msgid,
        description_confirmed=True,
        confirmed_via=Ticket.ConfirmedVia.WECHAT_REPLY,
        received_at=conversation.first_message_at,
        **_fields(conversation),
    )
    try:
        registration = complaint_register(complaint=complaint, actor=None, now=now)
    except ValidationError as exc:
        logger.warning("WeChat complaint of %s not registered: %s", conversation, exc)
        if "phone" in getattr(exc, "message_dict", {}):
            conversation.phone, conversation.asking = "", "phone"
            conversation.state = State.COLLECTING
            return [wording.BAD_PHONE]
        return [wording.REGISTER_FAILED]
    ticket = registration.ticket
    conversation.state, conversation.ticket, conversation.asking = State.REGISTERED, ticket, ""
    # The dialogue so far becomes the ticket's thread.
    conversation.messages.filter(ticket__isnull=True).update(ticket=ticket)
    return []
