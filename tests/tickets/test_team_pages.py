"""The team lead's page: who may open it, what it shows, and its two forms."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.tickets.factories import TicketFactory, UserFactory
from tickets.models import DutyShift, SubTask, Ticket, TicketEvent
from tickets.selectors.team import local_today, week_start_of

URL = reverse("tickets:team")


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return as_user


def make_ticket(team, **fields):
    ticket = TicketFactory(team=team)
    if fields:
        Ticket.objects.filter(pk=ticket.pk).update(**fields)
        ticket.refresh_from_db()
    return ticket


def assign_url(team):
    return reverse("tickets:team_bulk_assign", args=[team.code])


def roster_url(team):
    return reverse("tickets:team_roster", args=[team.code])


def seen_now():
    return timezone.now().isoformat()


# Who may open it


def test_anonymous_visitor_is_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_agent_gets_403(login, agent):
    assert login(agent).get(URL).status_code == 403


def test_lead_sees_own_team_but_not_another(login, team_lead, team_kitchen, team_aircon):
    client = login(team_lead)

    own = client.get(URL)
    other = client.get(URL, {"team": team_aircon.code})

    assert own.status_code == 200
    assert own.context["team"] == team_kitchen
    assert other.status_code == 403


def test_unknown_team_is_404(login, manager):
    assert login(manager).get(URL, {"team": "no-such-team"}).status_code == 404


def test_manager_sees_every_team_and_the_ball_kicking_figures(
    login, manager, team_lead, team_kitchen, team_aircon
):
    make_ticket(team_aircon, transfer_count=3)

    response = login(manager).get(URL, {"team": team_aircon.code})

    assert response.status_code == 200
    assert response.context["team"] == team_aircon
    assert response.context["ball_kicking"].kicked == 1
    assert 'id="ball-kicking"' in response.content.decode()
    lead_page = login(team_lead).get(URL).content.decode()
    assert 'id="ball-kicking"' not in lead_page


def test_lead_of_no_team_gets_an_explanation_not_an_error(login, db):
    lonely = UserFactory(role="team_lead")
    response = login(lonely).get(URL)
    assert response.status_code == 200
    assert "You lead no team" in response.content.decode()


# What it shows


def test_page_shows_each_member_load_and_the_team_open_tickets(
    login, team_lead, team_kitchen, agent, engineer
):
    overdue = make_ticket(
        team_kitchen, owner=agent, first_contact_due_at=timezone.now() - timedelta(hours=1)
    )
    unassigned = make_ticket(team_kitchen)

    response = login(team_lead).get(URL)

    loads = {load.member: load for load in response.context["workload"].members}
    assert loads[agent].open_tickets == 1 and loads[agent].overdue == 1
    assert loads[engineer].open_tickets == 0
    assert response.context["workload"].unassigned == 1
    body = response.content.decode()
    assert overdue.number in body and unassigned.number in body
    # Nearest due first: the overdue ticket leads the list.
    assert next(iter(response.context["page"])).pk == overdue.pk


def test_page_query_count_stays_fixed_with_more_members_and_tickets(
    login, manager, team_kitchen, team_warehouse, agent, django_assert_max_num_queries
):
    client = login(manager)
    make_ticket(team_kitchen, owner=agent)

    def page_queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, {"team": team_kitchen.code}).status_code == 200
        return len(captured)

    small = page_queries()
    for index in range(5):
        member = UserFactory(role="agent", teams=[team_kitchen])
        ticket = make_ticket(team_kitchen, owner=member, transfer_count=index)
        SubTask.objects.create(
            ticket=ticket,
            kind=SubTask.Kind.PARTS,
            team=team_warehouse,
            assignee=member,
            request="门封条",
            requested_at=timezone.now(),
            due_at=timezone.now() + timedelta(days=1),
        )
        DutyShift.objects.create(team=team_kitchen, user=member, date=local_today(timezone.now()))
    with django_assert_max_num_queries(13):
        large = page_queries()

    assert small == large


def test_owner_filter_narrows_the_list_and_htmx_gets_only_the_list(
    login, team_lead, team_kitchen, agent
):
    agents = make_ticket(team_kitchen, owner=agent)
    nobodys = make_ticket(team_kitchen)
    client = login(team_lead)

    mine = client.get(URL, {"team": team_kitchen.code, "owner": agent.pk})
    unassigned = client.get(
        URL,
        {"team": team_kitchen.code, "owner": "none"},
        headers={"HX-Request": "true", "HX-Target": "team-tickets"},
    )

    assert [t.pk for t in mine.context["page"]] == [agents.pk]
    assert [t.pk for t in unassigned.context["page"]] == [nobodys.pk]
    assert "<html" not in unassigned.content.decode()
    assert 'id="roster"' not in unassigned.content.decode()


def test_long_list_is_paged_with_a_more_link(login, team_lead, team_kitchen, monkeypatch):
    monkeypatch.setattr("tickets.selectors.team.TEAM_TICKETS_PAGE_SIZE", 2)
    tickets = [make_ticket(team_kitchen) for _ in range(3)]
    client = login(team_lead)

    first = client.get(URL)
    second = client.get(
        URL, {"team": team_kitchen.code, "after": first.context["page"].next_cursor}
    )

    assert len(first.context["page"]) == 2 and first.context["page"].has_next
    assert "More" in first.content.decode()
    seen = [t.pk for t in first.context["page"]] + [t.pk for t in second.context["page"]]
    assert sorted(seen) == sorted(t.pk for t in tickets)


def test_bad_query_values_fall_back_instead_of_failing(login, team_lead, team_kitchen):
    response = login(team_lead).get(
        URL, {"week": "not-a-date", "owner": "x'; drop", "after": "garbage"}
    )
    assert response.status_code == 200
    assert response.context["roster"].week_start == week_start_of(local_today(timezone.now()))


# Bulk reassign


def test_bulk_reassign_moves_the_chosen_tickets_and_says_how_many(
    login, team_lead, team_kitchen, agent, engineer
):
    tickets = [make_ticket(team_kitchen, owner=engineer) for _ in range(2)]
    client = login(team_lead)

    response = client.post(
        assign_url(team_kitchen),
        {"tickets": [t.pk for t in tickets], "owner": agent.pk, "seen_at": seen_now()},
        follow=True,
    )

    assert response.redirect_chain[-1][1] == 302
    assert "2 tickets reassigned to agent." in response.content.decode()
    assert Ticket.objects.filter(owner=agent).count() == 2
    assert TicketEvent.objects.filter(verb=TicketEvent.Verb.ASSIGNED, actor=team_lead).count() == 2


def test_bulk_reassign_with_a_foreign_ticket_is_refused_and_changes_nothing(
    login, team_lead, team_kitchen, team_aircon, agent
):
    mine = make_ticket(team_kitchen)
    foreign = make_ticket(team_aircon, registered_by=team_lead)  # one the lead can see

    response = login(team_lead).post(
        assign_url(team_kitchen),
        {"tickets": [mine.pk, foreign.pk], "owner": agent.pk, "seen_at": seen_now()},
    )

    assert response.status_code == 403
    assert not Ticket.objects.filter(owner=agent).exists()


def test_bulk_reassign_names_the_missing_fields(login, team_lead, team_kitchen):
    ticket = make_ticket(team_kitchen)
    client = login(team_lead)

    no_owner = client.post(assign_url(team_kitchen), {"tickets": [ticket.pk]})
    no_tickets = client.post(assign_url(team_kitchen), {"owner": team_lead.pk})

    assert no_owner.status_code == 400
    assert "owner" in no_owner.context["bulk_form"].errors
    assert "Choose the member who takes them." in no_owner.content.decode()
    assert f'value="{ticket.pk}" checked' in no_owner.content.decode()  # the ticks are kept
    assert no_tickets.status_code == 400
    assert "Choose at least one ticket." in no_tickets.content.decode()


def test_bulk_reassign_refuses_an_owner_from_another_team(
    login, team_lead, team_kitchen, agent_other_team
):
    ticket = make_ticket(team_kitchen)

    response = login(team_lead).post(
        assign_url(team_kitchen), {"tickets": [ticket.pk], "owner": agent_other_team.pk}
    )

    assert response.status_code == 400
    assert "owner" in response.context["bulk_form"].errors
    assert Ticket.objects.get(pk=ticket.pk).owner is None


def test_bulk_reassign_of_a_closed_ticket_is_a_field_error(login, team_lead, team_kitchen, agent):
    closed = make_ticket(team_kitchen, status=Ticket.Status.CLOSED)

    response = login(team_lead).post(
        assign_url(team_kitchen), {"tickets": [closed.pk], "owner": agent.pk}
    )

    assert response.status_code == 400
    assert "resolved or closed" in str(response.context["bulk_form"].errors["tickets"])


def test_stale_bulk_reassign_answers_409_with_the_current_page(
    login, team_lead, team_kitchen, agent, engineer
):
    ticket = make_ticket(team_kitchen)
    seen = seen_now()
    Ticket.objects.get(pk=ticket.pk).save(update_fields=["updated_at"])

    response = login(team_lead).post(
        assign_url(team_kitchen), {"tickets": [ticket.pk], "owner": agent.pk, "seen_at": seen}
    )

    assert response.status_code == 409
    assert "Someone else changed" in response.content.decode()
    assert ticket.number in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).owner is None


def test_agent_cannot_post_a_bulk_reassign(login, agent, team_kitchen):
    ticket = make_ticket(team_kitchen)
    response = login(agent).post(
        assign_url(team_kitchen), {"tickets": [ticket.pk], "owner": agent.pk}
    )
    assert response.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).owner is None


def test_bulk_reassign_is_post_only(login, team_lead, team_kitchen):
    assert login(team_lead).get(assign_url(team_kitchen)).status_code == 405


# Roster


def this_week():
    today = local_today(timezone.now())
    return today, week_start_of(today)


def test_roster_page_highlights_today(login, team_lead, team_kitchen):
    today, _monday = this_week()
    body = login(team_lead).get(URL).content.decode()
    assert 'class="today" aria-current="date"' in body
    marker = body.index('aria-current="date"')
    assert today.strftime("%m-%d") in body[marker : marker + 200]


def test_saving_the_roster_writes_shifts_and_replaces_them(
    login, team_lead, team_kitchen, agent, engineer
):
    today, monday = this_week()
    client = login(team_lead)
    cells = [f"{agent.pk}:{today.isoformat()}", f"{engineer.pk}:{today.isoformat()}"]

    first = client.post(roster_url(team_kitchen), {"week": monday.isoformat(), "shifts": cells})
    version = client.get(URL).context["roster"].version
    second = client.post(
        roster_url(team_kitchen),
        {"week": monday.isoformat(), "shifts": cells[1:], "version": version},
        follow=True,
    )

    assert first.status_code == 302
    assert "Roster saved: 0 shifts added, 1 removed." in second.content.decode()
    assert list(DutyShift.objects.values_list("user_id", "date")) == [(engineer.pk, today)]


def test_roster_with_a_bad_week_or_cell_names_the_field(login, team_lead, team_kitchen, agent):
    _today, monday = this_week()
    client = login(team_lead)

    tuesday = client.post(
        roster_url(team_kitchen), {"week": (monday + timedelta(days=1)).isoformat()}
    )
    garbage = client.post(roster_url(team_kitchen), {"week": monday.isoformat(), "shifts": ["x:y"]})
    missing = client.post(roster_url(team_kitchen), {})

    assert tuesday.status_code == 400 and "week" in tuesday.context["roster_form"].errors
    assert garbage.status_code == 400 and "shifts" in garbage.context["roster_form"].errors
    assert "is not a cell of the roster" in garbage.content.decode()
    assert missing.status_code == 400 and "week" in missing.context["roster_form"].errors
    assert not DutyShift.objects.exists()


def test_roster_with_a_stranger_is_a_field_error(login, team_lead, team_kitchen, agent_other_team):
    today, monday = this_week()

    response = login(team_lead).post(
        roster_url(team_kitchen),
        {"week": monday.isoformat(), "shifts": [f"{agent_other_team.pk}:{today.isoformat()}"]},
    )

    assert response.status_code == 400
    assert "not an active member" in str(response.context["roster_form"].errors["shifts"])
    assert not DutyShift.objects.exists()


def test_stale_roster_save_answers_409_and_keeps_the_other_save(
    login, team_lead, team_kitchen, agent, engineer
):
    today, monday = this_week()
    client = login(team_lead)
    version = client.get(URL).context["roster"].version
    DutyShift.objects.create(team=team_kitchen, user=agent, date=today)  # another lead saved

    response = client.post(
        roster_url(team_kitchen),
        {
            "week": monday.isoformat(),
            "shifts": [f"{engineer.pk}:{today.isoformat()}"],
            "version": version,
        },
    )

    assert response.status_code == 409
    assert "roster a moment ago" in response.content.decode()
    assert list(DutyShift.objects.values_list("user_id", flat=True)) == [agent.pk]


def test_lead_cannot_save_another_team_roster(login, team_lead, team_aircon):
    _today, monday = this_week()
    response = login(team_lead).post(roster_url(team_aircon), {"week": monday.isoformat()})
    assert response.status_code == 403
