import os

import pytest
from playwright.sync_api import expect

from tests.tickets.factories import TicketFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_agent_takes_a_call_reads_back_and_registers(
    page, log_in, live_server, agent, team_kitchen
):
    earlier = TicketFactory(phone="13800138000", team=team_kitchen, description="电饭煲夹生")
    log_in(page, "agent")
    page.goto(f"{live_server.url}/intake/phone/new/")

    page.fill("input[name=phone]", "13800138000")
    expect(page.locator("#caller-history")).to_contain_text(earlier.number)
    page.fill("input[name=customer_name]", "刘洋")
    page.fill("input[name=product_model]", "空调")
    page.fill("input[name=scene]", "制冷模式运行15分钟后")
    page.fill("input[name=symptom]", "出风口异响")
    expect(page.locator("#readback-line")).to_have_text(
        "您说的是空调在制冷模式运行15分钟后时出现出风口异响，对吗？"
    )
    page.fill("textarea[name=description]", "空调制冷15分钟后出风口异响，晚上11点后明显")
    if directory := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=f"{directory}/hotline_form.png", full_page=True)

    # The browser will not submit until the customer has confirmed the read-back.
    page.click("#hotline-submit")
    assert Ticket.objects.count() == 1
    page.check("input[name=customer_confirmed]")
    page.click("#hotline-submit")

    expect(page.locator(".ticket-head h1")).to_have_text(
        Ticket.objects.exclude(pk=earlier.pk).get().number
    )
    expect(page.locator(".badge.ok")).to_contain_text("电话复述确认")
