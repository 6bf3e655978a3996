"""The loop's demo seed: a plan awaiting approvals and a shipped fix, once."""

from __future__ import annotations

import pytest

from feedback.models import CustomerMessage
from knowledge.demo_loop import AWAITING_TITLE, SHIPPED_TITLE, loop_demo_seed
from knowledge.models import ImprovementPlan, ProblemReport
from tests.knowledge.test_loop_services import NOW, make_ticket
from tests.tickets.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def log_backend(settings):
    settings.OUTBOX_BACKEND = "log"


def test_the_demo_seeds_one_plan_awaiting_approval_and_one_shipped_fix_once(
    product_manager, product_director, rnd_lead, quality_lead
):
    for model, count in (("KFR-35GW", 3), ("BCD-470", 2)):
        product = ProductFactory(model_code=model)
        for n in range(count):
            make_ticket(
                phone=f"1380000{len(model)}{count}{n:02d}", product_model=product.model_code
            )

    assert loop_demo_seed(now=NOW) == 2
    assert loop_demo_seed(now=NOW) == 0

    awaiting = ImprovementPlan.objects.get(report__title=AWAITING_TITLE)
    assert awaiting.status == ImprovementPlan.Status.PROPOSED
    assert awaiting.approvals.count() == 1
    shipped = ImprovementPlan.objects.get(report__title=SHIPPED_TITLE)
    assert shipped.status == ImprovementPlan.Status.SHIPPED
    assert shipped.report.status == ProblemReport.Status.FIXED
    assert CustomerMessage.objects.filter(kind="fix_notice").count() == 2


def test_the_demo_waits_for_the_approving_users(product_manager):
    assert loop_demo_seed(now=NOW) == 0
