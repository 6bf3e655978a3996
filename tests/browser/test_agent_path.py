import re

import pytest
from playwright.sync_api import expect

from tests.tickets.factories import TicketFactory
from tickets.models import TicketEvent

# The live server reads committed data, so these tests commit and are flushed after.
pytestmark = pytest.mark.django_db(transaction=True)


def test_agent_filters_opens_reveals_and_moves_a_ticket(
    page, log_in, live_server, agent, team_kitchen
):
    urgent = TicketFactory(
        team=team_kitchen,
        tier="L1",
        customer_name="张三丰",
        phone="13812345678",
        description="热水器洗澡时漏电",
    )
    calm = TicketFactory(team=team_kitchen, tier="L3", description="电饭煲煮饭夹生")
    log_in(page, "agent")

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_text(calm.number)).to_be_visible()
    # htmx swaps the rows in place when a filter changes.
    page.select_option("select[name=tier]", "L1")
    expect(page.get_by_text(calm.number)).to_have_count(0)
    page.get_by_role("link", name=urgent.number).click()

    card = page.locator("#customer-card")
    expect(card).to_contain_text("138****5678")
    card.get_by_role("button").click()
    expect(card).to_contain_text("+8613812345678")
    expect(card).to_contain_text("张三丰")
    assert TicketEvent.objects.filter(ticket=urgent, verb="customer_revealed").count() == 1

    page.fill("input[name=note]", "已电话联系客户")
    page.get_by_role("button", name="已联系").click()
    expect(page.locator(".ticket-head .status")).to_have_text("已联系")
    expect(page.locator(".timeline")).to_contain_text("已电话联系客户")


def test_store_clerk_on_a_phone_sees_only_their_store(
    phone_page, log_in, store_clerk, store_a, store_b
):
    mine = TicketFactory(channel="store", store=store_a, confirmed_via="store")
    theirs = TicketFactory(channel="store", store=store_b, confirmed_via="store")
    log_in(phone_page, "clerk_a")

    expect(phone_page.get_by_text(mine.number)).to_be_visible()
    expect(phone_page.get_by_text(theirs.number)).to_have_count(0)
    # Nothing overflows sideways on a phone-sized screen.
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


def test_language_switch_to_english_and_back(page, log_in, agent):
    log_in(page, "agent")
    page.select_option("select[name=language]", "en")
    expect(page.locator("h1")).to_have_text("Tickets")
    page.select_option("select[name=language]", "zh-hans")
    expect(page.locator("h1")).to_have_text(re.compile("工单"))
