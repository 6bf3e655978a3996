"""A manager's month-end: the alert on the batch, acknowledged, and the monthly report with its
chart and its Excel download."""

import os
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from knowledge.models import Alert
from knowledge.selectors.alerts import month_of
from knowledge.services.alerts import alerts_check
from knowledge.services.monthly import monthly_report_build
from tests.knowledge.test_alerts import make_tickets
from tests.tickets.factories import ProductFactory, UserFactory

# The live server reads committed data, so this test commits and is flushed after.
pytestmark = pytest.mark.django_db(transaction=True)


def _shot(page, name: str) -> None:
    directory = Path(
        os.environ.get("SCREENSHOT_DIR") or Path(settings.BASE_DIR) / "var/artifacts/knowledge"
    )
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / name), full_page=True)


def test_manager_acknowledges_the_alert_and_reads_the_monthly_report(page, live_server, log_in):
    now = timezone.now()
    month: date = month_of(now)
    product = ProductFactory(model_code="XQG100-B14", name="滚筒洗衣机")
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    make_tickets(6, received_at=max(start, now - (now - start) / 2), product=product, batch="B07")
    [alert] = alerts_check(now=now)
    monthly_report_build(month=month, now=now)
    UserFactory(username="boss", role="manager")

    log_in(page, "boss")
    page.goto(f"{live_server.url}/knowledge/alerts/")
    row = page.locator(f"#alert-{alert.pk}")
    expect(row).to_contain_text("XQG100-B14")
    expect(row).to_contain_text("B07")
    _shot(page, "alerts.png")
    row.locator("button[type=submit]").click()
    expect(page.locator(f"#alert-{alert.pk}")).to_have_count(0)
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None

    page.goto(f"{live_server.url}/knowledge/reports/monthly/{month:%Y-%m}/")
    expect(page.locator("#monthly-problems")).to_contain_text("B07")
    expect(page.locator("#monthly-chart canvas")).to_have_count(1)
    _shot(page, "monthly_report.png")
    with page.expect_download() as download:
        page.locator(".alerts-head a.button").first.click()
    book = load_workbook(BytesIO(Path(download.value.path()).read_bytes()))
    assert [r[3] for r in book.worksheets[1].iter_rows(min_row=2, values_only=True)] == ["B07"]
    assert Alert.objects.get().acknowledged_by.username == "boss"
