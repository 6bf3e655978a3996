"""Historical tickets from a spreadsheet (.xlsx or .csv), through the same intake service."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from intake.services import Complaint, complaint_register
from tickets.models import Store, Ticket
from tickets.services import ticket_transition

# Column names as exported by the old system (Chinese) or as in our API (English).
COLUMNS = {
    "external_ref": ["原工单号", "工单号", "external_ref", "number"],
    "channel": ["渠道", "channel"],
    "customer_name": ["客户姓名", "姓名", "customer_name"],
    "phone": ["联系电话", "电话", "手机", "phone"],
    "product_model": ["产品型号", "型号", "product_model"],
    "batch": ["批次", "序列号", "batch"],
    "purchase_date": ["购买日期", "purchase_date"],
    "description": ["问题描述", "描述", "description"],
    "received_at": ["受理时间", "received_at"],
    "status": ["状态", "status"],
    "store": ["门店编码", "store"],
}
CHANNELS = {
    "400热线": Ticket.Channel.PHONE,
    "热线": Ticket.Channel.PHONE,
    "电话": Ticket.Channel.PHONE,
    "官网": Ticket.Channel.WEB,
    "官网售后": Ticket.Channel.WEB,
    "网站": Ticket.Channel.WEB,
    "企业微信": Ticket.Channel.WECHAT,
    "微信": Ticket.Channel.WECHAT,
    "门店": Ticket.Channel.STORE,
    "门店登记": Ticket.Channel.STORE,
    **{value: value for value in Ticket.Channel.values},
}
S = Ticket.Status
# Historical states are replayed along the legal path, so the timeline stays truthful.
PATHS = {
    "closed": [S.CONTACTED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED],
    "resolved": [S.CONTACTED, S.IN_PROGRESS, S.RESOLVED],
    "in_progress": [S.CONTACTED, S.IN_PROGRESS],
    "contacted": [S.CONTACTED],
    "new": [],
}
STATUSES = {
    "已关闭": "closed",
    "已解决": "resolved",
    "处理中": "in_progress",
    "已联系": "contacted",
    "新建": "new",
    "": "new",
    **{key: key for key in PATHS},
}


@dataclass
class ImportReport:
    created: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def rows_read(path: Path) -> Iterator[dict[str, str]]:
    """Yield each data row as {our field: text}; header names are matched, order is free."""
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            yield from (_named(header, row) for row in reader)
    elif path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).active
        rows = sheet.iter_rows(values_only=True)
        header = [str(cell or "") for cell in next(rows, ())]
        yield from (_named(header, ["" if c is None else c for c in row]) for row in rows)
    else:
        raise ValueError(f"{path.name}: only .xlsx and .csv can be imported")


def _named(header: list[str], row: list) -> dict[str, str]:
    by_name = {str(name).strip(): value for name, value in zip(header, row, strict=False)}
    named = {}
    for ours, aliases in COLUMNS.items():
        value = next((by_name[a] for a in aliases if a in by_name), "")
        named[ours] = value if isinstance(value, datetime | date) else str(value).strip()
    return named


def row_import(row: dict, *, now: datetime) -> bool:
    """Register one row; True if it made a new ticket. Raises ValidationError on a bad row."""
    errors = {}
    channel = CHANNELS.get(row["channel"])
    if channel is None:
        errors["channel"] = [f"unknown channel {row['channel']!r}"]
    status = STATUSES.get(row["status"])
    if status is None:
        errors["status"] = [f"unknown status {row['status']!r}"]
    received_at = _when(row["received_at"], "received_at", errors) or now
    purchase = _day(row["purchase_date"], "purchase_date", errors)
    store = None
    if row["store"] and not (store := Store.objects.filter(code=row["store"]).first()):
        errors["store"] = [f"unknown store {row['store']!r}"]
    if errors:
        raise ValidationError(errors)
    ref = (
        row["external_ref"]
        or hashlib.sha1(  # noqa: S324 - a dedupe key, not a secret
            f"{row['phone']}|{received_at.isoformat()}|{row['description']}".encode()
        ).hexdigest()[:20]
    )
    complaint = Complaint(
        channel=channel,
        external_ref=f"import:{ref}",
        customer_name=row["customer_name"],
        phone=row["phone"],
        description=row["description"],
        product_model=row["product_model"],
        batch=row["batch"],
        purchase_date=purchase,
        store=store,
        received_at=received_at,
        # Historical tickets were confirmed in the old system's own way; we do not claim how.
        description_confirmed=False,
    )
    with transaction.atomic():
        registration = complaint_register(complaint=complaint, actor=None, now=received_at)
        if registration.created:
            for step in PATHS[status]:
                ticket_transition(
                    ticket=registration.ticket,
                    to_status=step,
                    actor=None,
                    now=received_at,
                    note="历史工单导入",
                )
    return registration.created


def _when(value, name: str, errors: dict) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        parsed = parse_datetime(value.replace("/", "-")) or (
            datetime.combine(d, datetime.min.time())
            if (d := parse_date(value.replace("/", "-")))
            else None
        )
    if parsed is None:
        errors[name] = [f"not a date and time: {value!r}"]
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _day(value, name: str, errors: dict) -> date | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    parsed = parse_date(value.replace("/", "-"))
    if parsed is None:
        errors[name] = [f"not a date: {value!r}"]
    return parsed
