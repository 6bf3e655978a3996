"""Delivery reports as each provider posts them, parsed into Receipts (or a clear error)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import timezone

from feedback.services import Receipt

MAX_ITEMS = 1000


class ReceiptError(ValueError):
    """The body is not a report this endpoint understands; the message says why."""


def _text(item: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = item.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str | int):
        raise ReceiptError(f"{name} must be a string")
    if required and value in ("", None):
        raise ReceiptError(f"{name} is required")
    return str(value)


def _local_time(text: str) -> datetime | None:
    """ "2026-11-22 14:03:04" in Asia/Shanghai, as both providers write it; None if not that."""
    try:
        return timezone.make_aware(datetime.strptime(text, "%Y-%m-%d %H:%M:%S"))
    except ValueError:
        return None


def _aliyun(item: dict[str, Any]) -> Receipt:
    success = item.get("success")
    if not isinstance(success, bool):
        raise ReceiptError("success must be true or false")
    code, text = _text(item, "err_code"), _text(item, "err_msg")
    return Receipt(
        provider_message_id=_text(item, "biz_id", required=True),
        delivered=success,
        error="" if success else f"{code} {text}".strip(),
        reported_at=_local_time(_text(item, "report_time")),
    )


def _tencent(item: dict[str, Any]) -> Receipt:
    status = _text(item, "report_status", required=True)
    if status not in {"SUCCESS", "FAIL"}:
        raise ReceiptError("report_status must be SUCCESS or FAIL")
    delivered = status == "SUCCESS"
    code, text = _text(item, "errmsg"), _text(item, "description")
    return Receipt(
        provider_message_id=_text(item, "sid", required=True),
        delivered=delivered,
        error="" if delivered else f"{code} {text}".strip(),
        reported_at=_local_time(_text(item, "user_receive_time")),
    )


PARSERS: dict[str, Callable[[dict[str, Any]], Receipt]] = {
    "aliyun": _aliyun,
    "tencent": _tencent,
}


def receipts_parse(*, backend: str, data: Any) -> list[Receipt]:
    """Both providers post a JSON array of reports; a single object is taken as one."""
    items = [data] if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ReceiptError("expected a JSON array of delivery reports")
    if len(items) > MAX_ITEMS:
        raise ReceiptError(f"at most {MAX_ITEMS} reports per request")
    parsed = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ReceiptError(f"report {index} is not an object")
        try:
            parsed.append(PARSERS[backend](item))
        except ReceiptError as exc:
            raise ReceiptError(f"report {index}: {exc}") from None
    return parsed
