"""The improvement loop's services: plans adopted only by all three roles, rejection, verification,
shipping that tells each customer once, and the moves they refuse."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from feedback.models import CustomerMessage
from knowledge.models import ImprovementPlan, PlanAction, PlanApproval, ProblemReport, Verification
from knowledge.services import loop as services
from tests.tickets.factories import ProductFactory, TicketFactory, UserFactory
from tickets.errors import DomainError, PermissionDeniedError

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
Plan = ImprovementPlan.Status
Role = PlanApproval.Role
APPROVED, REJECTED = PlanApproval.Decision.APPROVED, PlanApproval.Decision.REJECTED


@pytest.fixture(autouse=True)
def log_backend(settings):
    settings.OUTBOX_BACKEND = "log"


@pytest.fixture(autouse=True)
def english():
    """The messages matched below are the English msgids, whatever the default language."""
    with translation.override("en"):
        yield


def make_ticket(*, phone: str | None = None, name: str = "李四", at: datetime = NOW, **extra):
    kwargs = {"customer_name": name, "received_at": at, "now": at, **extra}
    if phone:
        kwargs["phone"] = phone
    return TicketFactory(**kwargs)


def approver_map(product_director, rnd_lead, quality_lead) -> dict[str, object]:
    return {
        Role.PRODUCT_DIRECTOR: product_director,
        Role.RND_LEAD: rnd_lead,
        Role.QUALITY_LEAD: quality_lead,
    }


def customer_tickets() -> list:
    """Three tickets of two customers: 王 has two of them."""
    product = ProductFactory(model_code="XQB80-A1", name="波轮洗衣机")
    return [
        make_ticket(phone="13911110001", name="王小明", product_model=product.model_code),
        make_ticket(
            phone="13911110001",
            name="王小明",
            product_model=product.model_code,
            at=NOW - timedelta(days=3),
        ),
        make_ticket(phone="13922220002", name="赵六", product_model=product.model_code),
    ]


def open_report(product_manager, tickets) -> ProblemReport:
    return services.report_create(title="脱水异响", tickets=tickets, actor=product_manager, now=NOW)


@pytest.fixture
def approvers(product_director, rnd_lead, quality_lead):
    return approver_map(product_director, rnd_lead, quality_lead)


@pytest.fixture
def report_tickets(db):
    return customer_tickets()


@pytest.fixture
def report(product_manager, report_tickets):
    return open_report(product_manager, report_tickets)


def draft_plan(report: ProblemReport, product_manager, owner=None) -> ImprovementPlan:
    plan = services.plan_save(
        report=report,
        summary="更换电机支架批次，并改进设计",
        customer_notice="洗衣机脱水异响问题已通过更换电机支架解决",
        actor=product_manager,
        now=NOW,
    )
    services.plan_action_add(
        plan=plan,
        term=PlanAction.Term.SHORT,
        kind=PlanAction.Kind.PART_REPLACEMENT,
        description="上门更换电机支架",
        owner=owner or product_manager,
        due_on=date(2026, 12, 1),
        actor=product_manager,
        now=NOW,
    )
    return plan


def proposed_plan(report, product_manager, owner=None) -> ImprovementPlan:
    plan = draft_plan(report, product_manager, owner)
    return services.plan_propose(plan=plan, actor=product_manager, now=NOW)


def approve_all(plan, approvers) -> ImprovementPlan:
    for role, user in approvers.items():
        plan = services.plan_decide(
            plan=plan, role=role, decision=APPROVED, actor=user, now=NOW + timedelta(hours=1)
        )
    return plan


def verify(plan, rnd_lead, quality_lead) -> ImprovementPlan:
    at = NOW + timedelta(days=2)
    services.verification_record(
        plan=plan,
        kind=Verification.Kind.INTERNAL_TEST,
        passed=True,
        note="压力测试通过",
        actor=quality_lead,
        now=at,
    )
    services.verification_record(
        plan=plan, kind=Verification.Kind.BETA, passed=True, note="15名客户无异响", actor=rnd_lead
    )
    plan.refresh_from_db()
    return plan


def test_a_plan_is_adopted_only_when_the_third_role_approves(report, product_manager, approvers):
    plan = proposed_plan(report, product_manager)
    roles = list(approvers.items())
    for role, user in roles[:2]:
        plan = services.plan_decide(plan=plan, role=role, decision=APPROVED, actor=user, now=NOW)
        assert plan.status == Plan.PROPOSED
    role, user = roles[2]
    later = NOW + timedelta(hours=3)
    plan = services.plan_decide(plan=plan, role=role, decision=APPROVED, actor=user, now=later)
    assert plan.status == Plan.ADOPTED
    assert plan.adopted_at == later
    report.refresh_from_db()
    assert report.status == ProblemReport.Status.PLANNED


def test_shipping_tells_each_customer_once_and_fixes_the_report(
    report, product_manager, approvers, rnd_lead, quality_lead
):
    plan = approve_all(proposed_plan(report, product_manager), approvers)
    plan = verify(plan, rnd_lead, quality_lead)
    assert plan.status == Plan.VERIFIED

    queued = services.plan_ship(plan=plan, actor=product_manager, now=NOW + timedelta(days=5))

    assert queued == 2
    messages = CustomerMessage.objects.filter(kind="fix_notice", slot=f"plan-{plan.pk}")
    assert sorted(m.phone for m in messages) == ["+8613911110001", "+8613922220002"]
    # 王's message goes with his latest ticket; the wording's own 。 ends the sentence once.
    wang = messages.get(phone="+8613911110001")
    assert wang.ticket.received_at == NOW
    assert "已通过更换电机支架解决。感谢" in wang.body
    plan.refresh_from_db()
    report.refresh_from_db()
    assert (plan.status, plan.shipped_at) == (Plan.SHIPPED, NOW + timedelta(days=5))
    assert report.status == ProblemReport.Status.FIXED


def test_shipping_again_is_a_no_op(report, product_manager, approvers, rnd_lead, quality_lead):
    plan = verify(
        approve_all(proposed_plan(report, product_manager), approvers), rnd_lead, quality_lead
    )
    services.plan_ship(plan=plan, actor=product_manager, now=NOW)
    assert services.plan_ship(plan=plan, actor=product_manager, now=NOW) == 0
    assert CustomerMessage.objects.filter(kind="fix_notice").count() == 2


def test_a_rejection_sends_the_plan_back_to_editing_and_a_new_proposal_starts_over(
    report, product_manager, approvers
):
    plan = proposed_plan(report, product_manager)
    director = approvers[Role.PRODUCT_DIRECTOR]
    services.plan_decide(plan=plan, role=Role.PRODUCT_DIRECTOR, decision=APPROVED, actor=director)
    plan = services.plan_decide(
        plan=plan,
        role=Role.RND_LEAD,
        decision=REJECTED,
        note="成本过高",
        actor=approvers[Role.RND_LEAD],
    )
    assert plan.status == Plan.REJECTED
    with pytest.raises(services.LoopConflict):
        services.plan_decide(
            plan=plan,
            role=Role.QUALITY_LEAD,
            decision=APPROVED,
            actor=approvers[Role.QUALITY_LEAD],
        )

    services.plan_save(
        report=report, summary="改用低成本方案", customer_notice="已修复", actor=product_manager
    )
    plan = services.plan_propose(plan=plan, actor=product_manager)

    assert plan.status == Plan.PROPOSED
    assert not plan.approvals.exists()


def test_one_decision_per_role_per_proposal(report, product_manager, approvers):
    plan = proposed_plan(report, product_manager)
    director = approvers[Role.PRODUCT_DIRECTOR]
    services.plan_decide(plan=plan, role=Role.PRODUCT_DIRECTOR, decision=APPROVED, actor=director)
    # The same decision again is a no-op; changing one's mind is refused.
    services.plan_decide(plan=plan, role=Role.PRODUCT_DIRECTOR, decision=APPROVED, actor=director)
    with pytest.raises(services.LoopConflict):
        services.plan_decide(
            plan=plan, role=Role.PRODUCT_DIRECTOR, decision=REJECTED, actor=director
        )
    assert plan.approvals.count() == 1


@pytest.mark.parametrize("role", list(Role.values))
def test_deciding_needs_that_roles_permission(report, product_manager, manager, role):
    plan = proposed_plan(report, product_manager)
    for user in (product_manager, manager):
        with pytest.raises(PermissionDeniedError):
            services.plan_decide(plan=plan, role=role, decision=APPROVED, actor=user)
    assert not plan.approvals.exists()


def test_an_approver_cannot_decide_for_another_role(report, product_manager, rnd_lead):
    plan = proposed_plan(report, product_manager)
    with pytest.raises(PermissionDeniedError):
        services.plan_decide(
            plan=plan, role=Role.PRODUCT_DIRECTOR, decision=APPROVED, actor=rnd_lead
        )


def test_a_draft_cannot_be_approved(report, product_manager, product_director):
    plan = draft_plan(report, product_manager)
    with pytest.raises(services.LoopConflict, match="proposed"):
        services.plan_decide(
            plan=plan, role=Role.PRODUCT_DIRECTOR, decision=APPROVED, actor=product_director
        )


def test_proposing_needs_an_action_and_the_customer_message(report, product_manager):
    plan = services.plan_save(
        report=report, summary="方案", customer_notice="已修复", actor=product_manager
    )
    with pytest.raises(services.LoopConflict, match="action"):
        services.plan_propose(plan=plan, actor=product_manager)
    plan = draft_plan(report, product_manager)
    services.plan_save(report=report, summary="方案", customer_notice="", actor=product_manager)
    with pytest.raises(services.LoopConflict):
        services.plan_propose(plan=plan, actor=product_manager)


def test_a_proposed_plan_cannot_be_edited(report, product_manager):
    proposed_plan(report, product_manager)
    with pytest.raises(services.LoopConflict):
        services.plan_save(report=report, summary="改", customer_notice="改", actor=product_manager)


def test_shipping_needs_a_verified_plan(report, product_manager, approvers, quality_lead):
    plan = approve_all(proposed_plan(report, product_manager), approvers)
    with pytest.raises(services.LoopConflict, match="verified"):
        services.plan_ship(plan=plan, actor=product_manager)
    # One passed kind is not enough: the internal test and the beta must both pass.
    services.verification_record(
        plan=plan, kind="internal_test", passed=True, note="通过", actor=quality_lead
    )
    services.verification_record(
        plan=plan, kind="beta", passed=False, note="仍有异响", actor=quality_lead
    )
    plan.refresh_from_db()
    assert plan.status == Plan.ADOPTED
    with pytest.raises(services.LoopConflict):
        services.plan_ship(plan=plan, actor=product_manager)
    assert not CustomerMessage.objects.filter(kind="fix_notice").exists()


def test_only_a_product_manager_ships(report, product_manager, approvers, rnd_lead, quality_lead):
    plan = verify(
        approve_all(proposed_plan(report, product_manager), approvers), rnd_lead, quality_lead
    )
    with pytest.raises(PermissionDeniedError):
        services.plan_ship(plan=plan, actor=quality_lead)


def test_verification_waits_for_adoption_and_the_permission(report, product_manager, quality_lead):
    plan = proposed_plan(report, product_manager)
    with pytest.raises(services.LoopConflict):
        services.verification_record(
            plan=plan, kind="internal_test", passed=True, note="x", actor=quality_lead
        )
    with pytest.raises(PermissionDeniedError):
        services.verification_record(
            plan=plan, kind="internal_test", passed=True, note="x", actor=product_manager
        )


def test_an_action_owner_reports_progress_once_adopted(report, product_manager, approvers, agent):
    engineer = UserFactory(username="eng_owner", role="engineer")
    plan = proposed_plan(report, product_manager, owner=engineer)
    action = plan.actions.get()
    with pytest.raises(services.LoopConflict):
        services.plan_action_status_set(action=action, status="done", actor=engineer)
    approve_all(plan, approvers)
    with pytest.raises(PermissionDeniedError):
        services.plan_action_status_set(action=action, status="done", actor=agent)

    action = services.plan_action_status_set(action=action, status="done", actor=engineer, now=NOW)

    assert (action.status, action.done_at) == ("done", NOW)


def test_report_tickets_add_names_unknown_numbers(report, product_manager):
    known = make_ticket(phone="13933330003")
    with pytest.raises(services.UnknownTickets) as caught:
        services.report_tickets_add(
            report=report,
            numbers=[known.number, "SH-19990101-000001"],
            actor=product_manager,
        )
    assert "SH-19990101-000001" in str(caught.value)
    assert not report.tickets.filter(pk=known.pk).exists()


def test_a_shipped_report_keeps_its_tickets(
    report, product_manager, approvers, rnd_lead, quality_lead
):
    plan = verify(
        approve_all(proposed_plan(report, product_manager), approvers), rnd_lead, quality_lead
    )
    services.plan_ship(plan=plan, actor=product_manager)
    with pytest.raises(services.LoopConflict):
        services.report_ticket_remove(
            report=report, ticket=report.tickets.first(), actor=product_manager
        )


def test_report_status_moves(report, product_manager):
    services.report_status_set(report=report, status="closed", actor=product_manager)
    report.refresh_from_db()
    assert report.status == ProblemReport.Status.CLOSED
    with pytest.raises(services.LoopConflict):
        services.plan_save(report=report, summary="x", customer_notice="y", actor=product_manager)
    services.report_status_set(report=report, status="open", actor=product_manager)
    with pytest.raises(services.LoopConflict):
        services.report_status_set(report=report, status="fixed", actor=product_manager)


def test_report_update_refuses_an_unknown_root_cause(report, product_manager, agent):
    with pytest.raises(DomainError):
        services.report_update(
            report=report, title="t", root_cause_class="aliens", evidence="", actor=product_manager
        )
    with pytest.raises(PermissionDeniedError):
        services.report_update(
            report=report, title="t", root_cause_class="design", evidence="", actor=agent
        )


def test_a_decision_locks_the_plan_row_before_counting_approvals(
    report, product_manager, approvers
):
    """Two simultaneous last approvals must see each other: each locks the plan row first, so
    the later one counts all three and adopts (without the lock both would count two)."""
    plan = proposed_plan(report, product_manager)
    with CaptureQueriesContext(connection) as queries:
        services.plan_decide(
            plan=plan,
            role=Role.RND_LEAD,
            decision=APPROVED,
            actor=approvers[Role.RND_LEAD],
        )
    sql = [query["sql"] for query in queries.captured_queries]
    lock = next(
        i for i, q in enumerate(sql) if "knowledge_improvementplan" in q and "FOR UPDATE" in q
    )
    insert = next(
        i for i, q in enumerate(sql) if q.startswith('INSERT INTO "knowledge_planapproval"')
    )
    count = max(i for i, q in enumerate(sql) if '"knowledge_planapproval"' in q and "SELECT" in q)
    assert lock < insert < count
