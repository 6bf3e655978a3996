"""The engineer's day on a phone-sized screen: today's visit from 我的上门, the address, the
customer masked until an audited reveal gives a tap-to-call link, the customer's earlier
ticket, and a visit recorded as not done. (Recording one as done, with a photo, is step 7 of
test_end_to_end.)"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.tickets.factories import TicketFactory
from tests.tickets.test_field_services import field_ticket, profile
from tickets.models import TicketEvent, Visit
from tickets.services.field import visit_schedule

# The live server reads committed data, so this test commits and is flushed after.
pytestmark = pytest.mark.django_db(transaction=True)
PHONE_WIDTH = 390
PHONE = "13812345678"
ADDRESS = "漕溪北路88号3单元502"


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_engineer_on_a_phone_reveals_calls_and_records_a_visit_not_done(
    phone_page, log_in, live_server, engineer, agent, team_kitchen
):
    earlier = TicketFactory(
        phone=PHONE,
        customer_name="周杰",
        team=team_kitchen,
        description="空调去年漏水",
        now=timezone.now() - timedelta(days=60),
    )
    ticket = field_ticket(team_kitchen, phone=PHONE, customer_name="周杰")
    profile(engineer)
    visit = visit_schedule(
        ticket=ticket,
        engineer=engineer,
        actor=agent,
        date=timezone.localdate(),
        window=Visit.Window.EVENING,
        city="上海",
        district="静安区",
        address=ADDRESS,
        now=timezone.now() - timedelta(days=1),  # booked yesterday for today
    )
    page = log_in(phone_page, "engineer")

    page.locator("nav a[href='/tickets/visits/']").tap()
    card = page.locator(".visit-day.today .visit-card", has_text=ticket.number)
    expect(card).to_contain_text("静安区")
    no_sideways_scroll(page)
    card.locator("a").tap()
    page.wait_for_url(re.compile(rf"/tickets/visits/{visit.pk}/$"))

    expect(page.locator(".address.street")).to_have_text(ADDRESS)
    contact = page.locator("#visit-contact")
    expect(contact).to_contain_text("138****5678")
    assert PHONE not in page.content()
    expect(page.locator("ul.history")).to_contain_text(earlier.number)
    no_sideways_scroll(page)

    # The reveal is an htmx POST that swaps in the number as a tap-to-call link.
    contact.get_by_role("button").tap()
    expect(contact.locator("a.call-button")).to_have_attribute("href", f"tel:+86{PHONE}")
    expect(contact).to_contain_text("周杰")
    assert TicketEvent.objects.filter(
        ticket=ticket, verb="customer_revealed", actor=engineer
    ).exists()

    outcome = page.locator("#outcome details.field-form")
    outcome.locator("summary").tap()
    outcome.locator("[name=reason]").fill("客户不在家，电话未接通")
    outcome.locator("button[type=submit]").tap()
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator(".visit-outcome.outcome-not_done")).to_contain_text("客户不在家")
    no_sideways_scroll(page)
    visit.refresh_from_db()
    assert visit.status == Visit.Status.NOT_DONE
    assert visit.outcome_note == "客户不在家，电话未接通"
