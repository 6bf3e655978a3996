"""Writes of the WeChat Work channel."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from intake.models import WechatCallbackEvent
from intake.wechat.envelope import CallbackMessage


def _unix_time(raw: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


@transaction.atomic
def wechat_callback_event_record(
    *, message: CallbackMessage, raw_xml: str, now: datetime | None = None
) -> tuple[WechatCallbackEvent, bool]:
    """Store a callback once; a retry of the same one returns the stored row and False."""
    return WechatCallbackEvent.objects.get_or_create(
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
