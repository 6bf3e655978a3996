"""The store walk-in form on a tablet, in a real browser, photo included."""

import os
import re
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tickets.models import Attachment, Ticket

# The live server reads committed data, so these tests commit and are flushed after.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tablet_page(browser):
    context = browser.new_context(
        viewport={"width": 820, "height": 1180}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    yield page
    context.close()


def png_bytes() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def test_store_clerk_registers_a_walk_in_with_a_photo_on_a_tablet(
    tablet_page, log_in, live_server, store_clerk, store_a
):
    page = log_in(tablet_page, "clerk_a")
    page.goto(f"{live_server.url}/store/new/")
    expect(page.locator(".store-name")).to_have_text(store_a.name)

    page.fill("input[name=customer_name]", "赵敏")
    page.fill("input[name=phone]", "13612345678")
    page.fill("input[name=product_model]", "MB-FB40")
    page.fill("textarea[name=description]", "电饭煲煮饭夹生，底部糊，已经连续一周")
    page.fill("input[name=scene]", "煮饭时")
    page.fill("input[name=symptom]", "夹生")
    page.fill("input[name=tried]", "换过内胆位置")
    page.set_input_files(
        "input[name=files]",
        files=[{"name": "铭牌.png", "mimeType": "image/png", "buffer": png_bytes()}],
    )
    page.check("input[name=customer_urgency][value=high]")
    page.check("input[name=customer_confirmed]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 820
    if directory := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(directory) / "store_form.png"), full_page=True)
    page.click("form.intake-form button[type=submit]")

    page.wait_for_url(re.compile(r"/tickets/SH-"))
    ticket = Ticket.objects.get()
    expect(page.locator(".messages")).to_contain_text(ticket.number)
    assert ticket.store == store_a
    assert ticket.confirmed_via == Ticket.ConfirmedVia.STORE
    assert Attachment.objects.get(ticket=ticket).original_name == "铭牌.png"


def test_without_the_customers_confirmation_nothing_is_registered(
    tablet_page, log_in, live_server, store_clerk
):
    page = log_in(tablet_page, "clerk_a")
    page.goto(f"{live_server.url}/store/new/")
    page.fill("input[name=customer_name]", "赵敏")
    page.fill("input[name=phone]", "13612345678")
    page.fill("textarea[name=description]", "冰箱不制冷")

    page.click("form.intake-form button[type=submit]")

    expect(page.locator("#field-customer_confirmed .error")).to_be_visible()
    expect(page.locator("textarea[name=description]")).to_have_value("冰箱不制冷")
    assert not Ticket.objects.exists()
