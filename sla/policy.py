"""Tier deadlines at intake.

PLACEHOLDER until the SLA issue lands the working-day calendar: targets are counted on the
wall clock, so an L3 ticket received on Friday evening is due on Saturday. The SLA issue
replaces this module with business-hours arithmetic over the Chinese holiday calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Deadlines:
    first_contact_due_at: datetime
    resolve_due_at: datetime | None


# tier: (first contact, resolution); the table in the SLA issue, in wall-clock hours.
_TARGETS: dict[str, tuple[timedelta, timedelta | None]] = {
    "L1": (timedelta(hours=1), timedelta(hours=24)),
    "L2": (timedelta(hours=2), timedelta(hours=48)),
    "L3": (timedelta(hours=24), timedelta(hours=72)),
    "S": (timedelta(hours=24), None),
}


def deadlines_for(*, tier: str, received_at: datetime) -> Deadlines:
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    first_contact, resolve = _TARGETS[tier]
    return Deadlines(
        first_contact_due_at=received_at + first_contact,
        resolve_due_at=received_at + resolve if resolve else None,
    )
