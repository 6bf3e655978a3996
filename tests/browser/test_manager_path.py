"""The manager's path in a real browser: the SLA dashboard and its drill-down into a breached
ticket, reassigning it, the KPI dashboard filtered to a team, and both Excel exports.

The figures asserted are the ones the tickets below imply. L1 runs on the 24×7 clock (first
contact within 1 h, warned at 80 %), so the deadlines do not depend on the working-day calendar.
"""

import os
import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from uuid import uuid4

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook
from playwright.sync_api import expect

from feedback import kpis
from sla.dashboard import WINDOWS
from tests.tickets.factories import TicketFactory
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_transition

# The live server reads committed data, so these tests commit and are flushed after.
pytestmark = pytest.mark.django_db(transaction=True)
PHONE = "13812345678"
NAME = "王小明"


@pytest.fixture(autouse=True)
def fresh_snapshots(settings):
    """The dashboard keeps a minute's snapshot in Redis: a key prefix per test keeps another
    test's (or run's) figures out of this one."""
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid4().hex}"}
    }


@pytest.fixture
def tickets(team_kitchen, agent):
    """Four kitchen tickets: breached, at risk, contacted in time, and a calm L3."""
    now = timezone.now()
    late = TicketFactory(
        now=now - timedelta(hours=5),
        tier="L1",
        team=team_kitchen,
        customer_name=NAME,
        phone=PHONE,
        description="热水器洗澡时漏电，人被电麻了一下",
    )
    soon = TicketFactory(now=now - timedelta(minutes=50), tier="L1", team=team_kitchen)
    in_time = TicketFactory(now=now - timedelta(hours=3), tier="L1", team=team_kitchen)
    in_time = ticket_transition(
        ticket=in_time,
        to_status=Ticket.Status.CONTACTED,
        actor=agent,
        now=now - timedelta(hours=3) + timedelta(minutes=20),
    )
    calm = TicketFactory(now=now, tier="L3", team=team_kitchen, description="电饭煲煮饭夹生")
    return {"late": late, "soon": soon, "in_time": in_time, "calm": calm}


def screenshot(page, name: str) -> None:
    directory = Path(
        os.environ.get("SCREENSHOT_DIR") or Path(settings.BASE_DIR) / "var/artifacts/manager"
    )
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / name), full_page=True)


def download(page, link) -> list:
    """Click an export link; the workbook the browser saved, opened."""
    with page.expect_download() as saved:
        link.click()
    assert saved.value.suggested_filename.endswith(".xlsx")
    # The browser saves it under a random name; openpyxl judges a path by its extension.
    return load_workbook(BytesIO(saved.value.path().read_bytes()))


def rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(min_row=2, values_only=True))


def no_personal_data(page) -> None:
    html = page.content()
    assert PHONE not in html and NAME not in html


def test_manager_reads_the_sla_dashboard_drills_into_a_breach_and_reassigns_it(
    page, log_in, live_server, manager, agent, tickets
):
    late, soon = tickets["late"], tickets["soon"]
    log_in(page, "manager")
    page.locator("nav a[href='/sla/']").click()
    page.wait_for_url(f"{live_server.url}/sla/")

    # L1 in the last 30 days: the late ticket missed first contact, in_time met it, soon is
    # not decided yet (its hour is not up).
    l1 = page.locator("#sla-panel table").first.locator(
        "tbody tr", has=page.locator("th", has_text="L1")
    )
    expect(l1.locator("td").nth(4)).to_have_text(re.compile(r"50\.0%\s+1/2"))
    breached = page.locator("section.card", has=page.locator(".count-bad"))
    at_risk = page.locator("section.card", has=page.locator(".count-risk"))
    expect(breached.locator(".count-bad")).to_have_text("1")
    expect(at_risk.locator(".count-risk")).to_have_text("1")
    expect(breached.locator("tbody tr")).to_have_count(1)
    expect(at_risk.locator("tbody tr")).to_contain_text(soon.number)
    # Open L1 tickets by age: soon (50 min) and in_time (3 h) under 4 h, late (5 h) in 4–24 h.
    with translation.override("zh-hans"):
        backlog_title = gettext("Open tickets by tier and age")
    backlog = page.locator("section.card", has=page.get_by_role("heading", name=backlog_title))
    backlog_l1 = backlog.locator("tbody tr", has=page.locator("th", has_text="L1"))
    expect(backlog_l1.locator("td")).to_have_text(["2", "1", "0", "0", "0"])
    # countdown.js has taken over the countdowns (the server writes none of these words).
    expect(at_risk.locator(".countdown")).to_have_text(re.compile(r"^剩余 \d+"))
    # ECharts drew the 30-day trend on a canvas.
    canvas = page.locator("#sla-trend-chart canvas")
    expect(canvas).to_have_count(1)
    assert canvas.evaluate("c => c.width > 0 && c.height > 0")
    no_personal_data(page)
    screenshot(page, "manager.png")

    # The export holds the same figures and lists.
    book = download(page, page.locator("a.button[href$='/sla/export.xlsx']"))
    with translation.override("zh-hans"):
        compliance = book[gettext("Compliance")]
        breached_sheet, at_risk_sheet = book[gettext("Breached")], book[gettext("At risk")]
        l1_label, month = str(Ticket.Tier("L1").label), str(dict(WINDOWS)["30d"])
    l1_30d = next(row for row in rows(compliance) if row[:2] == (l1_label, month))
    assert l1_30d[2:5] == (1, 2, 50.0)
    assert [row[0] for row in rows(breached_sheet)] == [late.number]
    assert [row[0] for row in rows(at_risk_sheet)] == [soon.number]

    # Drill down: the breached ticket's page, the customer masked.
    breached.get_by_role("link", name=late.number).click()
    page.wait_for_url(re.compile(rf"/tickets/{late.number}/$"))
    expect(page.locator("#customer-card")).to_contain_text("138****5678")
    no_personal_data(page)

    # Steer: give it to the agent.
    assign = page.locator("details.action[data-shortcut=a]")
    assign.locator("summary").click()
    assign.locator("select[name=owner]").select_option(str(agent.pk))
    assign.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text(str(agent))
    late.refresh_from_db()
    assert late.owner == agent
    assert TicketEvent.objects.filter(ticket=late, verb="assigned", actor=manager).exists()


def test_manager_filters_the_kpi_dashboard_to_a_team_and_exports_it(
    page, log_in, live_server, manager, team_kitchen, tickets
):
    now = timezone.now()
    period = kpis.period_of(granularity="month", day=timezone.localdate(now))
    in_period = [
        ticket for ticket in tickets.values() if period.start <= ticket.received_at < period.end
    ]
    log_in(page, "manager")
    page.locator("nav a[href='/feedback/kpis/']").click()
    page.wait_for_url(f"{live_server.url}/feedback/kpis/")

    page.select_option("select[name=scope]", f"team:{team_kitchen.pk}")
    page.locator("form.kpi-filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"scope=team"))
    expect(page.locator(".kpi-period")).to_contain_text(team_kitchen.name)
    team_row = page.locator(
        "table.kpi-table tbody tr", has=page.locator("th", has_text=team_kitchen.name)
    )
    expect(team_row.locator("td").first).to_have_text(str(len(in_period)))
    l1_tickets = [ticket for ticket in in_period if ticket.tier == "L1"]
    contacted = sum(1 for ticket in l1_tickets if ticket.first_contacted_at)
    l1 = page.locator("#kpi-tiers tbody tr").first
    expect(l1.locator("td").nth(0)).to_have_text(str(contacted))
    expect(l1.locator("td").nth(1)).to_have_text(str(len(l1_tickets) - contacted))
    for chart in ("#kpi-chart-rates", "#kpi-chart-csat", "#kpi-chart-hours"):
        expect(page.locator(f"{chart} canvas")).to_have_count(1)
    no_personal_data(page)

    book = download(page, page.locator("a.button[href*='/feedback/kpis/export.xlsx']"))
    with translation.override("zh-hans"):
        teams = book[gettext("Teams")]
    assert [row[:2] for row in rows(teams)] == [(team_kitchen.name, len(in_period))]
