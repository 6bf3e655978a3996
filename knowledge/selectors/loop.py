"""Reads of the improvement loop: the suggestions queue, reports, a report's page and timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Prefetch, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from feedback.models import CustomerMessage
from knowledge.models import (
    ImprovementPlan,
    PlanAction,
    PlanApproval,
    ProblemReport,
    Verification,
)
from knowledge.services.loop import fix_notice_slot
from tickets.models import OPEN_STATUSES, Product, Ticket, User

# The queue shows this many newest tickets of each product; the count covers them all.
GROUP_SHOWN = 20
# The queue's period filter: days back from now; "" is every suggestion.
PERIODS = {"30": 30, "90": 90, "365": 365, "": None}


def may_see_suggestions(user: User) -> bool:
    """Product managers (view_suggestion_tickets), managers and the three approving roles."""
    return user.has_perm("tickets.view_suggestion_tickets") or user.has_perm(
        "knowledge.view_problemreport"
    )


@dataclass
class SuggestionGroup:
    product: Product | None
    count: int
    tickets: list[Ticket] = field(default_factory=list)

    @property
    def numbers(self) -> str:
        return ",".join(ticket.number for ticket in self.tickets)


def suggestion_groups(
    *, open_only: bool, period: str, now: datetime, shown: int = GROUP_SHOWN
) -> list[SuggestionGroup]:
    """Tier S tickets by product, busiest product first, newest tickets first within one.

    Three queries whatever the number of tickets: the counts, the `shown` newest of each
    product (a window function numbers them per product), and the reports they are in.
    """
    suggestions = Ticket.objects.filter(tier=Ticket.Tier.S)
    if open_only:
        suggestions = suggestions.filter(status__in=OPEN_STATUSES)
    days = PERIODS.get(period)
    if days is not None:
        suggestions = suggestions.filter(received_at__gte=now - timedelta(days=days))
    counts = {
        row["product"]: row["n"]
        for row in suggestions.order_by().values("product").annotate(n=Count("pk"))
    }
    newest = (
        suggestions.select_related("customer", "product")
        .prefetch_related(Prefetch("problem_reports", queryset=ProblemReport.objects.only("title")))
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("product_id")], order_by=[F("received_at").desc()]
            )
        )
        .filter(rank__lte=shown)
        .order_by("-received_at", "-pk")
    )
    groups: dict[int | None, SuggestionGroup] = {}
    for ticket in newest:
        group = groups.setdefault(
            ticket.product_id, SuggestionGroup(ticket.product, counts.get(ticket.product_id, 0))
        )
        group.tickets.append(ticket)
    # The unknown model last among equals: a product the team can act on comes first.
    return sorted(groups.values(), key=lambda g: (-g.count, g.product is None))


def report_list(*, status: str = "") -> QuerySet[ProblemReport]:
    reports = (
        ProblemReport.objects.select_related("product", "tag__parent", "plan", "created_by")
        .annotate(ticket_count=Count("tickets"))
        .order_by("-created_at", "-pk")
    )
    return reports.filter(status=status) if status else reports


def report_get(*, pk: int) -> ProblemReport:
    """Raise ProblemReport.DoesNotExist when there is none."""
    return ProblemReport.objects.select_related(
        "product", "tag__parent", "created_by", "article"
    ).get(pk=pk)


def report_tickets(*, report: ProblemReport) -> QuerySet[Ticket]:
    return report.tickets.select_related("customer", "product").order_by("-received_at", "-pk")


def plan_for_report(*, report: ProblemReport) -> ImprovementPlan | None:
    """The plan with its actions, approvals and verifications (four queries)."""
    return (
        ImprovementPlan.objects.filter(report=report)
        .select_related("created_by")
        .prefetch_related(
            Prefetch("actions", queryset=PlanAction.objects.select_related("owner")),
            Prefetch("approvals", queryset=PlanApproval.objects.select_related("approver")),
            Prefetch("verifications", queryset=Verification.objects.select_related("recorded_by")),
        )
        .first()
    )


def fix_notices(*, plan: ImprovementPlan | None) -> QuerySet[CustomerMessage]:
    """The customers told of the shipped fix: one message per customer."""
    if plan is None:
        return CustomerMessage.objects.none()
    return (
        CustomerMessage.objects.filter(kind="fix_notice", slot=fix_notice_slot(plan))
        .filter(ticket__problem_reports=plan.report_id)
        .select_related("ticket__customer")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: User | None
    text: str
    note: str = ""


def report_timeline(
    *, report: ProblemReport, plan: ImprovementPlan | None, notices: list[CustomerMessage]
) -> list[TimelineEntry]:
    """What happened when, by whom, from the rows' own timestamps (no queries of its own)."""
    entries = [TimelineEntry(report.created_at, report.created_by, _("opened the report"))]
    if plan is not None:
        entries.append(TimelineEntry(plan.created_at, plan.created_by, _("drafted the plan")))
        if plan.proposed_at:
            entries.append(TimelineEntry(plan.proposed_at, None, _("plan proposed for approval")))
        for approval in plan.approvals.all():
            verb = (
                _("approved as %(role)s")
                if approval.decision == PlanApproval.Decision.APPROVED
                else _("rejected as %(role)s")
            )
            entries.append(
                TimelineEntry(
                    approval.decided_at,
                    approval.approver,
                    verb % {"role": approval.get_role_display()},
                    approval.note,
                )
            )
        if plan.adopted_at:
            entries.append(TimelineEntry(plan.adopted_at, None, _("plan adopted")))
        for verification in plan.verifications.all():
            verb = _("%(kind)s passed") if verification.passed else _("%(kind)s failed")
            entries.append(
                TimelineEntry(
                    verification.recorded_at,
                    verification.recorded_by,
                    verb % {"kind": verification.get_kind_display()},
                    verification.note,
                )
            )
        for action in plan.actions.all():
            if action.done_at:
                entries.append(
                    TimelineEntry(
                        action.done_at, action.owner, _("action done"), action.description
                    )
                )
        if plan.verified_at:
            entries.append(TimelineEntry(plan.verified_at, None, _("fix verified")))
        if plan.shipped_at:
            entries.append(
                TimelineEntry(
                    plan.shipped_at,
                    None,
                    _("fix shipped; customers told: %(count)d") % {"count": len(notices)},
                )
            )
    return sorted(entries, key=lambda entry: entry.at)


def report_counts_by_status() -> dict[str, int]:
    rows = ProblemReport.objects.order_by().values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def plan_owner_choices() -> QuerySet[User]:
    """Who may own an action: active staff users."""
    return User.objects.filter(is_active=True).order_by("username")


def approvals_by_role(plan: ImprovementPlan | None) -> list[tuple[str, str, PlanApproval | None]]:
    """Each approving role with its decision on the current proposal, if any."""
    decided = {approval.role: approval for approval in plan.approvals.all()} if plan else {}
    return [(role, label, decided.get(role)) for role, label in PlanApproval.Role.choices]


def roles_user_may_decide(user: User) -> list[tuple[str, str]]:
    return [
        (role, label)
        for role, label in PlanApproval.Role.choices
        if user.has_perm(f"knowledge.approve_as_{role}")
    ]
