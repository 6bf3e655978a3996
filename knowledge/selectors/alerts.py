"""Reads for the early alerts and the monthly report: the month windows and the counts per
subject (product model + batch, tag), each one GROUP BY in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from knowledge.models import Alert, MonthlyReport
from tickets.models import Ticket, TicketTag

# A tag counts on a ticket while a person has not rejected it (triage's suggestions count:
# the alert must not wait for every tag to be reviewed).
COUNTED_TAG_STATES = (TicketTag.State.SUGGESTED, TicketTag.State.CONFIRMED)


@dataclass(frozen=True)
class Window:
    """A calendar month in Shanghai time: [start, end)."""

    month: date  # its first day
    start: datetime
    end: datetime


def month_first(day: date) -> date:
    return day.replace(day=1)


def month_shift(month: date, months: int) -> date:
    """The first day of the month `months` after (or before) `month`'s."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_window(month: date) -> Window:
    zone = timezone.get_default_timezone()
    first = month_first(month)
    following = month_shift(first, 1)
    return Window(
        month=first,
        start=datetime(first.year, first.month, 1, tzinfo=zone),
        end=datetime(following.year, following.month, 1, tzinfo=zone),
    )


def month_of(moment: datetime) -> date:
    """The first day of the Shanghai calendar month holding `moment`."""
    return month_first(timezone.localdate(moment, timezone.get_default_timezone()))


def counted_tickets(*, start: datetime, end: datetime) -> QuerySet[Ticket]:
    """The tickets alerts and reports count: received in [start, end), suggestions (tier S)
    left out, since they are ideas, not faults."""
    return Ticket.objects.filter(received_at__gte=start, received_at__lt=end).exclude(
        tier=Ticket.Tier.S
    )


def batch_counts(*, start: datetime, end: datetime) -> dict[tuple[int, str], int]:
    """Tickets per (product id, batch) with a known product and a non-empty batch."""
    rows = (
        counted_tickets(start=start, end=end)
        .filter(product__isnull=False)
        .exclude(batch="")
        .values("product_id", "batch")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(row["product_id"], row["batch"]): row["n"] for row in rows}


def tag_counts(*, start: datetime, end: datetime) -> dict[int, int]:
    """Tickets per tag (each ticket once per tag), rejected tags left out."""
    rows = (
        TicketTag.objects.filter(
            state__in=COUNTED_TAG_STATES,
            ticket__received_at__gte=start,
            ticket__received_at__lt=end,
        )
        .exclude(ticket__tier=Ticket.Tier.S)
        .values("tag_id")
        .annotate(n=Count("ticket_id", distinct=True))
        .order_by()
    )
    return {row["tag_id"]: row["n"] for row in rows}


def subject_tickets(
    *,
    start: datetime,
    end: datetime,
    product_id: int | None = None,
    batch: str = "",
    tag_id: int | None = None,
) -> QuerySet[Ticket]:
    """The counted tickets of one subject: a product model + batch, or a tag."""
    tickets = counted_tickets(start=start, end=end)
    if tag_id is not None:
        tagged = TicketTag.objects.filter(
            ticket=OuterRef("pk"), tag_id=tag_id, state__in=COUNTED_TAG_STATES
        )
        return tickets.filter(Exists(tagged))
    return tickets.filter(product_id=product_id, batch=batch)


def alert_tickets(*, alert: Alert) -> QuerySet[Ticket]:
    """The tickets an alert counted (its subject, its window), newest first."""
    return subject_tickets(
        start=alert.period_start,
        end=alert.period_end,
        product_id=alert.product_id,
        batch=alert.batch,
        tag_id=alert.tag_id,
    ).order_by("-received_at", "-id")


ALERT_STATES = ("open", "acknowledged", "all")


def alert_list(*, state: str = "open") -> QuerySet[Alert]:
    """Alerts newest first; `state` is open (not yet acknowledged), acknowledged or all."""
    alerts = Alert.objects.select_related("product", "tag__parent", "acknowledged_by", "report")
    if state == "open":
        alerts = alerts.filter(acknowledged_at__isnull=True)
    elif state == "acknowledged":
        alerts = alerts.filter(acknowledged_at__isnull=False)
    # The biggest problems first; a subject's threshold and spike alerts side by side.
    return alerts.order_by(
        "-period_start", "-count", "kind", "product_id", "batch", "tag_id", "rule"
    )


def alerts_of_month(*, window: Window) -> QuerySet[Alert]:
    return alert_list(state="all").filter(period_start=window.start)


def alert_counts_by_state() -> dict[str, int]:
    figures = Alert.objects.aggregate(
        open=Count("id", filter=Q(acknowledged_at__isnull=True)),
        acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False)),
    )
    return {**figures, "all": figures["open"] + figures["acknowledged"]}


def monthly_report_get(*, month: date) -> MonthlyReport | None:
    return MonthlyReport.objects.filter(month=month_first(month)).first()


def monthly_report_list() -> QuerySet[MonthlyReport]:
    return MonthlyReport.objects.defer("data").order_by("-month")


def previous_month(moment: datetime) -> date:
    return month_shift(month_of(moment), -1)


def elapsed_share(window: Window, now: datetime) -> float:
    """How much of the window has passed at `now`, between 0 and 1."""
    total = (window.end - window.start) / timedelta(seconds=1)
    passed = (min(max(now, window.start), window.end) - window.start) / timedelta(seconds=1)
    return passed / total
