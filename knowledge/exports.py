"""The monthly report as an Excel workbook (openpyxl) and a PDF (reportlab).

Both take the labelled snapshot (`monthly_report_labelled`) so they say what the page says.
The PDF uses reportlab's CID font STSong-Light: Adobe's Chinese font that PDF readers carry,
so no font file ships with the project.
"""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from aftersales.xlsx import sheet_add

PDF_FONT = "STSong-Light"

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list]) -> None:
    """A sheet with wrapped cells and widths to fit (Excel caps titles at 31 characters)."""
    sheet = sheet_add(book, title[:31], header, rows)
    for column in sheet.columns:
        width = max(len(str(cell.value or "")) for cell in column)
        sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width * 1.6))
        for cell in column:
            cell.alignment = Alignment(vertical="top", wrap_text=True)


def _causes(row: dict) -> str:
    return "; ".join(f"{cause['label']} {cause['count']}" for cause in row["causes"])


def _report_refs(row: dict) -> str:
    return "; ".join(
        f"#{report['id']} {report['title']} ({report['status_label']})" for report in row["reports"]
    )


def _approvals(plan: dict | None) -> str:
    if not plan:
        return ""
    return "; ".join(
        f"{a['role_label']}: {a['decision_label']} ({a['approver']})" for a in plan["approvals"]
    )


def _action_rows(report: dict) -> list[list]:
    plan = report["plan"]
    if not plan:
        return []
    return [
        [
            report["id"],
            report["title"],
            action["term_label"],
            action["kind_label"],
            action["description"],
            action["owner"],
            action["due_on"],
            action["status_label"],
            _("Overdue") if action["overdue"] else "",
        ]
        for action in plan["actions"]
    ]


def monthly_workbook(data: dict) -> Workbook:
    """Sheets: summary, problems, alerts, plans (one row per report), actions, shipped."""
    book = Workbook()
    book.remove(book.active)
    summary = [
        [_("Month"), data["month"]],
        [_("Figures as of"), data["as_of"]],
        [_("Threshold (tickets a month)"), data["threshold"]],
        [_("Tickets received"), data["totals"]["tickets"]],
        [_("Tickets counted (suggestions left out)"), data["totals"]["counted"]],
        *[[_("Tier: %(tier)s") % {"tier": t["label"]}, t["count"]] for t in data["tiers"]],
        *[[_("Category: %(c)s") % {"c": c["label"]}, c["count"]] for c in data["categories"]],
        [_("High-frequency problems"), len(data["problems"])],
        [_("Alerts raised"), len(data["alerts"])],
        [_("Fixes shipped"), len(data["shipped"])],
    ]
    _sheet(book, _("Summary"), [_("Figure"), _("Value")], summary)
    _sheet(
        book,
        _("Problems"),
        [
            _("Kind"),
            _("Model"),
            _("Product"),
            _("Batch"),
            _("Tag"),
            _("Tickets"),
            _("Previous month"),
            _("Resolved"),
            _("Root causes on tickets"),
            _("Problem reports"),
        ],
        [
            [
                p["kind_label"],
                p["product_code"],
                p["product_name"],
                p["batch"],
                p["tag_name"],
                p["count"],
                p["previous_count"],
                p["resolved"],
                _causes(p),
                _report_refs(p),
            ]
            for p in data["problems"]
        ],
    )
    _sheet(
        book,
        _("Alerts"),
        [_("Subject"), _("Rule"), _("Tickets"), _("Baseline a month"), _("Raised at")],
        [
            [a["subject"], a["rule_label"], a["count"], a["baseline"], a["raised_at"]]
            for a in data["alerts"]
        ],
    )
    _sheet(
        book,
        _("Plans"),
        [
            _("Report"),
            _("Title"),
            _("Subject"),
            _("Root cause class"),
            _("Report status"),
            _("Tickets"),
            _("Plan status"),
            _("Plan"),
            _("Approvals"),
        ],
        [
            [
                r["id"],
                r["title"],
                r["subject"],
                r["cause_label"],
                r["status_label"],
                r["tickets"],
                r["plan"]["status_label"] if r["plan"] else _("No plan yet"),
                r["plan"]["summary"] if r["plan"] else "",
                _approvals(r["plan"]),
            ]
            for r in data["reports"]
        ],
    )
    _sheet(
        book,
        _("Actions"),
        [
            _("Report"),
            _("Title"),
            _("Term"),
            _("Kind"),
            _("Action"),
            _("Owner"),
            _("Due on"),
            _("Status"),
            _("Overdue"),
        ],
        [row for report in data["reports"] for row in _action_rows(report)],
    )
    _sheet(
        book,
        _("Shipped fixes"),
        [_("Report"), _("Title"), _("Plan"), _("Shipped at"), _("Customers told")],
        [
            [s["report_id"], s["title"], s["summary"], s["shipped_at"], s["customers"]]
            for s in data["shipped"]
        ],
    )
    return book


def monthly_xlsx(data: dict) -> bytes:
    buffer = BytesIO()
    monthly_workbook(data).save(buffer)
    return buffer.getvalue()


def _font() -> str:
    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


def _styles(font: str) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=body, fontSize=16, leading=22, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=body, fontSize=12, leading=16, spaceBefore=10),
        "body": body,
        "muted": ParagraphStyle("muted", parent=body, textColor=colors.grey),
    }


def _table(rows: list[list], styles: dict, widths: list[float]) -> Table:
    cells = [[Paragraph(escape(str(cell)), styles["body"]) for cell in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _none(styles: dict) -> Paragraph:
    return Paragraph(escape(_("None this month.")), styles["muted"])


def monthly_pdf(data: dict) -> bytes:
    """The report on landscape A4: summary, problems, alerts, plans and actions, shipped fixes."""
    styles = _styles(_font())
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=_("Monthly feedback analysis report %(month)s") % {"month": data["month"]},
    )
    width = doc.width
    story: list = [
        Paragraph(
            escape(_("Monthly feedback analysis report %(month)s") % {"month": data["month"]}),
            styles["title"],
        ),
        Paragraph(
            escape(
                _(
                    "Figures as of %(as_of)s. %(tickets)s tickets received, %(counted)s counted "
                    "(suggestions left out). A high-frequency problem has more than "
                    "%(threshold)s tickets in the month."
                )
                % {
                    "as_of": data["as_of"][:16].replace("T", " "),
                    "tickets": data["totals"]["tickets"],
                    "counted": data["totals"]["counted"],
                    "threshold": data["threshold"],
                }
            ),
            styles["muted"],
        ),
        Spacer(1, 4 * mm),
        _table(
            [
                [t["label"] for t in data["tiers"]] + [c["label"] for c in data["categories"]],
                [t["count"] for t in data["tiers"]] + [c["count"] for c in data["categories"]],
            ],
            styles,
            [width / (len(data["tiers"]) + len(data["categories"]))]
            * (len(data["tiers"]) + len(data["categories"])),
        ),
        Paragraph(escape(_("High-frequency problems")), styles["h2"]),
    ]
    if data["problems"]:
        story.append(
            _table(
                [
                    [
                        _("Subject"),
                        _("Tickets"),
                        _("Previous month"),
                        _("Root causes on tickets"),
                        _("Problem reports"),
                    ],
                    *[
                        [p["subject"], p["count"], p["previous_count"], _causes(p), _report_refs(p)]
                        for p in data["problems"]
                    ],
                ],
                styles,
                [w * width for w in (0.25, 0.08, 0.1, 0.25, 0.32)],
            )
        )
    else:
        story.append(_none(styles))
    story.append(Paragraph(escape(_("Alerts")), styles["h2"]))
    if data["alerts"]:
        story.append(
            _table(
                [
                    [_("Subject"), _("Rule"), _("Tickets"), _("Baseline a month")],
                    *[
                        [a["subject"], a["rule_label"], a["count"], a["baseline"]]
                        for a in data["alerts"]
                    ],
                ],
                styles,
                [w * width for w in (0.4, 0.3, 0.15, 0.15)],
            )
        )
    else:
        story.append(_none(styles))
    story.append(Paragraph(escape(_("Problem reports and improvement plans")), styles["h2"]))
    if data["reports"]:
        story.append(
            _table(
                [
                    [
                        _("Report"),
                        _("Root cause class"),
                        _("Tickets"),
                        _("Plan status"),
                        _("Approvals"),
                        _("Actions"),
                    ],
                    *[
                        [
                            f"#{r['id']} {r['title']} ({r['status_label']})",
                            r["cause_label"],
                            r["tickets"],
                            r["plan"]["status_label"] if r["plan"] else _("No plan yet"),
                            _approvals(r["plan"]),
                            "; ".join(
                                f"{row[2]} {row[4]} — {row[5]}, {row[6]}, {row[7]}"
                                + (f" ({row[8]})" if row[8] else "")
                                for row in _action_rows(r)
                            ),
                        ]
                        for r in data["reports"]
                    ],
                ],
                styles,
                [w * width for w in (0.22, 0.1, 0.06, 0.1, 0.2, 0.32)],
            )
        )
    else:
        story.append(_none(styles))
    story.append(Paragraph(escape(_("Shipped fixes")), styles["h2"]))
    if data["shipped"]:
        story.append(
            _table(
                [
                    [_("Report"), _("Plan"), _("Shipped at"), _("Customers told")],
                    *[
                        [
                            f"#{s['report_id']} {s['title']}",
                            s["summary"],
                            (s["shipped_at"] or "")[:10],
                            s["customers"],
                        ]
                        for s in data["shipped"]
                    ],
                ],
                styles,
                [w * width for w in (0.3, 0.45, 0.13, 0.12)],
            )
        )
    else:
        story.append(_none(styles))
    doc.build(story)
    return buffer.getvalue()
