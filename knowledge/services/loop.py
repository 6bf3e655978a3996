"""Writes of the improvement loop (seed 004): problem reports, plans, approvals, shipping.

A report covers tickets; its plan goes draft → proposed → adopted (all three roles approved)
or rejected (back to editing) → verified (a passed internal test and a passed beta) → shipped,
which tells one ticket of every customer of the report. Each service locks what it changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback.services import message_queue
from knowledge.models import (
    Alert,
    ImprovementPlan,
    PlanAction,
    PlanApproval,
    ProblemReport,
    Verification,
)
from tickets.errors import DomainError, PermissionDeniedError
from tickets.models import Product, Tag, Ticket, User

Plan = ImprovementPlan.Status
# Plans whose summary, notice and actions may change: a proposal is judged as it was proposed.
EDITABLE = frozenset({Plan.DRAFT, Plan.REJECTED})
# Plans whose actions are being carried out.
UNDER_WAY = frozenset({Plan.ADOPTED, Plan.VERIFIED, Plan.SHIPPED})
APPROVER_ROLES = tuple(PlanApproval.Role.values)
# Statuses a person sets on a report; planned and fixed follow the plan.
REPORT_MOVES: dict[str, frozenset[str]] = {
    ProblemReport.Status.OPEN: frozenset({ProblemReport.Status.CLOSED}),
    ProblemReport.Status.PLANNED: frozenset({ProblemReport.Status.CLOSED}),
    ProblemReport.Status.CLOSED: frozenset({ProblemReport.Status.OPEN}),
    ProblemReport.Status.FIXED: frozenset(),
}
MAX_TICKETS_PER_CHANGE = 500


class LoopConflict(DomainError):
    """A move the report or plan is not in a state for (approve a draft, ship unverified)."""

    code = "loop_conflict"
    http_status = 409


class UnknownTickets(DomainError):
    """Ticket numbers that name no ticket; the form shows them on its field."""

    code = "unknown_tickets"
    http_status = 400

    def __init__(self, numbers: list[str]):
        self.numbers = numbers
        super().__init__(
            _("No ticket has the number %(numbers)s.") % {"numbers": ", ".join(numbers)}
        )


def _require(actor: User, perm: str, message: str) -> None:
    if not actor.has_perm(perm):
        raise PermissionDeniedError(message)


def _locked_report(report: ProblemReport) -> ProblemReport:
    return ProblemReport.objects.select_for_update().get(pk=report.pk)


def _locked_plan(plan: ImprovementPlan) -> ImprovementPlan:
    return ImprovementPlan.objects.select_for_update().get(pk=plan.pk)


def tickets_by_numbers(numbers: Iterable[str]) -> list[Ticket]:
    """The tickets named, in the order given; raise UnknownTickets naming the missing ones."""
    wanted = list(dict.fromkeys(number.strip().upper() for number in numbers if number.strip()))
    found = {t.number: t for t in Ticket.objects.filter(number__in=wanted)}
    missing = [number for number in wanted if number not in found]
    if missing:
        raise UnknownTickets(missing)
    return [found[number] for number in wanted]


# --- the problem analysis report ---------------------------------------------------------


@transaction.atomic
def report_create(
    *,
    title: str,
    tickets: Iterable[Ticket] = (),
    product: Product | None = None,
    batch: str = "",
    tag: Tag | None = None,
    alert: Alert | None = None,
    actor: User,
    now: datetime | None = None,
) -> ProblemReport:
    """Open a report over tickets; from an alert, the alert points to it (once)."""
    now = now or timezone.now()
    _require(actor, "knowledge.add_problemreport", _("You may not open problem reports."))
    if alert is not None:
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.report_id is not None:
            raise LoopConflict(_("This alert already has a problem report."))
    report = ProblemReport.objects.create(
        title=title.strip(),
        product=product,
        batch=batch.strip(),
        tag=tag,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    report.tickets.set(list(tickets)[:MAX_TICKETS_PER_CHANGE])
    if alert is not None:
        alert.report = report
        alert.save(update_fields=["report"])
    return report


@transaction.atomic
def report_update(
    *,
    report: ProblemReport,
    title: str,
    root_cause_class: str,
    evidence: str,
    actor: User,
    now: datetime | None = None,
) -> ProblemReport:
    """The analysis: title, root cause class and the evidence for it."""
    now = now or timezone.now()
    _require(actor, "knowledge.change_problemreport", _("You may not edit problem reports."))
    if root_cause_class not in ProblemReport.RootCauseClass.values:
        raise DomainError(_("Choose a root cause class from the list."))
    report = _locked_report(report)
    report.title, report.evidence = title.strip(), evidence.strip()
    report.root_cause_class, report.updated_at = root_cause_class, now
    report.save(update_fields=["title", "root_cause_class", "evidence", "updated_at"])
    return report


@transaction.atomic
def report_tickets_add(
    *, report: ProblemReport, numbers: list[str], actor: User, now: datetime | None = None
) -> list[Ticket]:
    """Link more tickets by number; one unknown number refuses the lot, naming it."""
    now = now or timezone.now()
    _require(actor, "knowledge.change_problemreport", _("You may not edit problem reports."))
    if len(numbers) > MAX_TICKETS_PER_CHANGE:
        raise DomainError(
            _("Add at most %(count)d tickets at a time.") % {"count": MAX_TICKETS_PER_CHANGE}
        )
    tickets = tickets_by_numbers(numbers)
    report = _locked_report(report)
    _refuse_when_shipped(report)
    report.tickets.add(*tickets)
    report.updated_at = now
    report.save(update_fields=["updated_at"])
    return tickets


@transaction.atomic
def report_ticket_remove(
    *, report: ProblemReport, ticket: Ticket, actor: User, now: datetime | None = None
) -> None:
    now = now or timezone.now()
    _require(actor, "knowledge.change_problemreport", _("You may not edit problem reports."))
    report = _locked_report(report)
    _refuse_when_shipped(report)
    report.tickets.remove(ticket)
    report.updated_at = now
    report.save(update_fields=["updated_at"])


def _refuse_when_shipped(report: ProblemReport) -> None:
    # The customers told of the fix are the report's tickets' customers at shipping time.
    if report.status == ProblemReport.Status.FIXED:
        raise LoopConflict(_("The fix has shipped: the report's tickets no longer change."))


@transaction.atomic
def report_status_set(
    *, report: ProblemReport, status: str, actor: User, now: datetime | None = None
) -> ProblemReport:
    """Close a report without a fix, or reopen it; a repeat is a no-op."""
    now = now or timezone.now()
    _require(actor, "knowledge.change_problemreport", _("You may not edit problem reports."))
    report = _locked_report(report)
    if report.status == status:
        return report
    if status not in REPORT_MOVES.get(report.status, frozenset()):
        raise LoopConflict(
            _("A report cannot go from “%(from)s” to “%(to)s”.")
            % {"from": report.get_status_display(), "to": _status_label(status)}
        )
    if status == ProblemReport.Status.OPEN and hasattr(report, "plan"):
        status = ProblemReport.Status.PLANNED
    report.status, report.updated_at = status, now
    report.save(update_fields=["status", "updated_at"])
    return report


def _status_label(status: str) -> str:
    return dict(ProblemReport.Status.choices).get(status, status)


# --- the improvement plan ----------------------------------------------------------------


@transaction.atomic
def plan_save(
    *,
    report: ProblemReport,
    summary: str,
    customer_notice: str,
    actor: User,
    now: datetime | None = None,
) -> ImprovementPlan:
    """Write the report's plan (created as a draft the first time) while it may be edited."""
    now = now or timezone.now()
    _require(actor, "knowledge.change_improvementplan", _("You may not edit improvement plans."))
    report = _locked_report(report)
    if report.status == ProblemReport.Status.CLOSED:
        raise LoopConflict(_("The report is closed: reopen it to plan a fix."))
    plan = ImprovementPlan.objects.select_for_update().filter(report=report).first()
    if plan is None:
        plan = ImprovementPlan.objects.create(
            report=report,
            summary=summary.strip(),
            customer_notice=customer_notice.strip(),
            created_by=actor,
            created_at=now,
        )
        report.status, report.updated_at = ProblemReport.Status.PLANNED, now
        report.save(update_fields=["status", "updated_at"])
        return plan
    _require_editable(plan)
    plan.summary, plan.customer_notice = summary.strip(), customer_notice.strip()
    plan.save(update_fields=["summary", "customer_notice"])
    return plan


def _require_editable(plan: ImprovementPlan) -> None:
    if plan.status not in EDITABLE:
        raise LoopConflict(
            _("The plan is “%(status)s”: it can be changed only while a draft or rejected.")
            % {"status": plan.get_status_display()}
        )


@transaction.atomic
def plan_action_add(
    *,
    plan: ImprovementPlan,
    term: str,
    kind: str,
    description: str,
    owner: User,
    due_on: date,
    actor: User,
    now: datetime | None = None,
) -> PlanAction:
    _require(actor, "knowledge.change_improvementplan", _("You may not edit improvement plans."))
    plan = _locked_plan(plan)
    _require_editable(plan)
    return PlanAction.objects.create(
        plan=plan,
        term=term,
        kind=kind,
        description=description.strip(),
        owner=owner,
        due_on=due_on,
    )


@transaction.atomic
def plan_action_remove(*, action: PlanAction, actor: User, now: datetime | None = None) -> None:
    _require(actor, "knowledge.change_improvementplan", _("You may not edit improvement plans."))
    plan = _locked_plan(action.plan)
    _require_editable(plan)
    PlanAction.objects.filter(pk=action.pk).delete()


@transaction.atomic
def plan_action_status_set(
    *, action: PlanAction, status: str, actor: User, now: datetime | None = None
) -> PlanAction:
    """The action's owner or a product manager reports progress once the plan is adopted."""
    now = now or timezone.now()
    if action.owner_id != actor.pk and not actor.has_perm("knowledge.change_improvementplan"):
        raise PermissionDeniedError(
            _("Only the action's owner or a product manager may update it.")
        )
    if status not in PlanAction.Status.values:
        raise DomainError(_("Choose a status from the list."))
    action = PlanAction.objects.select_for_update().select_related("plan").get(pk=action.pk)
    if action.plan.status not in UNDER_WAY:
        raise LoopConflict(_("Actions are carried out once the plan is adopted."))
    if action.status == status:
        return action
    action.status = status
    action.done_at = now if status == PlanAction.Status.DONE else None
    action.save(update_fields=["status", "done_at"])
    return action


@transaction.atomic
def plan_propose(
    *, plan: ImprovementPlan, actor: User, now: datetime | None = None
) -> ImprovementPlan:
    """Put the plan to the three approvers; earlier decisions are cleared. A repeat is a no-op."""
    now = now or timezone.now()
    _require(actor, "knowledge.change_improvementplan", _("You may not propose plans."))
    plan = _locked_plan(plan)
    if plan.status == Plan.PROPOSED:
        return plan
    _require_editable(plan)
    live = plan.actions.exclude(status=PlanAction.Status.CANCELLED)
    if not live.exists():
        raise LoopConflict(_("Add at least one action before proposing the plan."))
    if not plan.summary or not plan.customer_notice:
        raise LoopConflict(
            _("Write the summary and the message to customers before proposing the plan.")
        )
    plan.approvals.all().delete()
    plan.status, plan.proposed_at = Plan.PROPOSED, now
    plan.save(update_fields=["status", "proposed_at"])
    return plan


@transaction.atomic
def plan_decide(
    *,
    plan: ImprovementPlan,
    role: str,
    decision: str,
    note: str = "",
    actor: User,
    now: datetime | None = None,
) -> ImprovementPlan:
    """One role's decision on a proposed plan.

    1. The actor must hold knowledge.approve_as_<role>; each role decides once per proposal.
    2. A rejection sends the plan back to editing.
    3. The third approval adopts it; the plan row is locked, so two simultaneous last
       approvals see each other and adopt once.
    """
    now = now or timezone.now()
    if role not in APPROVER_ROLES:
        raise DomainError(_("Choose a role from the list."))
    if decision not in PlanApproval.Decision.values:
        raise DomainError(_("Choose approve or reject."))
    _require(
        actor,
        f"knowledge.approve_as_{role}",
        _("You may not decide as %(role)s.") % {"role": PlanApproval.Role(role).label},
    )
    plan = _locked_plan(plan)
    if plan.status != Plan.PROPOSED:
        raise LoopConflict(
            _("The plan is “%(status)s”: only a proposed plan can be approved or rejected.")
            % {"status": plan.get_status_display()}
        )
    earlier = plan.approvals.filter(role=role).first()
    if earlier is not None:
        if earlier.decision == decision:
            return plan
        raise LoopConflict(
            _("%(role)s has already decided on this proposal.")
            % {"role": PlanApproval.Role(role).label}
        )
    PlanApproval.objects.create(
        plan=plan,
        role=role,
        decision=decision,
        approver=actor,
        note=note.strip()[:300],
        decided_at=now,
    )
    if decision == PlanApproval.Decision.REJECTED:
        plan.status = Plan.REJECTED
        plan.save(update_fields=["status"])
        return plan
    approved = set(
        plan.approvals.filter(decision=PlanApproval.Decision.APPROVED).values_list(
            "role", flat=True
        )
    )
    if approved >= set(APPROVER_ROLES):
        plan.status, plan.adopted_at = Plan.ADOPTED, now
        plan.save(update_fields=["status", "adopted_at"])
    return plan


# --- verification and shipping -----------------------------------------------------------

# A plan is verified when each kind has a passed verification (seed 004: the quality
# engineer's internal test and the beta customers' verdict).
VERIFIED_WHEN = frozenset(Verification.Kind.values)


@transaction.atomic
def verification_record(
    *,
    plan: ImprovementPlan,
    kind: str,
    passed: bool,
    note: str,
    actor: User,
    now: datetime | None = None,
) -> Verification:
    """Record a test of the adopted fix; the last missing passed kind makes the plan verified."""
    now = now or timezone.now()
    _require(actor, "knowledge.add_verification", _("You may not record verifications."))
    if kind not in Verification.Kind.values:
        raise DomainError(_("Choose a kind of verification from the list."))
    plan = _locked_plan(plan)
    if plan.status not in {Plan.ADOPTED, Plan.VERIFIED}:
        raise LoopConflict(
            _("The plan is “%(status)s”: verifications are recorded once it is adopted.")
            % {"status": plan.get_status_display()}
        )
    verification = Verification.objects.create(
        plan=plan, kind=kind, passed=passed, note=note.strip(), recorded_by=actor, recorded_at=now
    )
    passed_kinds = set(plan.verifications.filter(passed=True).values_list("kind", flat=True))
    if plan.status == Plan.ADOPTED and passed_kinds >= VERIFIED_WHEN:
        plan.status, plan.verified_at = Plan.VERIFIED, now
        plan.save(update_fields=["status", "verified_at"])
    return verification


def fix_notice_tickets(report: ProblemReport) -> QuerySet[Ticket]:
    """One ticket per distinct customer of the report: the customer's latest one."""
    return (
        report.tickets.select_related("customer", "product")
        .order_by("customer_id", "-received_at", "-pk")
        .distinct("customer_id")
    )


def fix_notice_slot(plan: ImprovementPlan) -> str:
    return f"plan-{plan.pk}"


@transaction.atomic
def plan_ship(*, plan: ImprovementPlan, actor: User, now: datetime | None = None) -> int:
    """Ship a verified fix: the report is fixed and every customer of it is told, once.

    Returns how many messages were queued; shipping again is a no-op (0).
    """
    now = now or timezone.now()
    _require(actor, "knowledge.change_improvementplan", _("You may not ship fixes."))
    plan = _locked_plan(plan)
    if plan.status == Plan.SHIPPED:
        return 0
    if plan.status != Plan.VERIFIED:
        raise LoopConflict(
            _("The plan is “%(status)s”: only a verified fix can ship.")
            % {"status": plan.get_status_display()}
        )
    report = _locked_report(plan.report)
    plan.status, plan.shipped_at = Plan.SHIPPED, now
    plan.save(update_fields=["status", "shipped_at"])
    report.status, report.updated_at = ProblemReport.Status.FIXED, now
    report.save(update_fields=["status", "updated_at"])
    queued = 0
    for ticket in fix_notice_tickets(report):
        message_queue(
            ticket=ticket,
            kind="fix_notice",
            slot=fix_notice_slot(plan),
            # The wording ends the sentence itself: "…已完成改进：{fix}。感谢…".
            context={"fix": plan.customer_notice.rstrip("。.！!； ")},
            now=now,
        )
        queued += 1
    return queued
