"""The monthly feedback analysis report (seed 004): a snapshot of one Shanghai calendar month.

`data` keeps codes, names and numbers only (JSON-safe); the page and the exports put the
labels on in the reader's language (`monthly_report_labelled`), so one snapshot reads in
Chinese and in English.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from knowledge.models import (
    Alert,
    ImprovementPlan,
    MonthlyReport,
    PlanAction,
    PlanApproval,
    ProblemReport,
)
from knowledge.selectors.alerts import (
    Window,
    alerts_of_month,
    batch_counts,
    counted_tickets,
    month_first,
    month_shift,
    month_window,
    subject_tickets,
    tag_counts,
)
from knowledge.services.alerts import alert_rules
from tickets.errors import DomainError
from tickets.models import Product, Tag, Ticket

DATA_VERSION = 1
OPEN_ACTION_STATUSES = (PlanAction.Status.OPEN, PlanAction.Status.IN_PROGRESS)


class MonthNotStarted(DomainError):
    code = "month_not_started"
    http_status = 400

    def __init__(self, month: date) -> None:
        super().__init__(
            _("The month %(month)s has not begun yet: there is nothing to report.")
            % {"month": month.strftime("%Y-%m")}
        )


def _iso(moment: datetime | date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return timezone.localtime(moment, timezone.get_default_timezone()).isoformat()
    return moment.isoformat()


def _totals(window: Window) -> dict:
    tickets = Ticket.objects.filter(received_at__gte=window.start, received_at__lt=window.end)
    by_tier = dict(tickets.values_list("tier").annotate(n=Count("id")).order_by())
    by_category = dict(tickets.values_list("category").annotate(n=Count("id")).order_by())
    return {
        "tickets": sum(by_tier.values()),
        "counted": counted_tickets(start=window.start, end=window.end).count(),
        "by_tier": {code: by_tier.get(code, 0) for code in Ticket.Tier.values},
        "by_category": {code: by_category.get(code, 0) for code in Ticket.Category.values},
    }


def _report_brief(report: ProblemReport) -> dict:
    plan = getattr(report, "plan", None)
    return {
        "id": report.pk,
        "title": report.title,
        "status": report.status,
        "root_cause_class": report.root_cause_class,
        "plan_status": plan.status if plan else None,
    }


def _problem(*, window: Window, subject: dict, count: int, before: int) -> dict:
    """One high-frequency problem: its counts, the root causes on its tickets and reports."""
    keys = {k: subject[k] for k in ("product_id", "batch", "tag_id")}
    tickets = subject_tickets(start=window.start, end=window.end, **keys)
    causes = dict(
        tickets.exclude(root_cause="").values_list("root_cause").annotate(n=Count("id")).order_by()
    )
    if subject["tag_id"] is not None:
        matches = Q(tag_id=subject["tag_id"])
    else:
        matches = Q(product_id=subject["product_id"], batch=subject["batch"])
    reports = (
        ProblemReport.objects.filter(matches | Q(tickets__in=tickets))
        .select_related("plan")
        .distinct()
        .order_by("-created_at")
    )
    return {
        **subject,
        "count": count,
        "previous_count": before,
        "resolved": tickets.filter(
            status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED]
        ).count(),
        "root_causes": dict(sorted(causes.items(), key=lambda item: -item[1])),
        "reports": [_report_brief(report) for report in reports],
    }


def _problems(window: Window, threshold: int) -> list[dict]:
    previous = month_window(month_shift(window.month, -1))
    now_batches = batch_counts(start=window.start, end=window.end)
    before_batches = batch_counts(start=previous.start, end=previous.end)
    now_tags = tag_counts(start=window.start, end=window.end)
    before_tags = tag_counts(start=previous.start, end=previous.end)
    over_batches = {key: n for key, n in now_batches.items() if n > threshold}
    over_tags = {key: n for key, n in now_tags.items() if n > threshold}
    products = Product.objects.in_bulk({product_id for product_id, _b in over_batches})
    tags = Tag.objects.select_related("parent").in_bulk(over_tags)
    problems = []
    for (product_id, batch), count in over_batches.items():
        product = products[product_id]
        subject = {
            "kind": Alert.Kind.BATCH.value,
            "product_id": product_id,
            "product_code": product.model_code,
            "product_name": product.name,
            "batch": batch,
            "tag_id": None,
            "tag_name": "",
        }
        before = before_batches.get((product_id, batch), 0)
        problems.append(_problem(window=window, subject=subject, count=count, before=before))
    for tag_id, count in over_tags.items():
        subject = {
            "kind": Alert.Kind.TAG.value,
            "product_id": None,
            "product_code": "",
            "product_name": "",
            "batch": "",
            "tag_id": tag_id,
            "tag_name": str(tags[tag_id]),
        }
        before = before_tags.get(tag_id, 0)
        problems.append(_problem(window=window, subject=subject, count=count, before=before))
    return sorted(problems, key=lambda p: (-p["count"], p["kind"], p["product_code"], p["batch"]))


def _alerts(window: Window) -> list[dict]:
    return [
        {
            "id": alert.pk,
            "kind": alert.kind,
            "rule": alert.rule,
            "product_code": alert.product.model_code if alert.product_id else "",
            "batch": alert.batch,
            "tag_name": str(alert.tag) if alert.tag_id else "",
            "count": alert.count,
            "baseline": round(alert.baseline, 2),
            "raised_at": _iso(alert.created_at),
            "acknowledged": alert.acknowledged_at is not None,
            "report_id": alert.report_id,
        }
        for alert in alerts_of_month(window=window)
    ]


def _touched_reports(window: Window) -> list[ProblemReport]:
    """Reports with anything done in the month, and every one still open at its end."""
    days = (window.start.date(), month_shift(window.month, 1))
    span = {"gte": window.start, "lt": window.end}

    def within(field: str) -> Q:
        return Q(**{f"{field}__gte": span["gte"], f"{field}__lt": span["lt"]})

    touched = (
        within("created_at")
        | within("updated_at")
        | within("plan__proposed_at")
        | within("plan__adopted_at")
        | within("plan__verified_at")
        | within("plan__shipped_at")
        | within("plan__approvals__decided_at")
        | within("plan__actions__done_at")
        | Q(plan__actions__due_on__gte=days[0], plan__actions__due_on__lt=days[1])
        | Q(
            status__in=[ProblemReport.Status.OPEN, ProblemReport.Status.PLANNED],
            created_at__lt=window.end,
        )
    )
    ids = ProblemReport.objects.filter(touched).values("pk").distinct()
    return list(
        ProblemReport.objects.filter(pk__in=ids)
        .select_related("product", "tag__parent", "plan")
        .prefetch_related("plan__approvals__approver", "plan__actions__owner")
        .annotate(ticket_count=Count("tickets", distinct=True))
        .order_by("-created_at", "-id")
    )


def _plan(plan: ImprovementPlan, today: date) -> dict:
    return {
        "id": plan.pk,
        "status": plan.status,
        "summary": plan.summary,
        "proposed_at": _iso(plan.proposed_at),
        "adopted_at": _iso(plan.adopted_at),
        "verified_at": _iso(plan.verified_at),
        "shipped_at": _iso(plan.shipped_at),
        "approvals": [
            {
                "role": approval.role,
                "decision": approval.decision,
                "approver": str(approval.approver),
                "decided_at": _iso(approval.decided_at),
                "note": approval.note,
            }
            for approval in sorted(plan.approvals.all(), key=_role_order)
        ],
        "actions": [
            {
                "term": action.term,
                "kind": action.kind,
                "description": action.description,
                "owner": str(action.owner),
                "due_on": _iso(action.due_on),
                "status": action.status,
                "overdue": action.status in OPEN_ACTION_STATUSES and action.due_on < today,
            }
            for action in sorted(plan.actions.all(), key=_action_order)
        ],
    }


def _action_order(action: PlanAction) -> tuple:
    # Short-term actions first (what is done now for the customers), then by due date.
    return (action.term != PlanAction.Term.SHORT, action.due_on, action.pk)


def _role_order(approval: PlanApproval) -> int:
    return PlanApproval.Role.values.index(approval.role)


def _reports(window: Window, today: date) -> list[dict]:
    rows = []
    for report in _touched_reports(window):
        plan = getattr(report, "plan", None)
        rows.append(
            {
                "id": report.pk,
                "title": report.title,
                "status": report.status,
                "root_cause_class": report.root_cause_class,
                "product_code": report.product.model_code if report.product_id else "",
                "batch": report.batch,
                "tag_name": str(report.tag) if report.tag_id else "",
                "evidence": report.evidence,
                "tickets": report.ticket_count,
                "created_at": _iso(report.created_at),
                "plan": _plan(plan, today) if plan else None,
            }
        )
    return rows


def _shipped(window: Window) -> list[dict]:
    plans = (
        ImprovementPlan.objects.filter(shipped_at__gte=window.start, shipped_at__lt=window.end)
        .select_related("report")
        .annotate(customers=Count("report__tickets__customer", distinct=True))
        .order_by("shipped_at", "id")
    )
    return [
        {
            "report_id": plan.report_id,
            "title": plan.report.title,
            "summary": plan.summary,
            "shipped_at": _iso(plan.shipped_at),
            "customers": plan.customers,
        }
        for plan in plans
    ]


def monthly_report_data(*, month: date, now: datetime) -> dict:
    """The snapshot of `month` as it stands at `now` (reads only)."""
    window = month_window(month)
    rules = alert_rules()
    today = timezone.localdate(now, timezone.get_default_timezone())
    return {
        "version": DATA_VERSION,
        "month": window.month.strftime("%Y-%m"),
        "start": _iso(window.start),
        "end": _iso(window.end),
        "as_of": _iso(now),
        "complete": now >= window.end,
        "threshold": rules.threshold,
        "totals": _totals(window),
        "problems": _problems(window, rules.threshold),
        "alerts": _alerts(window),
        "reports": _reports(window, today),
        "shipped": _shipped(window),
    }


@transaction.atomic
def monthly_report_build(
    *, month: date, now: datetime | None = None, replace: bool = True
) -> MonthlyReport:
    """Make (or remake) the report of `month`.

    1. Refuse a month that has not begun.
    2. Lock the month's report if there is one; with `replace` False keep it as it is
       (the beat's rerun), else write the snapshot over it.
    3. A concurrent first build of the same month meets the unique month: update_or_create
       then writes over the other's row instead of failing.
    """
    now = now or timezone.now()
    first = month_first(month)
    window = month_window(first)
    if now < window.start:
        raise MonthNotStarted(first)
    existing = MonthlyReport.objects.select_for_update().filter(month=first).first()
    if existing is not None and not replace:
        return existing
    data = monthly_report_data(month=first, now=now)
    if existing is not None:
        existing.data, existing.generated_at = data, now
        existing.save(update_fields=["data", "generated_at"])
        return existing
    report, _created = MonthlyReport.objects.update_or_create(
        month=first, defaults={"data": data, "generated_at": now}
    )
    return report


def _label(choices, code: str | None) -> str:
    if not code:
        return ""
    return str(dict(choices.choices).get(code, code))


def _when(iso: str | None) -> str:
    """An ISO time of the snapshot (Shanghai) as the page writes it: 2026-10-05 14:30."""
    return (iso or "")[:16].replace("T", " ")


def _subject_label(row: dict) -> str:
    if row.get("tag_name"):
        return row["tag_name"]
    if row.get("batch"):
        return _("%(model)s, batch %(batch)s") % {
            "model": row["product_code"],
            "batch": row["batch"],
        }
    return row.get("product_code", "")


def monthly_report_labelled(data: dict) -> dict:
    """The snapshot with labels in the active language, as the page and the exports show it."""
    totals = data["totals"]
    return {
        **data,
        "tiers": [
            {"code": code, "label": _label(Ticket.Tier, code), "count": n}
            for code, n in totals["by_tier"].items()
        ],
        "categories": [
            {"code": code, "label": _label(Ticket.Category, code), "count": n}
            for code, n in totals["by_category"].items()
        ],
        "problems": [
            {
                **problem,
                "subject": _subject_label(problem),
                "kind_label": _label(Alert.Kind, problem["kind"]),
                "change": problem["count"] - problem["previous_count"],
                "causes": [
                    {"label": _label(Ticket.RootCause, code), "count": n}
                    for code, n in problem["root_causes"].items()
                ],
                "reports": [
                    {
                        **report,
                        "status_label": _label(ProblemReport.Status, report["status"]),
                        "cause_label": _label(
                            ProblemReport.RootCauseClass, report["root_cause_class"]
                        ),
                        "plan_label": _label(ImprovementPlan.Status, report["plan_status"]),
                    }
                    for report in problem["reports"]
                ],
            }
            for problem in data["problems"]
        ],
        "alerts": [
            {
                **alert,
                "subject": _subject_label(alert),
                "kind_label": _label(Alert.Kind, alert["kind"]),
                "rule_label": _label(Alert.Rule, alert["rule"]),
                "raised_at_text": _when(alert["raised_at"]),
            }
            for alert in data["alerts"]
        ],
        "reports": [_report_labelled(report) for report in data["reports"]],
    }


def _report_labelled(report: dict) -> dict:
    plan = report["plan"]
    if plan is not None:
        plan = {
            **plan,
            "status_label": _label(ImprovementPlan.Status, plan["status"]),
            "approvals": [
                {
                    **approval,
                    "role_label": _label(PlanApproval.Role, approval["role"]),
                    "decision_label": _label(PlanApproval.Decision, approval["decision"]),
                }
                for approval in plan["approvals"]
            ],
            "actions": [
                {
                    **action,
                    "term_label": _label(PlanAction.Term, action["term"]),
                    "kind_label": _label(PlanAction.Kind, action["kind"]),
                    "status_label": _label(PlanAction.Status, action["status"]),
                }
                for action in plan["actions"]
            ],
        }
    return {
        **report,
        "subject": _subject_label(report),
        "status_label": _label(ProblemReport.Status, report["status"]),
        "cause_label": _label(ProblemReport.RootCauseClass, report["root_cause_class"]),
        "plan": plan,
    }
