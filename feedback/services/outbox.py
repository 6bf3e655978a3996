"""The outbox: queue a message, send it once, sweep due ones, record receipts."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone

from feedback.backends import (
    PermanentFailure,
    ProviderRateLimited,
    TemporaryFailure,
    backend_for,
    backend_get,
)
from feedback.limits import limit_release_at, retry_delay
from feedback.models import CustomerMessage, MessageKind
from feedback.wording import message_context, render, template_key_for
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_event_write

logger = logging.getLogger(__name__)

Status = CustomerMessage.Status
# What the sweeper picks up once next_attempt_at has come.
DUE_STATUSES = (Status.QUEUED, Status.RETRY_WAIT, Status.RATE_LIMITED)
# What counts against a phone's rate limit: everything handed to a provider, in flight or not.
HANDED_OVER = (Status.SENDING, Status.SENT, Status.DELIVERED, Status.UNDELIVERED)
# pg_advisory_xact_lock(int, int) namespace for "sending to this phone" ("OB" for outbox).
PHONE_LOCK_CLASS = 0x4F42
# What the timeline shows instead of a private value (the survey link is a bearer token).
PRIVATE_MARK = "【链接已隐藏】"


def _enqueue(message_id: int) -> None:
    from feedback.tasks import message_dispatch

    try:
        # No publish retries: a request must not hang on a broker outage.
        message_dispatch.apply_async((message_id,), retry=False)
    except Exception:
        # Not in Redis: due at the sweeper's next pass, not when the lease ends (the lease is
        # for tasks Redis took and lost, and must outlast the longest queue).
        logger.warning("could not enqueue message %s; the sweeper will", message_id, exc_info=True)
        try:
            CustomerMessage.objects.filter(pk=message_id, status=Status.QUEUED).update(
                next_attempt_at=timezone.now()
            )
        except DatabaseError:
            logger.warning("message %s waits for its lease", message_id, exc_info=True)


def _lease(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.OUTBOX_DISPATCH_LEASE_SECONDS)


@transaction.atomic
def message_queue(
    *,
    ticket: Ticket,
    kind: str,
    slot: str = "",
    context: Mapping[str, Any] | None = None,
    private: Collection[str] = (),
    now: datetime | None = None,
) -> CustomerMessage:
    """Queue one message to the ticket's customer, once per (ticket, kind, slot).

    1. Render the kind's Chinese wording and get-or-create the row with the customer's phone;
       a repeat returns the row already there: no second message, event or task.
    2. Write the MESSAGE event, so the ticket's timeline shows what the customer is told,
       with the values of the `private` context names (a survey link) blanked out.
    3. Enqueue message_dispatch when the caller's transaction commits; a rollback leaves
       neither row nor task. If that task is lost, the sweeper enqueues it after the lease.
    """
    now = now or timezone.now()
    if kind not in MessageKind.values:
        raise ValueError(f"unknown message kind {kind!r}")
    key = template_key_for(kind=kind, ticket=ticket, context=context)
    body, params = render(key=key, context=message_context(ticket=ticket, extra=context))
    message, created = CustomerMessage.objects.get_or_create(
        ticket=ticket,
        kind=kind,
        slot=slot,
        defaults={
            "phone": ticket.customer.phone,
            "template_key": key,
            "body": body,
            "params": params,
            "backend": settings.OUTBOX_BACKEND,
            "next_attempt_at": _lease(now),
            "created_at": now,
        },
    )
    if not created:  # a repeat, or a concurrent caller that won the unique constraint
        return message
    ticket_event_write(
        ticket=ticket,
        verb=TicketEvent.Verb.MESSAGE,
        actor=None,
        at=now,
        payload={
            "kind": kind,
            "message_id": message.pk,
            "status": message.status,
            "note": _redacted(body, [str((context or {})[name]) for name in private]),
        },
    )
    transaction.on_commit(partial(_enqueue, message.pk))
    return message


def _redacted(body: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            body = body.replace(secret, PRIVATE_MARK)
    return body


def message_send(*, message: CustomerMessage, now: datetime | None = None) -> CustomerMessage:
    """Send a queued message once, however many tasks ask; return the fresh row.

    1. Claim it: lock the row (skip it if another worker holds it) and move queued → sending.
       Anything else (already sending, sent, waiting for a retry) is left alone.
    2. Under a per-phone lock, count what the phone was handed in the last hour and day;
       over a limit → rate_limited until enough of those sends age out of the window.
    3. Send outside any transaction: no lock is held across the HTTP call.
    4. Record the outcome if the row is still ours: sent; a provider's rate limit →
       rate_limited; a temporary error → retry_wait with exponential backoff, failed after
       OUTBOX_MAX_ATTEMPTS; a permanent error → failed (and a line on the timeline).
    """
    now = now or timezone.now()
    claimed = _claim(message_id=message.pk, now=now)
    if claimed is None:
        return CustomerMessage.objects.get(pk=message.pk)
    try:
        provider_id = backend_get(claimed.backend).send(claimed, now=now)
    except ProviderRateLimited as exc:
        retry_after = exc.retry_after or timedelta(
            seconds=settings.OUTBOX_PROVIDER_LIMIT_RETRY_SECONDS
        )
        _record(claimed, status=Status.RATE_LIMITED, next_attempt_at=now + retry_after, error=exc)
    except PermanentFailure as exc:
        _record_failure(claimed, now=now, error=exc, final=True)
    except Exception as exc:
        # Temporary errors, and bugs: either way the message must not stay in "sending".
        if not isinstance(exc, TemporaryFailure):
            logger.exception("message %s: unexpected error from the backend", claimed.pk)
        final = claimed.attempts + 1 >= settings.OUTBOX_MAX_ATTEMPTS
        _record_failure(claimed, now=now, error=exc, final=final)
    else:
        _record(
            claimed,
            status=Status.SENT,
            sent_at=now,
            provider_message_id=provider_id[:64],
            attempts=F("attempts") + 1,
            next_attempt_at=None,
            error="",
        )
    return CustomerMessage.objects.get(pk=message.pk)


def _claim(*, message_id: int, now: datetime) -> CustomerMessage | None:
    with transaction.atomic():
        message = (
            CustomerMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=Status.QUEUED)
            .first()
        )
        if message is None:
            return None
        if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            # Only lost workers get here (errors stop at the limit): do not try forever.
            message.status, message.next_attempt_at = Status.FAILED, None
            message.last_error = "attempts exhausted"
            message.save(update_fields=["status", "next_attempt_at", "last_error"])
            _timeline(message, status=Status.FAILED, now=now, note="短信未能发送：多次尝试均失败")
            return None
        release_at = _phone_limit_release_at(phone=message.phone, now=now)
        if release_at is not None:
            message.status, message.next_attempt_at = Status.RATE_LIMITED, release_at
            message.last_error = "outbox per-phone limit"
            message.save(update_fields=["status", "next_attempt_at", "last_error"])
            return None
        message.status, message.claimed_at = Status.SENDING, now
        message.backend = backend_for(message, now=now)
        message.save(update_fields=["status", "claimed_at", "backend"])
        return message


def _phone_limit_release_at(*, phone: str, now: datetime) -> datetime | None:
    """When the phone may get its next message, or None if now (call in a transaction).

    Counted in Postgres over the outbox's own rows: they are the truth about what was handed
    over, the count shares the claim's transaction, and it survives a Redis flush. The
    advisory lock makes concurrent claims for one phone take turns, so none over-counts.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [PHONE_LOCK_CLASS, phone])
    day, hour = timedelta(days=1), timedelta(hours=1)
    handed = list(
        CustomerMessage.objects.filter(
            phone=phone, status__in=HANDED_OVER, claimed_at__gt=now - day
        ).values_list("claimed_at", flat=True)
    )
    releases = [
        limit_release_at(
            times=handed, now=now, limit=settings.OUTBOX_PHONE_LIMIT_PER_HOUR, window=hour
        ),
        limit_release_at(
            times=handed, now=now, limit=settings.OUTBOX_PHONE_LIMIT_PER_DAY, window=day
        ),
    ]
    return max((moment for moment in releases if moment is not None), default=None)


def _record(message: CustomerMessage, *, error: Exception | str, **changes: Any) -> bool:
    """Apply an outcome unless the sweeper took the row back meanwhile (it was too slow)."""
    updated = CustomerMessage.objects.filter(
        pk=message.pk, status=Status.SENDING, claimed_at=message.claimed_at
    ).update(last_error=str(error)[:500], **changes)
    if not updated:
        logger.warning("message %s changed while sending; outcome %s dropped", message.pk, changes)
    return bool(updated)


@transaction.atomic
def _record_failure(
    message: CustomerMessage, *, now: datetime, error: Exception | str, final: bool
) -> None:
    attempts = message.attempts + 1
    if not final:
        delay = retry_delay(
            attempts=attempts,
            base=timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS),
            cap=timedelta(seconds=settings.OUTBOX_RETRY_MAX_SECONDS),
        )
        _record(
            message,
            status=Status.RETRY_WAIT,
            attempts=attempts,
            next_attempt_at=now + delay,
            error=error,
        )
        return
    if _record(message, status=Status.FAILED, attempts=attempts, next_attempt_at=None, error=error):
        _timeline(message, status=Status.FAILED, now=now, note=f"短信未能发送：{error}")


def _timeline(message: CustomerMessage, *, status: str, now: datetime, note: str) -> None:
    ticket_event_write(
        ticket=message.ticket,
        verb=TicketEvent.Verb.MESSAGE,
        actor=None,
        at=now,
        payload={"kind": message.kind, "message_id": message.pk, "status": status, "note": note},
    )


def message_dispatch_due(*, now: datetime | None = None) -> int:
    """Enqueue every message whose time has come; return how many (the beat sweeper).

    1. Take back messages stuck in sending past OUTBOX_SENDING_TIMEOUT_SECONDS (a worker died
       mid-send) as retry_wait, the lost try counted. At-least-once: if the provider had
       accepted it, the customer gets it twice, which beats never.
    2. In batches, lock due rows FOR UPDATE SKIP LOCKED (a concurrent sweeper takes other
       rows), make them queued with a fresh lease, and enqueue them on commit. The lease
       keeps the next sweep off them while their task waits in Redis; if Redis loses the
       task, the lease runs out and the next sweep enqueues them again.
    """
    now = now or timezone.now()
    timeout = timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT_SECONDS)
    CustomerMessage.objects.filter(status=Status.SENDING, claimed_at__lt=now - timeout).update(
        status=Status.RETRY_WAIT,
        attempts=F("attempts") + 1,
        next_attempt_at=now,
        last_error="worker lost while sending",
    )
    total, batch = 0, settings.OUTBOX_SWEEP_BATCH
    while True:
        with transaction.atomic():
            ids = list(
                CustomerMessage.objects.select_for_update(skip_locked=True)
                .filter(status__in=DUE_STATUSES, next_attempt_at__lte=now)
                .order_by("next_attempt_at")
                .values_list("pk", flat=True)[:batch]
            )
            CustomerMessage.objects.filter(pk__in=ids).update(
                status=Status.QUEUED, next_attempt_at=_lease(now)
            )
            for message_id in ids:
                transaction.on_commit(partial(_enqueue, message_id))
        total += len(ids)
        if len(ids) < batch:
            return total


@dataclass(frozen=True)
class Receipt:
    """One delivery report, whichever provider sent it."""

    provider_message_id: str
    delivered: bool
    error: str = ""
    reported_at: datetime | None = None


@transaction.atomic
def message_receipt_record(
    *, backend: str, receipt: Receipt, now: datetime | None = None
) -> CustomerMessage | None:
    """Apply one delivery report to its sent message; return it, or None if nothing changed.

    Only a sent message moves (to delivered or undelivered), so a repeated or late report,
    or one for an id we do not know, changes nothing. A failed delivery goes on the timeline.
    """
    now = now or timezone.now()
    message = (
        CustomerMessage.objects.select_for_update()
        .filter(
            backend=backend,
            provider_message_id=receipt.provider_message_id,
            status=Status.SENT,
        )
        .first()
    )
    if message is None:
        return None
    message.status = Status.DELIVERED if receipt.delivered else Status.UNDELIVERED
    message.delivered_at = receipt.reported_at or now
    fields = ["status", "delivered_at"]
    if not receipt.delivered:
        message.last_error = receipt.error[:500]
        fields.append("last_error")
        _timeline(message, status=message.status, now=now, note=f"短信未送达：{receipt.error}")
    message.save(update_fields=fields)
    return message
