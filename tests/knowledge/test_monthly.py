"""The monthly feedback analysis report: its contents, reruns, the task, pages and exports."""

from __future__ import annotations

import json
from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from pypdf import PdfReader

from knowledge import tasks
from knowledge.models import (
    Alert,
    ImprovementPlan,
    MonthlyReport,
    PlanAction,
    PlanApproval,
    ProblemReport,
)
from knowledge.services.alerts import alerts_check
from knowledge.services.monthly import MonthNotStarted, monthly_report_build
from tests.knowledge.test_alerts import at, make_tickets, tag_all
from tests.tickets.factories import ProductFactory, TagFactory
from tickets.models import Ticket

OCTOBER = date(2026, 10, 1)
AFTER = at(2026, 11, 1, 2, 0)


@pytest.fixture
def october(db, manager, product_manager, product_director):
    """October: one batch over the threshold with a report and a plan, a tag over it too."""
    product = ProductFactory(model_code="XQG100-B1", name="滚筒洗衣机")
    hot = make_tickets(7, received_at=at(2026, 10, 5, 10), product=product, batch="2309-B01")
    make_tickets(2, received_at=at(2026, 9, 5, 10), product=product, batch="2309-B01")
    make_tickets(3, received_at=at(2026, 10, 5, 10), product=product, batch="2310-B02")
    make_tickets(
        4, received_at=at(2026, 10, 6, 10), tier=Ticket.Tier.S, category=Ticket.Category.SUGGESTION
    )
    Ticket.objects.filter(pk__in=[t.pk for t in hot[:3]]).update(
        status=Ticket.Status.RESOLVED, root_cause=Ticket.RootCause.COMPONENT
    )
    Ticket.objects.filter(pk=hot[3].pk).update(
        status=Ticket.Status.CLOSED, root_cause=Ticket.RootCause.USAGE
    )
    tag = TagFactory(name="脱水异响")
    tag_all(hot[:6], tag)
    report = ProblemReport.objects.create(
        title="脱水轴承批次问题",
        product=product,
        batch="2309-B01",
        root_cause_class=ProblemReport.RootCauseClass.COMPONENT,
        status=ProblemReport.Status.PLANNED,
        evidence="拆机 3 台",
        created_at=at(2026, 10, 12, 9),
        updated_at=at(2026, 10, 12, 9),
    )
    report.tickets.set(hot[:5])
    plan = ImprovementPlan.objects.create(
        report=report,
        summary="更换轴承供应商",
        status=ImprovementPlan.Status.PROPOSED,
        created_at=at(2026, 10, 13, 9),
        proposed_at=at(2026, 10, 14, 9),
    )
    PlanApproval.objects.create(
        plan=plan,
        role=PlanApproval.Role.PRODUCT_DIRECTOR,
        decision="approved",
        approver=product_director,
        decided_at=at(2026, 10, 15, 9),
    )
    PlanAction.objects.create(
        plan=plan,
        term="short",
        kind="part_replacement",
        description="上门更换轴承",
        owner=product_manager,
        due_on=date(2026, 10, 20),
    )
    PlanAction.objects.create(
        plan=plan,
        term="long",
        kind="supplier_change",
        description="更换供应商",
        owner=product_manager,
        due_on=date(2026, 12, 31),
    )
    alerts_check(now=at(2026, 10, 25, 12))
    return {"product": product, "tag": tag, "report": report, "plan": plan}


def test_report_lists_totals_problems_causes_alerts_and_plans(october):
    report = monthly_report_build(month=OCTOBER, now=AFTER)
    data = report.data

    assert report.month == OCTOBER and data["month"] == "2026-10" and data["complete"]
    assert data["totals"]["tickets"] == 14 and data["totals"]["counted"] == 10
    assert data["totals"]["by_tier"]["S"] == 4
    batch, tag = data["problems"]
    assert (batch["product_code"], batch["batch"], batch["count"]) == ("XQG100-B1", "2309-B01", 7)
    assert batch["previous_count"] == 2 and batch["resolved"] == 4
    assert batch["root_causes"] == {"component": 3, "usage": 1}
    assert [r["id"] for r in batch["reports"]] == [october["report"].pk]
    assert batch["reports"][0]["plan_status"] == "proposed"
    assert (tag["kind"], tag["tag_name"], tag["count"]) == ("tag", "脱水异响", 6)
    assert [r["id"] for r in tag["reports"]] == [october["report"].pk]  # via its tickets
    assert {(a["kind"], a["rule"]) for a in data["alerts"]} >= {
        ("batch", "threshold"),
        ("tag", "threshold"),
    }
    [row] = data["reports"]
    assert row["tickets"] == 5 and row["plan"]["status"] == "proposed"
    assert [a["role"] for a in row["plan"]["approvals"]] == ["product_director"]
    short, long = row["plan"]["actions"]
    assert (short["due_on"], short["overdue"]) == ("2026-10-20", True)
    assert long["overdue"] is False
    json.dumps(data)  # JSON-safe


def test_shipped_fixes_count_the_customers_told(october):
    plan = october["plan"]
    ImprovementPlan.objects.filter(pk=plan.pk).update(
        status=ImprovementPlan.Status.SHIPPED, shipped_at=at(2026, 10, 30, 9)
    )
    data = monthly_report_build(month=OCTOBER, now=AFTER).data
    [shipped] = data["shipped"]
    assert shipped["report_id"] == october["report"].pk and shipped["customers"] == 1


def test_a_report_untouched_and_closed_before_the_month_is_left_out(october):
    ProblemReport.objects.create(
        title="旧问题",
        status=ProblemReport.Status.CLOSED,
        created_at=at(2026, 8, 1, 9),
        updated_at=at(2026, 8, 2, 9),
    )
    titles = [r["title"] for r in monthly_report_build(month=OCTOBER, now=AFTER).data["reports"]]
    assert titles == ["脱水轴承批次问题"]


def test_rebuild_keeps_the_snapshot_unless_replacing(october):
    first = monthly_report_build(month=OCTOBER, now=AFTER, replace=False)
    make_tickets(3, received_at=at(2026, 10, 31, 23, 30), product=october["product"], batch="X")

    kept = monthly_report_build(month=date(2026, 10, 17), now=at(2026, 11, 2), replace=False)
    assert kept.pk == first.pk and kept.generated_at == AFTER
    assert kept.data["totals"]["tickets"] == 14

    remade = monthly_report_build(month=OCTOBER, now=at(2026, 11, 2))
    assert remade.pk == first.pk and remade.data["totals"]["tickets"] == 17
    assert MonthlyReport.objects.count() == 1


def test_a_month_not_begun_is_refused(db):
    with pytest.raises(MonthNotStarted):
        monthly_report_build(month=date(2026, 12, 1), now=at(2026, 11, 30, 23, 59))


def test_task_makes_the_previous_month_once(october, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: AFTER)
    pk = tasks.monthly_report_generate()
    assert MonthlyReport.objects.get(pk=pk).month == OCTOBER
    assert tasks.monthly_report_generate() == pk
    assert MonthlyReport.objects.get().generated_at == AFTER


def test_alerts_task_counts_new_alerts(october, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: at(2026, 10, 25, 13))
    assert tasks.alerts_check() == 0  # the fixture raised them already


# Pages


@pytest.fixture
def built(october):
    return monthly_report_build(month=OCTOBER, now=AFTER)


@pytest.mark.parametrize("role", ["agent", "team_lead", "store_clerk"])
def test_roles_outside_the_loop_get_403(client, request, built, role):
    client.force_login(request.getfixturevalue(role))
    for name in ("monthly_detail", "monthly_excel", "monthly_pdf"):
        assert client.get(reverse(f"knowledge:{name}", args=["2026-10"])).status_code == 403
    assert client.get(reverse("knowledge:monthly_list")).status_code == 403
    assert client.post(reverse("knowledge:monthly_generate")).status_code == 403


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "0000-01", "2026-09"])
def test_bad_or_missing_month_is_404(client, manager, built, month):
    client.force_login(manager)
    for name in ("monthly_detail", "monthly_excel", "monthly_pdf"):
        assert client.get(f"/knowledge/reports/monthly/{month}/").status_code == 404
        assert client.get(reverse(f"knowledge:{name}", args=[month])).status_code == 404


@pytest.mark.parametrize("path", ["2026-1", "abc", "2026-10x", "../2026-10"])
def test_unreadable_month_path_is_404(client, manager, built, path):
    client.force_login(manager)
    assert client.get(f"/knowledge/reports/monthly/{path}/").status_code == 404


def test_detail_page_shows_the_batch_and_the_plan(client, product_director, built):
    client.force_login(product_director)
    response = client.get(reverse("knowledge:monthly_detail", args=["2026-10"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "XQG100-B1" in html and "2309-B01" in html and "脱水轴承批次问题" in html
    assert "上门更换轴承" in html and "monthly-chart-data" in html
    listing = client.get(reverse("knowledge:monthly_list")).content.decode()
    assert reverse("knowledge:monthly_detail", args=["2026-10"]) in listing
    assert "monthly_generate" not in listing and 'name="month"' not in listing  # not a manager


def test_excel_has_summary_problems_and_plans(client, manager, built):
    client.force_login(manager)
    response = client.get(reverse("knowledge:monthly_excel", args=["2026-10"]))
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    assert len(book.sheetnames) == 6
    summary, problems, _alerts, plans, actions, _shipped = book.worksheets
    month_row = next(summary.iter_rows(min_row=2, max_row=2, values_only=True))
    assert month_row[1] == "2026-10"
    rows = list(problems.iter_rows(min_row=2, values_only=True))
    assert ("XQG100-B1", "2309-B01", 7) in [(r[1], r[3], r[5]) for r in rows]
    assert any(r[1] == "脱水轴承批次问题" for r in plans.iter_rows(min_row=2, values_only=True))
    assert any(r[4] == "上门更换轴承" for r in actions.iter_rows(min_row=2, values_only=True))


def test_pdf_opens_and_reads_back_in_chinese(client, manager, built):
    client.force_login(manager)
    response = client.get(reverse("knowledge:monthly_pdf", args=["2026-10"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    assert "XQG100-B1" in text and "2309-B01" in text
    assert "脱水轴承批次问题" in text and "上门更换轴承" in text
    with translation.override("zh-hans"):
        assert _("Monthly feedback analysis report %(month)s") % {"month": "2026-10"} in text


def test_english_pdf_and_excel_use_english_labels(client, manager, built):
    client.force_login(manager)
    client.cookies["django_language"] = "en"
    text = "".join(
        page.extract_text()
        for page in PdfReader(
            BytesIO(client.get(reverse("knowledge:monthly_pdf", args=["2026-10"])).content)
        ).pages
    )
    assert "Monthly feedback analysis report 2026-10" in text


def test_manager_generates_the_current_month(client, manager, october, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: at(2026, 10, 25, 14))
    client.force_login(manager)
    response = client.post(reverse("knowledge:monthly_generate"), {"month": "2026-10"})
    assert response.status_code == 302
    assert response["Location"] == reverse("knowledge:monthly_detail", args=["2026-10"])
    assert MonthlyReport.objects.get().data["complete"] is False


@pytest.mark.parametrize("month", ["2026-08", "2026-11", "", "garbage"])
def test_generate_refuses_other_months_naming_the_field(client, manager, db, monkeypatch, month):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: at(2026, 10, 25, 14))
    client.force_login(manager)
    response = client.post(reverse("knowledge:monthly_generate"), {"month": month})
    assert response.status_code == 400
    assert response.context["form"].errors["month"]
    assert not MonthlyReport.objects.exists()


def test_director_may_view_but_not_generate(client, product_director, db):
    client.force_login(product_director)
    assert client.get(reverse("knowledge:monthly_list")).status_code == 200
    response = client.post(reverse("knowledge:monthly_generate"), {"month": "2026-10"})
    assert response.status_code == 403


def test_demo_seed_raises_the_alert_and_makes_both_reports_once(db):
    from knowledge.demo_alerts import BATCH, MODEL, alerts_demo_seed

    ProductFactory(model_code=MODEL, name="8公斤全自动波轮洗衣机")
    now = at(2026, 11, 20, 15)
    alerts_demo_seed(now=now)
    alerts_demo_seed(now=now)

    assert Ticket.objects.filter(batch=BATCH).count() == 13
    threshold = Alert.objects.get(kind="batch", rule="threshold")
    assert (threshold.batch, threshold.count, threshold.period_start) == (BATCH, 7, at(2026, 11, 1))
    assert Alert.objects.filter(kind="batch", rule="spike").count() == 1  # 7 against 2 a month
    assert sorted(str(r) for r in MonthlyReport.objects.all()) == ["2026-10", "2026-11"]
    october = MonthlyReport.objects.get(month=OCTOBER)
    assert [p["batch"] for p in october.data["problems"] if p["kind"] == "batch"] == [BATCH]
