"""Tier deadlines: the interface every caller uses (intake, the sweep, the preview API).

Targets come from the SlaPolicy rows (sla.selectors.sla_snapshot); a business-clock target is
counted in office time on the working-day calendar (sla.calendar), a 24×7 one on the wall
clock. Every returned moment is aware and in Asia/Shanghai.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from sla.calendar import SHANGHAI, add_business_time, business_time_between
from sla.config import SlaSnapshot, Targets, sla_snapshot
from sla.models import WORKING_DAY_MINUTES

# Share of a target after which the owner is warned (issue 5: "at 80 % of a target").
WARN_SHARE = 0.8


@dataclass(frozen=True)
class Deadlines:
    first_contact_due_at: datetime
    resolve_due_at: datetime | None
    # The first progress message to the customer (L1 every 4 h, L2 every working day).
    next_progress_due_at: datetime | None = None
    # When the owner is warned: WARN_SHARE of each target, on the target's own clock.
    first_contact_warn_at: datetime | None = None
    resolve_warn_at: datetime | None = None
    # Years the computation reached without holiday data (Monday–Friday was assumed).
    calendar_gaps: tuple[int, ...] = ()


def _aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


class _Clock:
    """One tier's clock over one snapshot, collecting the calendar gaps it runs into."""

    def __init__(self, snapshot: SlaSnapshot, targets: Targets) -> None:
        self.snapshot, self.targets = snapshot, targets
        self.gaps: set[int] = set()

    def after(self, start: datetime, amount: timedelta | None) -> datetime | None:
        if amount is None:
            return None
        if not self.targets.business:
            return (start + amount).astimezone(SHANGHAI)
        reckoning = add_business_time(start=start, amount=amount, calendar=self.snapshot.calendar)
        self.gaps |= reckoning.gaps
        return reckoning.at

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        if not self.targets.business:
            return max(end - start, timedelta(0))
        amount, gaps = business_time_between(start=start, end=end, calendar=self.snapshot.calendar)
        self.gaps |= gaps
        return amount


def _clock(tier: str) -> _Clock:
    snapshot = sla_snapshot()
    return _Clock(snapshot, snapshot.targets_for(tier))


def _share(amount: timedelta | None) -> timedelta | None:
    return amount * WARN_SHARE if amount is not None else None


def deadlines_for(*, tier: str, received_at: datetime) -> Deadlines:
    """Every deadline of a ticket of `tier` received at `received_at`."""
    _aware(received_at, "received_at")
    clock = _clock(tier)
    targets = clock.targets
    first_contact_due_at = clock.after(received_at, targets.first_contact)
    assert first_contact_due_at is not None  # every policy has a first-contact target
    return Deadlines(
        first_contact_due_at=first_contact_due_at,
        resolve_due_at=clock.after(received_at, targets.resolve),
        next_progress_due_at=clock.after(received_at, targets.progress),
        first_contact_warn_at=clock.after(received_at, _share(targets.first_contact)),
        resolve_warn_at=clock.after(received_at, _share(targets.resolve)),
        calendar_gaps=tuple(sorted(clock.gaps)),
    )


def progress_due_after(*, tier: str, after: datetime) -> datetime | None:
    """When the next progress message is due once one was sent (or due) at `after`."""
    _aware(after, "after")
    clock = _clock(tier)
    return clock.after(after, clock.targets.progress)


def callback_due_for(*, resolved_at: datetime) -> datetime:
    """The satisfaction callback: SLA_CALLBACK_WORKING_DAYS (3) working days after resolution,
    counted in office time like the business-clock targets (resolved Tue 14:00 → Fri 14:00)."""
    _aware(resolved_at, "resolved_at")
    amount = timedelta(minutes=settings.SLA_CALLBACK_WORKING_DAYS * WORKING_DAY_MINUTES)
    return add_business_time(start=resolved_at, amount=amount, calendar=sla_snapshot().calendar).at


def due_after_pause(
    *, tier: str, due_at: datetime, paused_at: datetime, resumed_at: datetime
) -> datetime:
    """A due time pushed back by the time the pause took on the target's clock: office time
    for a business clock (a pause over a weekend costs nothing), wall time for 24×7."""
    for moment, name in ((due_at, "due_at"), (paused_at, "paused_at"), (resumed_at, "resumed_at")):
        _aware(moment, name)
    clock = _clock(tier)
    elapsed = clock.elapsed(paused_at, resumed_at)
    if not elapsed:
        # Nothing to add: a due time at closing must stay at closing, not jump to the opening.
        return due_at.astimezone(SHANGHAI)
    pushed = clock.after(due_at, elapsed)
    assert pushed is not None
    return pushed
