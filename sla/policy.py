"""Tier deadlines: the interface every caller uses (intake, the sweep, the preview API).

PLACEHOLDER internals until the working-day calendar lands (issue 5, in progress): targets are
counted on the wall clock. The signatures below are the contract; the calendar replaces the
arithmetic behind them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

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


# tier: (first contact, resolution, progress interval); wall-clock placeholder.
_TARGETS: dict[str, tuple[timedelta, timedelta | None, timedelta | None]] = {
    "L1": (timedelta(hours=1), timedelta(hours=24), timedelta(hours=4)),
    "L2": (timedelta(hours=2), timedelta(hours=48), timedelta(hours=24)),
    "L3": (timedelta(hours=24), timedelta(hours=72), None),
    "S": (timedelta(hours=24), None, None),
}


def _aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")


def deadlines_for(*, tier: str, received_at: datetime) -> Deadlines:
    """Every deadline of a ticket of `tier` received at `received_at`."""
    _aware(received_at, "received_at")
    first_contact, resolve, progress = _TARGETS[tier]
    return Deadlines(
        first_contact_due_at=received_at + first_contact,
        resolve_due_at=received_at + resolve if resolve else None,
        next_progress_due_at=received_at + progress if progress else None,
        first_contact_warn_at=received_at + first_contact * WARN_SHARE,
        resolve_warn_at=received_at + resolve * WARN_SHARE if resolve else None,
    )


def progress_due_after(*, tier: str, after: datetime) -> datetime | None:
    """When the next progress message is due once one was sent (or due) at `after`."""
    _aware(after, "after")
    progress = _TARGETS[tier][2]
    return after + progress if progress else None


def callback_due_for(*, resolved_at: datetime) -> datetime:
    """The satisfaction callback: 3 working days after resolution."""
    _aware(resolved_at, "resolved_at")
    return resolved_at + timedelta(days=3)


def due_after_pause(*, tier: str, due_at: datetime, paused_at: datetime, resumed_at: datetime):
    """A due time pushed back by the pause, on the target's clock (wall clock here)."""
    _aware(due_at, "due_at")
    return due_at + (resumed_at - paused_at)
