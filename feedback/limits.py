"""The outbox's time arithmetic, pure: per-phone rate limits and the retry backoff."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta


def limit_release_at(
    *, times: Iterable[datetime], now: datetime, limit: int, window: timedelta
) -> datetime | None:
    """When one more message fits "limit per rolling window", or None if it fits now.

    times are when earlier messages were handed to the provider. A limit of 0 switches the
    check off. Rolling windows are stricter than calendar days, so a provider's per-day cap
    (per natural day) is never hit by our own sends.
    """
    if limit <= 0:
        return None
    recent = sorted(moment for moment in times if moment > now - window)
    if len(recent) < limit:
        return None
    # Enough of the oldest must age out to leave limit - 1 in the window.
    return recent[len(recent) - limit] + window


def retry_delay(*, attempts: int, base: timedelta, cap: timedelta) -> timedelta:
    """The wait after the n-th failed attempt: base, 2·base, 4·base … at most cap."""
    return min(base * 2 ** max(attempts - 1, 0), cap)
