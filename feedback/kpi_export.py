"""The KPI dashboard as an Excel workbook (openpyxl): the same figures, one sheet per view."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment

from aftersales.xlsx import sheet_add
from feedback import kpis


def _round(value: float | None, digits: int = 1) -> float | str:
    # An empty cell, not 0, when there is nothing to count: 0 % would be a figure.
    return "" if value is None else round(value, digits)


def _met(met: bool | None) -> str:
    if met is None:
        return ""
    return _("Met") if met else _("Not met")


def figure_header() -> list[str]:
    """The columns of every per-period, per-team and per-owner row."""
    return [
        _("Tickets received"),
        _("Repeat complaints"),
        _("Repeat rate %"),
        _("Contacted"),
        _("First response median (h)"),
        _("First response p90 (h)"),
        _("Non-urgent first response p90 (h)"),
        _("Non-urgent within 2 h %"),
        _("Resolved"),
        _("Resolved at first contact"),
        _("First-contact resolution %"),
        _("Average resolution time (h)"),
        _("Surveys answered"),
        _("Average satisfaction"),
        _("Satisfied (4–5) %"),
        _("NPS answers"),
        _("NPS"),
        _("Callbacks due"),
        _("Callbacks done"),
        _("Callback completion %"),
    ]


def figure_row(f: kpis.Figures) -> list:
    return [
        f.received,
        f.repeats,
        _round(f.repeat_rate),
        f.contacted,
        _round(f.first_response_median_hours, 2),
        _round(f.first_response_p90_hours, 2),
        _round(f.non_urgent_p90_hours, 2),
        _round(f.non_urgent_within_share),
        f.resolved,
        f.first_contact_resolved,
        _round(f.fcr_rate),
        _round(f.resolution_avg_hours),
        f.answered,
        _round(f.satisfaction_avg, 2),
        _round(f.satisfied_share),
        f.nps_answers,
        _round(f.nps),
        f.callbacks_due,
        f.callbacks_done,
        _round(f.callback_rate),
    ]


def summary_rows(dashboard: kpis.Dashboard) -> list[list]:
    """[figure, value, target, judged, definition] for each KPI of the period."""
    f, d = dashboard.overall, dashboard.definitions
    target_hours = kpis.hours(kpis.FIRST_RESPONSE_TARGET)
    return [
        [
            _("First response, non-urgent p90 (h)"),
            _round(f.non_urgent_p90_hours, 2),
            f"≤ {target_hours:g} h",
            _met(f.first_response_met),
            str(d["first_response"]),
        ],
        [
            _("First response, median (h)"),
            _round(f.first_response_median_hours, 2),
            "",
            "",
            str(d["first_response"]),
        ],
        [
            _("First-contact resolution %"),
            _round(f.fcr_rate),
            f"≥ {kpis.FCR_TARGET:g} %",
            _met(f.fcr_met),
            str(d["fcr"]),
        ],
        [
            _("Average satisfaction"),
            _round(f.satisfaction_avg, 2),
            f"≥ {kpis.CSAT_TARGET:g} / 5",
            _met(f.csat_met),
            str(d["csat"]),
        ],
        [_("Satisfied (4–5) %"), _round(f.satisfied_share), "", "", str(d["csat"])],
        [_("NPS"), _round(f.nps), "", "", str(d["nps"])],
        [_("Repeat rate %"), _round(f.repeat_rate), "", "", str(d["repeat"])],
        [
            _("Average resolution time (h)"),
            _round(f.resolution_avg_hours),
            "",
            "",
            str(d["resolution"]),
        ],
        [_("Callback completion %"), _round(f.callback_rate), "", "", str(d["callbacks"])],
    ]


def kpi_workbook(*, dashboard: kpis.Dashboard, scope_label: str) -> Workbook:
    book = Workbook()
    book.remove(book.active)
    period = dashboard.period
    sheet_add(
        book,
        _("Summary"),
        [_("Figure"), _("Value"), _("Target"), _("Against target"), _("Definition")],
        [
            [_("Period"), period.label, f"{period.first_day} – {period.last_day}", "", ""],
            [_("Scope"), scope_label, "", "", ""],
            [_("As of"), timezone.localtime(dashboard.now).replace(tzinfo=None), "", "", ""],
            *summary_rows(dashboard),
        ],
    )
    summary = book[_("Summary")]
    summary.column_dimensions["A"].width = 34
    summary.column_dimensions["E"].width = 90
    for cell in summary["E"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet_add(
        book,
        _("First response by tier"),
        [_("Tier"), _("Contacted"), _("Not contacted yet"), _("Median (h)"), _("p90 (h)")],
        [
            [
                row.label,
                row.contacted,
                row.waiting,
                _round(row.median_hours, 2),
                _round(row.p90_hours, 2),
            ]
            for row in dashboard.first_response
        ],
    )
    sheet_add(
        book,
        _("Trend"),
        [_("Period"), _("From"), _("To"), *figure_header()],
        [
            [each.label, each.first_day, each.last_day, *figure_row(figures)]
            for each, figures in dashboard.trend
        ],
    )
    for title, label, groups in (
        (_("Teams"), _("Team"), dashboard.by_team),
        (_("Agents"), _("Owner"), dashboard.by_owner),
    ):
        sheet_add(
            book,
            title,
            [label, *figure_header()],
            [[group.name, *figure_row(group.figures)] for group in groups],
        )
    mix = dashboard.mix
    sheet_add(
        book,
        _("Complaint mix"),
        [_("View"), _("Group"), _("Tickets"), _("Share %")],
        [
            [str(view), row.label, row.count, _round(row.share)]
            for view, rows in (
                (_("Seed 002's view"), mix.by_view),
                (_("Problem category"), mix.by_category),
                (_("Channel"), mix.by_channel),
            )
            for row in rows
        ],
    )
    return book
