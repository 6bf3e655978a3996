"""Demo data of the improvement loop: one report whose plan awaits approvals, one fix shipped.

Called by seed_demo after the demo tickets and users exist; idempotent (a second run finds the
reports by title and adds nothing). Everything goes through the loop's services.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count

from knowledge.models import PlanAction, PlanApproval, ProblemReport, Verification
from knowledge.services import loop as services
from tickets.models import Product, Ticket, User

AWAITING_TITLE = "外机运行异响：同批次风扇电机轴承磨损"
SHIPPED_TITLE = "显示屏偶发乱码：主板固件缺陷"
ROLES = ("product_manager", "product_director", "rnd_lead", "quality_lead")


def _users() -> dict[str, User] | None:
    """The first active user of each role the loop needs; None when one is missing."""
    found = {
        role: User.objects.filter(groups__name=role, is_active=True).order_by("pk").first()
        for role in ROLES
    }
    return None if None in found.values() else found  # type: ignore[return-value]


def _busiest_products(count: int) -> list[int]:
    rows = (
        Ticket.objects.exclude(tier=Ticket.Tier.S)
        .filter(product__isnull=False)
        .values("product")
        .annotate(n=Count("pk"))
        .order_by("-n", "product")[:count]
    )
    return [row["product"] for row in rows]


def _tickets(product_id: int, size: int, *, oldest: bool) -> list[Ticket]:
    order = "received_at" if oldest else "-received_at"
    return list(
        Ticket.objects.filter(product_id=product_id)
        .exclude(tier=Ticket.Tier.S)
        .order_by(order, "pk")[:size]
    )


def _moments(tickets: list[Ticket], now: datetime, count: int) -> list[datetime]:
    """`count` moments evenly spread from just after the last ticket to an hour before now,
    so the report's timeline never starts before its tickets."""
    start = max(ticket.received_at for ticket in tickets) + timedelta(hours=1)
    end = max(now - timedelta(hours=1), start)
    step = (end - start) / max(count - 1, 1)
    return [start + step * i for i in range(count)]


@transaction.atomic
def loop_demo_seed(*, now: datetime) -> int:
    """Seed the two demo reports; returns how many were created (0 on a rerun)."""
    users = _users()
    products = _busiest_products(2)
    if users is None or len(products) < 2:
        return 0
    created = 0
    if not ProblemReport.objects.filter(title=AWAITING_TITLE).exists():
        _seed_awaiting(users, products[0], now=now)
        created += 1
    if not ProblemReport.objects.filter(title=SHIPPED_TITLE).exists():
        _seed_shipped(users, products[1], now=now)
        created += 1
    return created


def _seed_awaiting(users: dict[str, User], product_id: int, *, now: datetime) -> None:
    pm = users["product_manager"]
    tickets = _tickets(product_id, 6, oldest=False)
    at = _moments(tickets, now, 5)
    report = services.report_create(
        title=AWAITING_TITLE,
        tickets=tickets,
        product=Product.objects.get(pk=product_id),
        actor=pm,
        now=at[0],
    )
    services.report_update(
        report=report,
        title=AWAITING_TITLE,
        root_cause_class=ProblemReport.RootCauseClass.COMPONENT,
        evidence="拆检6台返修外机：风扇电机轴承均有磨损痕迹，同属供应商A的2025年9月批次。",
        actor=pm,
        now=at[1],
    )
    plan = services.plan_save(
        report=report,
        summary="短期为受影响用户上门更换风扇电机；长期更换轴承供应商并加严来料检验。",
        customer_notice="外机运行异响问题已通过更换风扇电机解决",
        actor=pm,
        now=at[2],
    )
    for term, kind, text, days in (
        (PlanAction.Term.SHORT, PlanAction.Kind.PART_REPLACEMENT, "上门更换风扇电机", 10),
        (PlanAction.Term.LONG, PlanAction.Kind.SUPPLIER_CHANGE, "轴承改由供应商B供货", 60),
    ):
        services.plan_action_add(
            plan=plan,
            term=term,
            kind=kind,
            description=text,
            owner=pm,
            due_on=(now + timedelta(days=days)).date(),
            actor=pm,
            now=at[2],
        )
    services.plan_propose(plan=plan, actor=pm, now=at[3])
    services.plan_decide(
        plan=plan,
        role=PlanApproval.Role.PRODUCT_DIRECTOR,
        decision=PlanApproval.Decision.APPROVED,
        note="同意，请控制更换成本。",
        actor=users["product_director"],
        now=at[4],
    )


def _seed_shipped(users: dict[str, User], product_id: int, *, now: datetime) -> None:
    pm, quality, rnd = users["product_manager"], users["quality_lead"], users["rnd_lead"]
    tickets = _tickets(product_id, 5, oldest=True)
    at = _moments(tickets, now, 12)
    report = services.report_create(
        title=SHIPPED_TITLE,
        tickets=tickets,
        product=Product.objects.get(pk=product_id),
        actor=pm,
        now=at[0],
    )
    services.report_update(
        report=report,
        title=SHIPPED_TITLE,
        root_cause_class=ProblemReport.RootCauseClass.SOFTWARE,
        evidence="日志显示固件V2.1在低温启动时显示驱动初始化超时，实验室复现率12%。",
        actor=pm,
        now=at[1],
    )
    plan = services.plan_save(
        report=report,
        summary="发布固件V2.2修复显示驱动初始化；远程推送并由售后协助升级。",
        customer_notice="显示屏偶发乱码问题已通过固件升级修复，设备联网后将自动更新",
        actor=pm,
        now=at[2],
    )
    services.plan_action_add(
        plan=plan,
        term=PlanAction.Term.SHORT,
        kind=PlanAction.Kind.PATCH,
        description="发布并推送固件V2.2",
        owner=rnd,
        due_on=at[8].date(),
        actor=pm,
        now=at[2],
    )
    services.plan_propose(plan=plan, actor=pm, now=at[3])
    for moment, role in zip(at[4:7], PlanApproval.Role.values, strict=True):
        services.plan_decide(
            plan=plan,
            role=role,
            decision=PlanApproval.Decision.APPROVED,
            actor=users[role],
            now=moment,
        )
    services.plan_action_status_set(
        action=plan.actions.get(), status=PlanAction.Status.DONE, actor=rnd, now=at[7]
    )
    services.verification_record(
        plan=plan,
        kind=Verification.Kind.INTERNAL_TEST,
        passed=True,
        note="低温启动200次无乱码。",
        actor=quality,
        now=at[8],
    )
    services.verification_record(
        plan=plan,
        kind=Verification.Kind.BETA,
        passed=True,
        note="15名客户试用两周，无复现。",
        actor=rnd,
        now=at[10],
    )
    services.plan_ship(plan=plan, actor=pm, now=at[11])
