"""The website form on a phone, in a real browser: hints, preview, confirm, result page."""

import os
import re
from pathlib import Path
from uuid import uuid4

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from tickets.models import Ticket

# The live server reads committed data, so these tests commit and are flushed after.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings):
    """Rate-limit counters live in Redis: a key prefix per test keeps reruns apart."""
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid4().hex}"}
    }


@pytest.fixture
def phone_page(browser):
    """A Chinese customer's phone: 390 px wide, touch, zh-CN (so the date picker speaks 中文)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    if directory := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(directory) / name), full_page=True)


def test_customer_on_a_phone_fills_previews_confirms_and_gets_a_number(phone_page, live_server):
    page = phone_page
    page.goto(f"{live_server.url}/service/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.fill("textarea[name=description]", "电饭煲煮饭夹生，米饭底部还糊了")
    page.fill("input[name=scene]", "每天晚上煮饭时")
    page.fill("input[name=symptom]", "夹生、底部糊")
    page.fill("input[name=product_model]", "MB-FB40")
    page.check("input[name=customer_urgency][value=high]")
    page.fill("input[name=customer_name]", "陈静")
    page.fill("input[name=phone]", "13912345678")
    # Nothing overflows sideways on a phone-sized screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The debounced triage answer came back: the prompt for what is missing and the time by
    # which the customer will be contacted are on the screen.
    expect(page.locator("#hints li")).to_have_count(1)
    expect(page.locator("#contact-hint strong")).to_have_text(
        re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
    )
    screenshot(page, "web_form.png")
    page.click("form.intake-form button[type=submit]")

    expect(page.locator(".summary .readback")).to_contain_text("电饭煲煮饭夹生")
    assert not Ticket.objects.exists()
    screenshot(page, "web_preview.png")
    page.click("button[value=confirm]")

    expect(page.locator(".ticket-number strong")).to_be_visible()
    ticket = Ticket.objects.get()
    expect(page.locator(".ticket-number strong")).to_have_text(ticket.number)
    assert ticket.confirmed_via == Ticket.ConfirmedVia.PREVIEW
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "web_done.png")

    # The browser's back-and-resubmit (or a retried POST) gives the same ticket.
    page.go_back()
    page.click("button[value=confirm]")
    expect(page.locator(".ticket-number strong")).to_have_text(ticket.number)
    assert Ticket.objects.count() == 1


def test_live_hints_ask_for_what_is_missing_while_the_customer_types(phone_page, live_server):
    try:
        triage_url = reverse("api-triage")
    except NoReverseMatch:
        pytest.fail(
            "POST /api/v1/triage/ (URL name 'api-triage') is not routed yet: the website "
            "form's live hints call it. Land the triage endpoint (issue 3, part 3), then rerun."
        )
    page = phone_page
    page.goto(f"{live_server.url}/service/")

    with page.expect_response(lambda r: r.url.endswith(triage_url)) as answer:
        page.fill("textarea[name=description]", "电饭煲煮饭夹生")
    response = answer.value
    assert response.status == 200, (
        f"{triage_url} answered {response.status} to the anonymous website form: "
        "it must accept anonymous POSTs (rate-limited) for the live hints."
    )
    prompts = [item["prompt"] for item in response.json()["missing"]]
    assert prompts, "a bare description should miss the scene, symptom or what was tried"
    hints = page.locator("#hints li")
    expect(hints.first).to_be_visible()
    expect(hints).to_have_count(len(prompts))
    expect(page.locator("#hints")).to_contain_text(prompts[0])
    screenshot(page, "web_hints.png")
