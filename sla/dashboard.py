"""Reads behind the managers' SLA dashboard: every figure is counted in PostgreSQL.

Each figure is one grouped query with conditional counts (COUNT … FILTER), so its cost is
that of the rows in its window, never of loading tickets into Python. The definitions shown
beside the figures are the docstrings' words; tests recount them independently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models import OPEN_STATUSES, Ticket
from tickets.selectors import ticket_visible_to

# Windows by received date: today (since local midnight), the last 7 and 30 days.
WINDOWS = (("today", _("Today")), ("7d", _("7 days")), ("30d", _("30 days")))
TREND_DAYS = 30
# Open tickets by how long ago they came in.
AGE_BUCKETS = (
    ("lt4h", _("< 4 h"), timedelta(0), timedelta(hours=4)),
    ("4to24h", _("4–24 h"), timedelta(hours=4), timedelta(hours=24)),
    ("1to3d", _("1–3 days"), timedelta(hours=24), timedelta(days=3)),
    ("3to7d", _("3–7 days"), timedelta(days=3), timedelta(days=7)),
    ("gt7d", _("> 7 days"), timedelta(days=7), None),
)
LIST_LIMIT = 50


# First contact: decided once the customer was contacted or the due time passed; met when
# contacted by the due time. Resolution likewise with resolved_at (tier S has no target).
def _fc_decided(now: datetime) -> Q:
    return Q(first_contact_due_at__isnull=False) & (
        Q(first_contacted_at__isnull=False) | Q(first_contact_due_at__lte=now)
    )


def _res_decided(now: datetime) -> Q:
    return Q(resolve_due_at__isnull=False) & (
        Q(resolved_at__isnull=False) | Q(resolve_due_at__lte=now)
    )


FC_MET = Q(first_contacted_at__isnull=False, first_contacted_at__lte=F("first_contact_due_at"))
RES_MET = Q(resolved_at__isnull=False, resolved_at__lte=F("resolve_due_at"))


@dataclass(frozen=True)
class Rate:
    met: int
    decided: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.met / self.decided, 1) if self.decided else None


def window_starts(now: datetime) -> dict[str, datetime]:
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return {"today": midnight, "7d": now - timedelta(days=7), "30d": now - timedelta(days=30)}


def _rate_counts(prefix: str, window: Q, now: datetime) -> dict[str, Count]:
    fc_decided, res_decided = window & _fc_decided(now), window & _res_decided(now)
    return {
        f"{prefix}fc_decided": Count("pk", filter=fc_decided),
        f"{prefix}fc_met": Count("pk", filter=fc_decided & FC_MET),
        f"{prefix}res_decided": Count("pk", filter=res_decided),
        f"{prefix}res_met": Count("pk", filter=res_decided & RES_MET),
    }


def _rates(row: dict, prefix: str = "") -> dict[str, Rate]:
    return {
        "first_contact": Rate(row[f"{prefix}fc_met"], row[f"{prefix}fc_decided"]),
        "resolve": Rate(row[f"{prefix}res_met"], row[f"{prefix}res_decided"]),
    }


def compliance_by_tier(*, tickets: QuerySet[Ticket], now: datetime) -> dict:
    """{tier: {window: {"first_contact": Rate, "resolve": Rate}}} for tickets received in
    each window; one query."""
    starts = window_starts(now)
    counts: dict[str, Count] = {}
    for key, start in starts.items():
        counts |= _rate_counts(f"{key}_", Q(received_at__gte=start), now)
    rows = tickets.filter(received_at__gte=starts["30d"]).values("tier").annotate(**counts)
    found = {row["tier"]: row for row in rows}
    empty = dict.fromkeys(counts, 0)
    return {
        tier: {key: _rates(found.get(tier, empty), f"{key}_") for key in starts}
        for tier in Ticket.Tier.values
    }


def compliance_by(*, tickets: QuerySet[Ticket], now: datetime, field: str) -> list[dict]:
    """30-day compliance per team ("team__name") or per owner ("owner__username")."""
    since = now - timedelta(days=30)
    rows = (
        tickets.filter(received_at__gte=since)
        .values(field)
        .annotate(tickets=Count("pk"), **_rate_counts("", Q(), now))
        .order_by(field)
    )
    return [{"name": row[field], "tickets": row["tickets"], **_rates(row)} for row in rows]


def trend(*, tickets: QuerySet[Ticket], now: datetime) -> list[dict]:
    """Per local day of receipt over TREND_DAYS: both compliance rates."""
    since = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    since -= timedelta(days=TREND_DAYS - 1)
    rows = (
        tickets.filter(received_at__gte=since)
        .annotate(day=TruncDate("received_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(**_rate_counts("", Q(), now))
        .order_by("day")
    )
    by_day = {row["day"]: _rates(row) for row in rows}
    days = [(since + timedelta(days=i)).date() for i in range(TREND_DAYS)]
    empty = {"first_contact": Rate(0, 0), "resolve": Rate(0, 0)}
    return [{"day": day, **by_day.get(day, empty)} for day in days]


def backlog(*, tickets: QuerySet[Ticket], now: datetime) -> dict[str, dict[str, int]]:
    """Open tickets by tier × age since receipt; one query."""
    counts = {}
    for key, _label, low, high in AGE_BUCKETS:
        window = Q(received_at__lte=now - low)
        if high is not None:
            window &= Q(received_at__gt=now - high)
        counts[key] = Count("pk", filter=window)
    rows = tickets.filter(status__in=OPEN_STATUSES).values("tier").annotate(**counts)
    found = {row["tier"]: row for row in rows}
    return {
        tier: {key: found.get(tier, {}).get(key, 0) for key, *_ in AGE_BUCKETS}
        for tier in Ticket.Tier.values
    }


def _open(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return tickets.filter(status__in=OPEN_STATUSES, paused_at__isnull=True).select_related(
        "owner", "team"
    )


def _breached(now: datetime) -> Q:
    return Q(first_contacted_at__isnull=True, first_contact_due_at__lte=now) | Q(
        resolve_due_at__lte=now
    )


def _warned(now: datetime) -> Q:
    return Q(first_contacted_at__isnull=True, first_contact_warn_at__lte=now) | Q(
        resolve_warn_at__lte=now
    )


def breaches(*, tickets: QuerySet[Ticket], now: datetime) -> list[Ticket]:
    """Open tickets past a due time they have not met, longest overdue first."""
    queryset = _open(tickets).filter(_breached(now))
    return list(queryset.order_by("first_contact_due_at", "resolve_due_at")[:LIST_LIMIT])


def breaches_count(*, tickets: QuerySet[Ticket], now: datetime) -> int:
    return _open(tickets).filter(_breached(now)).count()


def at_risk(*, tickets: QuerySet[Ticket], now: datetime) -> list[Ticket]:
    """Open tickets past the 80 % warning of a target and not yet breached, nearest first."""
    queryset = _open(tickets).filter(_warned(now)).exclude(_breached(now))
    return list(queryset.order_by("resolve_due_at", "first_contact_due_at")[:LIST_LIMIT])


def dashboard_tickets(user) -> QuerySet[Ticket]:
    """Managers see every ticket; team leads their teams' (the one visibility rule)."""
    return ticket_visible_to(user=user)


def dashboard_figures(*, tickets: QuerySet[Ticket], now: datetime) -> dict:
    """Every figure of the dashboard, computed now (eight grouped queries)."""
    return {
        "now": now,
        "compliance": compliance_by_tier(tickets=tickets, now=now),
        "by_team": compliance_by(tickets=tickets, now=now, field="team__name"),
        "by_agent": compliance_by(tickets=tickets, now=now, field="owner__username"),
        "trend": trend(tickets=tickets, now=now),
        "backlog": backlog(tickets=tickets, now=now),
        "breaches": breaches(tickets=tickets, now=now),
        "breaches_count": breaches_count(tickets=tickets, now=now),
        "at_risk": at_risk(tickets=tickets, now=now),
    }


# The page refreshes every minute; its figures are at most this old. Computing them scans
# the 30-day window (seconds at a million tickets), so it is done once per scope per minute
# (beat warms the managers' scope) and every view in between reads the snapshot.
SNAPSHOT_SECONDS = 60
SNAPSHOT_AGE = timedelta(seconds=SNAPSHOT_SECONDS)


ALL_SCOPE = "sla:dashboard:all"


def _scope_key(user) -> str:
    if user.has_perm("tickets.view_all_tickets"):
        return ALL_SCOPE
    return f"sla:dashboard:user-{user.pk}"


def dashboard_snapshot(user, *, now: datetime | None = None) -> dict:
    """The user's figures from the minute's snapshot, computed (and kept) when older."""
    now = now or timezone.now()
    key = _scope_key(user)
    figures = cache.get(key)
    if figures is None or not timedelta(0) <= now - figures["now"] < SNAPSHOT_AGE:
        figures = dashboard_figures(tickets=dashboard_tickets(user), now=now)
        cache.set(key, figures, timeout=2 * SNAPSHOT_SECONDS)
    return figures


def dashboard_warm(*, now: datetime | None = None) -> None:
    """Beat, every minute: the managers' figures, so no manager waits for them."""
    now = now or timezone.now()
    figures = dashboard_figures(tickets=Ticket.objects.all(), now=now)
    cache.set(ALL_SCOPE, figures, timeout=2 * SNAPSHOT_SECONDS)
