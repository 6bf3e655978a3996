"""The SLA dashboard as an Excel workbook (openpyxl): the same figures, one sheet each."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from aftersales.xlsx import sheet_add
from tickets.models import Ticket


def _percent(rate) -> float | str:
    return "" if rate.percent is None else rate.percent


def dashboard_workbook(context: dict) -> Workbook:
    book = Workbook()
    book.remove(book.active)
    tiers = dict(Ticket.Tier.choices)
    rows = []
    for tier, windows in context["compliance"].items():
        for key, label in context["windows"]:
            rates = windows[key]
            rows.append(
                [
                    str(tiers[tier]),
                    str(label),
                    rates["first_contact"].met,
                    rates["first_contact"].decided,
                    _percent(rates["first_contact"]),
                    rates["resolve"].met,
                    rates["resolve"].decided,
                    _percent(rates["resolve"]),
                ]
            )
    rate_header = [
        _("First contact in time"),
        _("First contact counted"),
        _("First contact %"),
        _("Resolved in time"),
        _("Resolution counted"),
        _("Resolution %"),
    ]
    sheet_add(book, _("Compliance"), [_("Tier"), _("Window"), *rate_header], rows)
    for key, title, label in (
        ("by_team", _("Teams"), _("Team")),
        ("by_agent", _("Agents"), _("Owner")),
    ):
        sheet_add(
            book,
            title,
            [label, _("Tickets"), *rate_header],
            [
                [
                    row["name"] or "—",
                    row["tickets"],
                    row["first_contact"].met,
                    row["first_contact"].decided,
                    _percent(row["first_contact"]),
                    row["resolve"].met,
                    row["resolve"].decided,
                    _percent(row["resolve"]),
                ]
                for row in context[key]
            ],
        )
    sheet_add(
        book,
        _("Trend"),
        [_("Day"), _("First contact %"), _("Resolution %")],
        [
            [day["day"], _percent(day["first_contact"]), _percent(day["resolve"])]
            for day in context["trend"]
        ],
    )
    buckets = context["age_buckets"]
    sheet_add(
        book,
        _("Backlog"),
        [_("Tier"), *[str(label) for _key, label, *_rest in buckets]],
        [
            [str(tiers[tier]), *[counts[key] for key, *_rest in buckets]]
            for tier, counts in context["backlog"].items()
        ],
    )
    for key, title in (("breaches", _("Breached")), ("at_risk", _("At risk"))):
        sheet_add(
            book,
            title,
            [_("Ticket"), _("Tier"), _("Team"), _("Owner"), _("First contact due"), _("Due")],
            [
                [
                    ticket.number,
                    ticket.tier,
                    ticket.team.name if ticket.team else "",
                    ticket.owner.username if ticket.owner else "",
                    _local(ticket.first_contact_due_at),
                    _local(ticket.resolve_due_at),
                ]
                for ticket in context[key]
            ],
        )
    return book


def _local(moment):
    # Excel has no time zones: write Shanghai wall-clock time, as the page shows it.
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None
