"""The KPI dashboard page and its Excel export: who may see what, bad input, the workbook."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from feedback import kpis
from tests.feedback.test_kpis import NOVEMBER, NOW, expected, generate_month
from tests.tickets.factories import UserFactory

URL = reverse("feedback:kpis")
EXPORT = reverse("feedback:kpis_export")
NOVEMBER_QUERY = {"granularity": "month", "on": "2026-11-15", "periods": "3"}


@pytest.fixture(autouse=True)
def pinned_now(monkeypatch):
    monkeypatch.setattr("feedback.kpi_views.timezone.now", lambda: NOW)


@pytest.fixture
def month(team_kitchen, team_aircon, agent, agent_other_team):
    return generate_month(
        teams={"kitchen": team_kitchen, "aircon": team_aircon},
        owners={"kitchen": [agent], "aircon": [agent_other_team]},
        count=80,
    )


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_an_agent_may_not_see_the_kpis_nor_export_them(client, agent):
    client.force_login(agent)
    assert client.get(URL).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_a_manager_sees_every_tickets_figures(client, manager, month):
    client.force_login(manager)
    response = client.get(URL, NOVEMBER_QUERY)
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert dashboard.period == NOVEMBER
    assert dashboard.overall.received == expected(month, NOVEMBER)["received"]
    assert {group.name for group in dashboard.by_team} == {"厨房电器组", "空调安装组", "—"}
    page = response.content.decode()
    for section in ("kpi-first-response", "kpi-fcr", "kpi-csat", "kpi-nps", "kpi-chart-rates"):
        assert f'id="{section}"' in page


def test_a_lead_sees_own_teams_only_and_cannot_pick_another(client, team_lead, team_aircon, month):
    client.force_login(team_lead)
    response = client.get(URL, NOVEMBER_QUERY)
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    kitchen = [m for m in month if m.team == "kitchen"]
    assert dashboard.overall.received == expected(kitchen, NOVEMBER)["received"]
    assert [group.name for group in dashboard.by_team] == ["厨房电器组"]
    assert "空调安装组" not in response.content.decode()

    refused = client.get(URL, {**NOVEMBER_QUERY, "scope": f"team:{team_aircon.pk}"})
    assert refused.status_code == 400
    assert "scope" in refused.context["form"].errors


def test_scoping_to_one_agent_counts_that_owners_tickets(client, team_lead, agent, month):
    client.force_login(team_lead)
    response = client.get(URL, {**NOVEMBER_QUERY, "scope": f"agent:{agent.pk}"})
    assert response.status_code == 200
    mine = [m for m in month if m.owner == "agent"]
    want = expected(mine, NOVEMBER)
    overall = response.context["dashboard"].overall
    assert (overall.received, overall.resolved, overall.answered) == (
        want["received"],
        want["resolved"],
        want["answered"],
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"on": "2026-12-01"}, "on"),  # after today (NOW is 25 November)
        ({"on": "not a date"}, "on"),
        ({"granularity": "decade"}, "granularity"),
        ({"periods": "500"}, "periods"),
        ({"scope": "team:999999"}, "scope"),
    ],
)
def test_bad_filters_name_the_field_and_never_500(client, manager, params, field):
    client.force_login(manager)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert client.get(EXPORT, params).status_code == 400


def test_the_default_is_the_current_month(client, manager):
    client.force_login(manager)
    response = client.get(URL)
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert dashboard.period == NOVEMBER
    assert len(dashboard.trend) == kpis.TREND_PERIODS["month"]


def test_weeks_and_quarters_choose_their_period(client, manager):
    client.force_login(manager)
    week = client.get(URL, {"granularity": "week", "on": "2026-11-11"}).context["dashboard"]
    assert week.period.label == "2026-W46"
    assert len(week.trend) == kpis.TREND_PERIODS["week"]
    quarter = client.get(URL, {"granularity": "quarter", "on": "2026-11-11"}).context["dashboard"]
    assert quarter.period.label == "2026-Q4"


def test_the_excel_export_opens_and_matches_the_figures(client, manager, month):
    client.force_login(manager)
    response = client.get(EXPORT, NOVEMBER_QUERY)
    assert response.status_code == 200
    assert 'filename="kpis-2026-11.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 6

    want = expected(month, NOVEMBER)
    summary = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert summary[0][1] == "2026-11"  # period, scope, as of; then one row per figure
    values = [row[1] for row in summary[3:]]
    fcr = 100 * want["first_contact_resolved"] / want["resolved"]
    csat = want["satisfaction_avg"]
    assert values[2] == round(fcr, 1)
    assert values[3] == round(csat, 2)
    assert values[0] == round(want["non_urgent_p90"].total_seconds() / 3600, 2)

    trend = list(book.worksheets[2].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in trend] == ["2026-09", "2026-10", "2026-11"]
    november = trend[-1]
    assert november[3] == want["received"]  # after period, from, to
    assert november[3 + 8] == want["resolved"]
    assert november[3 + 9] == want["first_contact_resolved"]
    assert november[3 + 12] == want["answered"]
    assert november[3 + 17 : 3 + 19] == (want["callbacks_due"], want["callbacks_done"])

    teams = {row[0]: row for row in book.worksheets[3].iter_rows(min_row=2, values_only=True)}
    kitchen = expected([m for m in month if m.team == "kitchen"], NOVEMBER)
    assert teams["厨房电器组"][1] == kitchen["received"]
    assert teams["厨房电器组"][9] == kitchen["resolved"]
    agents = {row[0]: row for row in book.worksheets[4].iter_rows(min_row=2, values_only=True)}
    assert (
        agents["agent"][1]
        == expected([m for m in month if m.owner == "agent"], NOVEMBER)["received"]
    )

    mix = list(book.worksheets[5].iter_rows(min_row=2, values_only=True))
    november_tickets = [m for m in month if m.received_at >= NOVEMBER.start]
    assert sum(row[2] for row in mix[:4]) == len(november_tickets)


def test_the_page_costs_the_same_queries_whatever_the_data(
    client, manager, team_kitchen, team_aircon, agent, agent_other_team
):
    client.force_login(manager)
    client.get(URL)  # the session and permission caches are warm from here on
    teams = {"kitchen": team_kitchen, "aircon": team_aircon}
    owners = {"kitchen": [agent], "aircon": [agent_other_team]}
    counts = []
    for seed, count in ((1, 5), (2, 60)):
        generate_month(teams=teams, owners=owners, count=count, seed=seed, prefix=f"V{seed}")
        UserFactory(username=f"extra{seed}", role="agent", teams=[team_kitchen])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, NOVEMBER_QUERY).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    # Session, user, permissions, the scope's teams and agents, then the figures.
    assert counts[0] <= kpis.FIGURE_QUERIES + 8


def test_a_lead_export_holds_only_own_teams(client, team_lead, month):
    client.force_login(team_lead)
    book = load_workbook(io.BytesIO(client.get(EXPORT, NOVEMBER_QUERY).content))
    names = [row[0] for row in book.worksheets[3].iter_rows(min_row=2, values_only=True)]
    assert names == ["厨房电器组"]


def test_a_period_with_nothing_shows_dashes_not_zero_percent(client, manager):
    client.force_login(manager)
    response = client.get(URL, {"on": (NOW - timedelta(days=400)).date().isoformat()})
    assert response.status_code == 200
    assert response.context["dashboard"].overall.fcr_rate is None
    assert "—" in response.content.decode()
