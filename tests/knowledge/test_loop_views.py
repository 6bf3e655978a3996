"""The improvement loop's pages: the suggestions queue, a report from tickets or an alert, the
whole loop over HTTP, 403 for an approval without the role, refused moves and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feedback.models import CustomerMessage
from knowledge.models import Alert, ImprovementPlan, PlanApproval, ProblemReport
from knowledge.selectors.loop import suggestion_groups
from knowledge.services import loop as services
from tests.knowledge.test_loop_services import (
    NOW,
    approve_all,
    approver_map,
    customer_tickets,
    draft_plan,
    make_ticket,
    open_report,
    proposed_plan,
    verify,
)
from tests.tickets.factories import ProductFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

Role = PlanApproval.Role


@pytest.fixture(autouse=True)
def log_backend(settings):
    settings.OUTBOX_BACKEND = "log"


@pytest.fixture
def approvers(product_director, rnd_lead, quality_lead):
    return approver_map(product_director, rnd_lead, quality_lead)


@pytest.fixture
def report_tickets(db):
    return customer_tickets()


@pytest.fixture
def report(product_manager, report_tickets):
    return open_report(product_manager, report_tickets)


def url(name: str, *args) -> str:
    return reverse(f"knowledge:{name}", args=args)


def suggestion(*, product=None, at=None, phone=None, name="钱七", text="希望增加童锁功能"):
    return make_ticket(
        phone=phone,
        name=name,
        at=at or NOW,
        tier=Ticket.Tier.S,
        category=Ticket.Category.SUGGESTION,
        description=text,
        product_model=product.model_code if product else "",
    )


@pytest.fixture
def products(db):
    return (
        ProductFactory(model_code="BCD-470", name="对开门冰箱"),
        ProductFactory(model_code="JSQ-16", name="燃气热水器"),
    )


# --- the suggestions queue -----------------------------------------------------------------


def test_suggestions_are_grouped_by_product_busiest_first_newest_first(products):
    fridge, heater = products
    old = suggestion(product=fridge, at=NOW - timedelta(days=2))
    new = suggestion(product=fridge, at=NOW - timedelta(hours=1))
    suggestion(product=fridge, at=NOW - timedelta(days=1))
    suggestion(product=heater)
    unknown = suggestion()
    suggestion()
    make_ticket(product_model=fridge.model_code)  # a fault, not a suggestion
    closed = suggestion(product=heater)
    Ticket.objects.filter(pk=closed.pk).update(status=Ticket.Status.CLOSED)

    groups = suggestion_groups(open_only=True, period="", now=NOW)

    assert [(g.product, g.count) for g in groups] == [(fridge, 3), (None, 2), (heater, 1)]
    assert groups[0].tickets[0] == new and groups[0].tickets[-1] == old
    assert unknown in groups[1].tickets
    every = suggestion_groups(open_only=False, period="", now=NOW)
    assert {g.product: g.count for g in every}[heater] == 2


def test_the_period_filter_counts_from_now(products):
    fridge, _heater = products
    suggestion(product=fridge, at=NOW - timedelta(days=40))
    suggestion(product=fridge, at=NOW - timedelta(days=5))
    assert [g.count for g in suggestion_groups(open_only=True, period="30", now=NOW)] == [1]
    assert [g.count for g in suggestion_groups(open_only=True, period="90", now=NOW)] == [2]


def test_a_group_shows_its_newest_tickets_and_counts_them_all(products):
    fridge, _heater = products
    for hours in range(5):
        suggestion(product=fridge, at=NOW - timedelta(hours=hours))
    (group,) = suggestion_groups(open_only=True, period="", now=NOW, shown=2)
    assert group.count == 5
    assert [t.received_at for t in group.tickets] == [NOW, NOW - timedelta(hours=1)]


def test_the_queue_page_costs_the_same_queries_for_more_tickets(client, product_manager, products):
    fridge, heater = products
    suggestion(product=fridge)
    client.force_login(product_manager)
    page = url("suggestions") + "?status=all&period="

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page).status_code == 200
        return len(captured)

    few = queries()
    for n in range(3):
        suggestion(product=heater if n % 2 else fridge, phone=f"1390000100{n}")
        suggestion(phone=f"1390000200{n}")
    assert queries() == few


def test_the_queue_masks_customers(client, product_manager, products):
    suggestion(product=products[0], name="王小明", phone="13912345678")
    client.force_login(product_manager)
    page = client.get(url("suggestions") + "?status=all&period=").content.decode()
    assert "王**" in page and "139****5678" in page
    assert "王小明" not in page and "13912345678" not in page


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("agent", 403),
        ("team_lead", 403),
        ("product_manager", 200),
        ("manager", 200),
        ("product_director", 200),
        ("rnd_lead", 200),
        ("quality_lead", 200),
    ],
)
def test_who_sees_the_queue(client, request, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("suggestions")).status_code == status


def test_odd_queue_filters_fall_back_to_the_defaults(client, product_manager):
    client.force_login(product_manager)
    response = client.get(url("suggestions") + "?status=<b>&period=99999999999999999999")
    assert response.status_code == 200


def test_a_group_opens_a_report_with_its_tickets(client, product_manager, products):
    fridge, _heater = products
    first, second = suggestion(product=fridge), suggestion(product=fridge, phone="13955556666")
    client.force_login(product_manager)
    response = client.get(
        url("report_create"), {"tickets": [first.number, second.number], "product": fridge.pk}
    )
    form = response.context["form"]
    assert form.initial["tickets"] == f"{first.number}, {second.number}"
    assert str(form.initial["product"]) == str(fridge.pk)


# --- reports ----------------------------------------------------------------------------------


def test_a_report_from_an_alert_takes_its_subject_and_tickets_and_links_back(
    client, product_manager, products
):
    fridge, _heater = products
    now = timezone.now()
    start = now - timedelta(days=10)
    tickets = [
        make_ticket(product_model=fridge.model_code, batch="B2611", at=now - timedelta(days=d))
        for d in (1, 2)
    ]
    make_ticket(product_model=fridge.model_code, batch="B2612", at=now)  # another batch
    alert = Alert.objects.create(
        kind=Alert.Kind.BATCH,
        rule=Alert.Rule.THRESHOLD,
        product=fridge,
        batch="B2611",
        period_start=start,
        period_end=now + timedelta(days=1),
        count=2,
        created_at=now,
    )
    client.force_login(product_manager)

    form = client.get(url("report_create"), {"alert": alert.pk}).context["form"]
    assert set(form.initial["tickets"].split(", ")) == {t.number for t in tickets}
    assert (form.initial["product"], form.initial["batch"]) == (fridge.pk, "B2611")

    data = {k: v for k, v in form.initial.items() if v is not None}
    response = client.post(url("report_create"), data)
    assert response.status_code == 302
    created = ProblemReport.objects.get()
    alert.refresh_from_db()
    assert alert.report == created
    assert set(created.tickets.all()) == set(tickets)
    assert (created.product, created.batch) == (fridge, "B2611")
    # The alert's report exists now: asking again leads to it.
    again = client.get(url("report_create"), {"alert": alert.pk})
    assert again.status_code == 302 and again.url == url("report_detail", created.pk)


@pytest.mark.parametrize("alert", ["999999", "99999999999999999999"])
def test_an_unknown_alert_is_404(client, product_manager, alert):
    client.force_login(product_manager)
    assert client.get(url("report_create"), {"alert": alert}).status_code == 404


def test_creating_a_report_with_an_unknown_ticket_names_it(client, product_manager, ticket):
    client.force_login(product_manager)
    response = client.post(
        url("report_create"), {"title": "x", "tickets": f"{ticket.number}，SH-19990101-000009"}
    )
    assert response.status_code == 400
    assert "SH-19990101-000009" in response.context["form"].errors["tickets"][0]
    assert not ProblemReport.objects.exists()


@pytest.mark.parametrize(
    "tickets", ["<script>alert(1)</script>", "'; DROP TABLE tickets_ticket; --", "x" * 30]
)
def test_garbage_ticket_numbers_are_a_form_error(client, product_manager, tickets):
    client.force_login(product_manager)
    response = client.post(url("report_create"), {"title": "x", "tickets": tickets})
    assert response.status_code == 400
    assert "tickets" in response.context["form"].errors


def test_a_report_needs_a_title(client, product_manager):
    client.force_login(product_manager)
    response = client.post(url("report_create"), {"title": "  "})
    assert response.status_code == 400
    assert "title" in response.context["form"].errors


def test_agents_cannot_open_or_see_reports(client, agent, report):
    client.force_login(agent)
    assert client.get(url("report_create")).status_code == 403
    assert client.get(url("report_list")).status_code == 403
    assert client.get(url("report_detail", report.pk)).status_code == 403


def test_adding_an_unknown_ticket_number_is_a_form_error_naming_it(client, product_manager, report):
    client.force_login(product_manager)
    response = client.post(url("report_tickets_add", report.pk), {"numbers": "SH-19990101-000002"})
    assert response.status_code == 400
    assert "SH-19990101-000002" in response.content.decode()


def test_the_report_list_and_a_missing_report(client, product_director, report):
    client.force_login(product_director)
    listing = client.get(url("report_list") + "?status=open")
    assert listing.status_code == 200 and report.title in listing.content.decode()
    assert client.get(url("report_list") + "?status=<x>").status_code == 200
    assert client.get(url("report_detail", 999999)).status_code == 404


def test_changes_are_posts(client, product_manager, report):
    client.force_login(product_manager)
    assert client.get(url("plan_propose", report.pk)).status_code == 405
    assert client.get(url("plan_ship", report.pk)).status_code == 405


# --- the loop over HTTP ----------------------------------------------------------------------


def test_the_whole_loop_over_http(
    client,
    django_capture_on_commit_callbacks,
    product_manager,
    approvers,
    rnd_lead,
    quality_lead,
    report_tickets,
):
    client.force_login(product_manager)
    numbers = " ".join(t.number for t in report_tickets)
    assert (
        client.post(url("report_create"), {"title": "脱水异响", "tickets": numbers}).status_code
        == 302
    )
    created = ProblemReport.objects.get()
    pk = created.pk
    assert created.tickets.count() == 3
    edit = {"title": "脱水异响", "root_cause_class": "component", "evidence": "拆机见支架开裂"}
    assert client.post(url("report_update", pk), edit).status_code == 302
    plan_data = {"summary": "更换支架", "customer_notice": "脱水异响已通过更换支架解决"}
    assert client.post(url("plan_save", pk), plan_data).status_code == 302
    action = {
        "term": "short",
        "kind": "part_replacement",
        "description": "上门更换支架",
        "owner": product_manager.pk,
        "due_on": "2026-12-01",
    }
    assert client.post(url("plan_action_add", pk), action).status_code == 302
    assert client.post(url("plan_propose", pk)).status_code == 302

    for role, user in approvers.items():
        client.force_login(user)
        decided = client.post(url("plan_decide", pk), {"role": role, "decision": "approved"})
        assert decided.status_code == 302
    plan = ImprovementPlan.objects.get(report=created)
    assert plan.status == ImprovementPlan.Status.ADOPTED

    for user, kind in ((quality_lead, "internal_test"), (rnd_lead, "beta")):
        client.force_login(user)
        verified = client.post(
            url("verification_add", pk), {"kind": kind, "passed": "yes", "note": "通过"}
        )
        assert verified.status_code == 302
    plan.refresh_from_db()
    assert plan.status == ImprovementPlan.Status.VERIFIED

    client.force_login(product_manager)
    with django_capture_on_commit_callbacks(execute=False):
        assert client.post(url("plan_ship", pk)).status_code == 302
        assert client.post(url("plan_ship", pk)).status_code == 302  # again: nothing more
    notices = CustomerMessage.objects.filter(kind="fix_notice")
    assert notices.count() == 2
    assert len({m.ticket.customer_id for m in notices}) == 2
    created.refresh_from_db()
    assert created.status == ProblemReport.Status.FIXED

    page = client.get(url("report_detail", pk)).content.decode()
    assert "王**" in page and "赵*" in page and "139****0001" in page
    assert "王小明" not in page and "13911110001" not in page


def test_an_approval_by_someone_without_the_role_is_403(client, product_manager, rnd_lead, report):
    plan = proposed_plan(report, product_manager)
    client.force_login(rnd_lead)
    response = client.post(
        url("plan_decide", report.pk), {"role": Role.PRODUCT_DIRECTOR, "decision": "approved"}
    )
    assert response.status_code == 403
    client.force_login(product_manager)
    response = client.post(
        url("plan_decide", report.pk), {"role": Role.QUALITY_LEAD, "decision": "approved"}
    )
    assert response.status_code == 403
    assert not plan.approvals.exists()


def test_approving_a_draft_is_409_shown_on_the_page(
    client, product_manager, product_director, report
):
    draft_plan(report, product_manager)
    client.force_login(product_director)
    response = client.post(
        url("plan_decide", report.pk), {"role": Role.PRODUCT_DIRECTOR, "decision": "approved"}
    )
    assert response.status_code == 409
    assert response.context["decision_form"].non_field_errors()


def test_proposing_without_actions_is_409(client, product_manager, report):
    client.force_login(product_manager)
    client.post(url("plan_save", report.pk), {"summary": "s", "customer_notice": "n"})
    response = client.post(url("plan_propose", report.pk))
    assert response.status_code == 409
    assert response.context["propose_form"].non_field_errors()


def test_proposing_with_no_plan_is_409(client, product_manager, report):
    client.force_login(product_manager)
    assert client.post(url("plan_propose", report.pk)).status_code == 409


def test_shipping_before_verification_is_409(client, product_manager, approvers, report):
    approve_all(proposed_plan(report, product_manager), approvers)
    client.force_login(product_manager)
    response = client.post(url("plan_ship", report.pk))
    assert response.status_code == 409
    assert not CustomerMessage.objects.filter(kind="fix_notice").exists()


def test_a_rejection_over_http_reopens_editing(client, product_manager, approvers, report):
    plan = proposed_plan(report, product_manager)
    client.force_login(approvers[Role.QUALITY_LEAD])
    response = client.post(
        url("plan_decide", report.pk),
        {"role": Role.QUALITY_LEAD, "decision": "rejected", "note": "验证方案不足"},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == ImprovementPlan.Status.REJECTED
    client.force_login(product_manager)
    page = client.get(url("report_detail", report.pk))
    assert page.context["can_plan"] and "验证方案不足" in page.content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"role": "ceo", "decision": "approved"}, "role"),
        ({"role": "rnd_lead", "decision": "maybe"}, "decision"),
        ({"role": "rnd_lead", "decision": "approved", "note": "x" * 400}, "note"),
    ],
)
def test_bad_decisions_are_form_errors(client, product_manager, rnd_lead, report, data, field):
    proposed_plan(report, product_manager)
    client.force_login(rnd_lead)
    response = client.post(url("plan_decide", report.pk), data)
    assert response.status_code == 400
    assert field in response.context["decision_form"].errors


def test_a_bad_action_names_its_fields(client, product_manager, report):
    draft_plan(report, product_manager)
    client.force_login(product_manager)
    response = client.post(
        url("plan_action_add", report.pk),
        {"term": "forever", "kind": "patch", "description": "", "owner": "abc", "due_on": "x"},
    )
    assert response.status_code == 400
    errors = response.context["action_form"].errors
    assert {"term", "description", "owner", "due_on"} <= set(errors)


def test_an_action_owner_without_report_rights_updates_the_action(
    client, product_manager, approvers, report, engineer
):
    plan = approve_all(proposed_plan(report, product_manager, owner=engineer), approvers)
    action = plan.actions.get()
    client.force_login(engineer)
    response = client.post(url("plan_action_status", report.pk, action.pk), {"status": "done"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "done"


def test_the_timeline_tells_what_happened(
    client, product_manager, approvers, rnd_lead, quality_lead, report
):
    plan = verify(
        approve_all(proposed_plan(report, product_manager), approvers), rnd_lead, quality_lead
    )
    client.force_login(product_manager)
    timeline = client.get(url("report_detail", report.pk)).context["timeline"]
    assert timeline[0].actor == product_manager
    decided = [e.actor for e in timeline if e.at == NOW + timedelta(hours=1) and e.actor]
    assert sorted(u.pk for u in decided) == sorted(u.pk for u in approvers.values())
    assert plan.verified_at in [entry.at for entry in timeline]


def test_the_queue_links_suggestions_already_in_a_report(client, product_manager, products):
    first = suggestion(product=products[0])
    suggestion(product=products[0], phone="13977778888")
    report = open_report(product_manager, [first])
    client.force_login(product_manager)
    page = client.get(url("suggestions") + "?status=all&period=").content.decode()
    assert page.count(url("report_detail", report.pk)) == 1


def test_the_report_page_costs_the_same_queries_for_more_tickets_and_customers(
    client, product_manager, approvers, rnd_lead, quality_lead
):
    def shipped(customers: int) -> ProblemReport:
        tickets = [make_ticket(phone=f"13666{customers}{n:05d}") for n in range(customers)]
        report = open_report(product_manager, tickets)
        plan = verify(
            approve_all(proposed_plan(report, product_manager), approvers), rnd_lead, quality_lead
        )
        services.plan_ship(plan=plan, actor=product_manager)
        return report

    client.force_login(product_manager)

    def queries(report: ProblemReport) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("report_detail", report.pk)).status_code == 200
        return len(captured)

    small, large = shipped(1), shipped(5)
    assert queries(small) == queries(large)
