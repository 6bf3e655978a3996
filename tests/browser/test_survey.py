"""The satisfaction survey on a phone, in a real browser: tapped through, nothing sideways."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from feedback.models import Survey
from feedback.surveys import survey_token
from sla.services import sla_sweep
from tests.tickets.factories import TeamFactory, TicketFactory, UserFactory
from tickets.models import Ticket
from tickets.services import ticket_transition
from tickets.services.work import ticket_resolve

# The live server reads committed data, so these tests commit and are flushed after.
pytestmark = pytest.mark.django_db(transaction=True)
S = Ticket.Status
PHONE_WIDTH = 390


@pytest.fixture
def phone_page(browser):
    """A Chinese customer's phone: 390 px wide, touch, zh-CN."""
    context = browser.new_context(
        viewport={"width": PHONE_WIDTH, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    directory = Path(
        os.environ.get("SCREENSHOT_DIR") or Path(settings.BASE_DIR) / "var/artifacts/survey"
    )
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / name), full_page=True)


@pytest.fixture
def survey(settings) -> Survey:
    """A survey sent just now for an L3 ticket resolved a month ago."""
    settings.OUTBOX_BACKEND = "log"
    team = TeamFactory(code="kitchen")
    agent = UserFactory(username="agent", role="agent", teams=[team])
    start = timezone.now() - timedelta(days=30)
    ticket = TicketFactory(now=start, tier="L3", team=team)
    for status in (S.CONTACTED, S.IN_PROGRESS):
        ticket = ticket_transition(ticket=ticket, to_status=status, actor=agent, now=start)
    ticket_resolve(
        ticket=ticket,
        resolution_code=Ticket.Resolution.PART_REPLACED,
        root_cause=Ticket.RootCause.COMPONENT,
        resolution_note="更换排水泵",
        warranty_note="维修后3个月内同一问题免费上门",
        actor=agent,
        now=start,
    )
    sla_sweep(now=timezone.now())
    return Survey.objects.get(ticket=ticket)


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_customer_taps_through_the_survey_on_a_phone(phone_page, live_server, survey):
    page = phone_page
    page.goto(f"{live_server.url}/s/{survey_token(survey)}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator(".survey .lead")).to_contain_text(survey.ticket.number)
    no_sideways_scroll(page)

    # Big choices: every tile is at least 44 px tall and tappable.
    tiles = page.locator(".scores .choice span")
    expect(tiles).to_have_count(5)
    assert all(
        box["height"] >= 44
        for box in tiles.evaluate_all("els => els.map(el => el.getBoundingClientRect().toJSON())")
    )
    page.locator(".scores .choice").nth(3).tap()  # 4
    page.locator(".choices.two .choice").nth(0).tap()  # solved
    page.locator(".choices.eleven .choice").nth(9).tap()  # NPS 9
    page.fill("textarea[name=comment]", "师傅很专业，上门准时")
    expect(page.locator("input[name=satisfaction][value='4']")).to_be_checked()
    no_sideways_scroll(page)
    screenshot(page, "survey_form.png")

    page.locator("button.submit").tap()

    expect(page.locator(".closed-thanks")).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "survey_thanks.png")
    survey.refresh_from_db()
    assert (survey.satisfaction, survey.solved, survey.nps) == (4, True, 9)
    assert survey.comment == "师傅很专业，上门准时"
    assert Ticket.objects.get(pk=survey.ticket_id).status == S.CLOSED


def test_a_score_error_is_shown_by_the_field_and_the_page_fits(phone_page, live_server, survey):
    page = phone_page
    page.goto(f"{live_server.url}/s/{survey_token(survey)}/")
    page.locator(".choices.two .choice").nth(1).tap()  # not solved, but no score
    page.locator("button.submit").tap()

    expect(page.locator(".scores.has-error .error")).to_be_visible()
    expect(page.locator("input[name=solved][value=no]")).to_be_checked()  # kept
    no_sideways_scroll(page)
    screenshot(page, "survey_error.png")
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_a_forged_link_gets_a_clear_page_on_the_phone(phone_page, live_server, survey):
    page = phone_page
    response = page.goto(f"{live_server.url}/s/forged-link/")
    assert response.status == 404
    expect(page.locator(".closed-invalid h1")).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "survey_invalid.png")
