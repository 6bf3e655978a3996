"""The dispatch card on the ticket page and the team inbox: what each role sees and may post."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from tests.tickets.factories import TicketFactory
from tickets.models import SubTask, Ticket, TicketEvent, Transfer
from tickets.services.dispatch import subtask_request, transfer_accept, transfer_request

S = Ticket.Status


@pytest.fixture
def english(client):
    """Pages in English (the language switcher's cookie), so assertions read the msgids."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def worked(ticket, agent):
    Ticket.objects.filter(pk=ticket.pk).update(status=S.IN_PROGRESS, owner=agent)
    ticket.refresh_from_db()
    return ticket


def _parts(ticket, actor, team, **extra):
    return subtask_request(
        ticket=ticket,
        kind="parts",
        team=team,
        request="压缩机启动电容",
        part_code="CAP-35UF",
        quantity=1,
        actor=actor,
        **extra,
    )


def _page(client, ticket):
    return client.get(reverse("tickets:detail", args=[ticket.number]))


def _seen(client, ticket) -> str:
    """The version the page's dispatch forms carry, as the agent's browser has it now."""
    page = _page(client, ticket)
    assert 'name="seen_updated_at"' in page.content.decode()
    return page.context["ticket"].updated_at.isoformat()


def test_the_owner_is_offered_parts_technical_and_transfer_forms_while_working(
    english, agent, worked
):
    english.force_login(agent)

    html = _page(english, worked).content.decode()

    assert 'id="dispatch"' in html
    assert reverse("tickets:subtask_request", args=[worked.number]) in html
    assert 'value="parts"' in html and 'value="technical"' in html
    assert reverse("tickets:transfer_request", args=[worked.number]) in html
    assert "Transferred 0 times" in html


def test_help_is_not_offered_before_work_starts_and_refused_if_posted(
    client, agent, ticket, team_warehouse
):
    client.force_login(agent)  # the ticket is new: nobody has called the customer yet
    url = reverse("tickets:subtask_request", args=[ticket.number])

    html = _page(client, ticket).content.decode()
    response = client.post(
        url, {"kind": "parts", "team": team_warehouse.pk, "part_code": "X", "quantity": 1}
    )

    assert url not in html
    assert response.status_code == 302
    assert not SubTask.objects.exists()


def test_asking_for_a_part_from_the_page_makes_the_ticket_wait(
    client, agent, worked, team_warehouse
):
    client.force_login(agent)
    seen = _seen(client, worked)

    response = client.post(
        reverse("tickets:subtask_request", args=[worked.number]),
        {
            "kind": "parts",
            "team": team_warehouse.pk,
            "part_code": "CAP-35UF",
            "quantity": "2",
            "request": "压缩机启动电容",
            "seen_updated_at": seen,
        },
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("tickets:detail", args=[worked.number]))
    subtask = SubTask.objects.get()
    assert (subtask.part_code, subtask.quantity, subtask.team) == ("CAP-35UF", 2, team_warehouse)
    worked.refresh_from_db()
    assert worked.status == S.WAITING_PARTS


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "parts", "part_code": "CAP", "quantity": ""}, "quantity"),
        ({"kind": "parts", "part_code": "CAP", "quantity": "0"}, "quantity"),
        ({"kind": "parts", "part_code": "", "request": "", "quantity": "1"}, "part_code"),
        ({"kind": "technical", "request": ""}, "request"),
        ({"kind": "technical", "request": "E4?", "due_at": "2001-01-01T10:00"}, "due_at"),
        ({"kind": "technical", "request": "E4?", "due_at": "明天"}, "due_at"),
        ({"kind": "fax", "request": "E4?"}, "kind"),
    ],
)
def test_a_bad_sub_task_request_names_the_field_and_changes_nothing(
    client, agent, worked, team_technical, data, field
):
    client.force_login(agent)

    response = client.post(
        reverse("tickets:subtask_request", args=[worked.number]),
        {"team": team_technical.pk, **data},
    )

    assert response.status_code == 400
    card = response.context["dispatch"]
    # The posted form comes back bound (a kind it does not know, as the parts form).
    errors = {name for kind in ("parts", "technical") for name in card[f"{kind}_form"].errors}
    assert field in errors
    assert not SubTask.objects.exists()


def test_a_sub_task_to_the_ticket_own_team_is_a_field_error(client, agent, worked, team_kitchen):
    client.force_login(agent)

    response = client.post(
        reverse("tickets:subtask_request", args=[worked.number]),
        {"kind": "technical", "team": team_kitchen.pk, "request": "E4?"},
    )

    assert response.status_code == 400
    assert "team" in response.context["dispatch"]["technical_form"].errors


def test_a_stale_sub_task_request_is_409_with_the_current_page(
    client, agent, engineer, worked, team_warehouse, team_technical
):
    client.force_login(agent)
    seen = _seen(client, worked)
    _parts(worked, engineer, team_warehouse)  # a colleague asked first

    response = client.post(
        reverse("tickets:subtask_request", args=[worked.number]),
        {"kind": "technical", "team": team_technical.pk, "request": "E4?", "seen_updated_at": seen},
    )

    assert response.status_code == 409
    assert response.context["ticket"].status == S.WAITING_PARTS
    assert SubTask.objects.count() == 1


def test_a_stale_transfer_request_is_409(
    client, agent, engineer, agent_other_team, worked, team_warehouse, team_aircon
):
    client.force_login(agent)
    seen = _seen(client, worked)
    _parts(worked, engineer, team_warehouse)  # a colleague changed the ticket meanwhile

    response = client.post(
        reverse("tickets:transfer_request", args=[worked.number]),
        {"to_team": team_aircon.pk, "reason": "安装问题", "seen_updated_at": seen},
    )

    assert response.status_code == 409
    assert response.context["ticket"].status == S.WAITING_PARTS
    assert not Transfer.objects.exists()


def test_a_team_nobody_can_take_tickets_in_is_not_offered_for_a_transfer(
    client, agent, warehouse_clerk, worked, team_warehouse
):
    client.force_login(agent)

    response = client.post(
        reverse("tickets:transfer_request", args=[worked.number]),
        {"to_team": team_warehouse.pk, "reason": "配件问题"},
    )

    assert response.status_code == 400
    assert "to_team" in response.context["dispatch"]["transfer_form"].errors


def test_a_transfer_without_reason_names_the_field(client, agent, agent_other_team, worked):
    client.force_login(agent)

    response = client.post(
        reverse("tickets:transfer_request", args=[worked.number]),
        {"to_team": agent_other_team.teams.get().pk, "reason": " "},
    )

    assert response.status_code == 400
    assert "reason" in response.context["dispatch"]["transfer_form"].errors
    assert not Transfer.objects.exists()


def test_sub_task_visibility_follows_the_team(
    client, agent, agent_other_team, warehouse_clerk, worked, team_warehouse
):
    subtask = _parts(worked, agent, team_warehouse)
    inbox = reverse("tickets:inbox")

    client.force_login(warehouse_clerk)
    clerk_inbox, clerk_page = client.get(inbox), _page(client, worked)
    client.force_login(agent_other_team)
    other_inbox, other_page = client.get(inbox), _page(client, worked)
    client.force_login(agent)
    owner_page = _page(client, worked)

    assert [row.subtask for row in clerk_inbox.context["rows"]] == [subtask]
    assert clerk_page.status_code == 200
    assert f'id="subtask-{subtask.pk}"' in clerk_page.content.decode()
    assert other_inbox.context["rows"] == []
    assert other_page.status_code == 404
    assert f'id="subtask-{subtask.pk}"' in owner_page.content.decode()
    assert [row.subtask for row in owner_page.context["dispatch"]["rows"]] == [subtask]


def test_the_warehouse_does_its_whole_job_from_the_inbox(
    client, agent, warehouse_clerk, worked, team_warehouse
):
    subtask = _parts(worked, agent, team_warehouse)
    client.force_login(warehouse_clerk)
    page = client.get(reverse("tickets:inbox")).content.decode()
    start = reverse("tickets:subtask_start", args=[worked.number, subtask.pk])
    complete = reverse("tickets:subtask_complete", args=[worked.number, subtask.pk])
    assert start in page and complete in page

    took = client.post(start, {"back": "inbox"})
    empty = client.post(complete, {"back": "inbox", "result": ""})
    done = client.post(complete, {"back": "inbox", "result": "已发出 顺丰 SF1234567890"})

    assert (took.status_code, took["Location"]) == (302, reverse("tickets:inbox"))
    assert empty.status_code == 400
    assert "result" in empty.context["rows"][0].complete_form.errors
    assert (done.status_code, done["Location"]) == (302, reverse("tickets:inbox"))
    subtask.refresh_from_db()
    assert (subtask.status, subtask.assignee) == ("done", warehouse_clerk)
    worked.refresh_from_db()
    assert worked.status == S.IN_PROGRESS
    assert client.get(reverse("tickets:inbox")).context["rows"] == []


def test_the_warehouse_is_not_offered_what_it_may_not_do_and_is_refused_if_it_posts(
    client, agent, warehouse_clerk, worked, team_warehouse, team_technical
):
    subtask = _parts(worked, agent, team_warehouse)
    client.force_login(warehouse_clerk)

    html = _page(client, worked).content.decode()
    cancel = client.post(
        reverse("tickets:subtask_cancel", args=[worked.number, subtask.pk]), {"reason": "x"}
    )
    transfer = client.post(
        reverse("tickets:transfer_request", args=[worked.number]),
        {"to_team": team_technical.pk, "reason": "x"},
    )

    assert reverse("tickets:subtask_start", args=[worked.number, subtask.pk]) in html
    assert reverse("tickets:subtask_cancel", args=[worked.number, subtask.pk]) not in html
    assert reverse("tickets:transfer_request", args=[worked.number]) not in html
    assert f'action="{reverse("tickets:subtask_request", args=[worked.number])}"' not in html
    assert (cancel.status_code, transfer.status_code) == (403, 403)
    subtask.refresh_from_db()
    assert subtask.status == "open"


def test_the_owner_cancels_from_the_page_with_a_reason(client, agent, worked, team_warehouse):
    subtask = _parts(worked, agent, team_warehouse)
    client.force_login(agent)
    url = reverse("tickets:subtask_cancel", args=[worked.number, subtask.pk])
    assert url in _page(client, worked).content.decode()

    empty = client.post(url, {"reason": ""})
    done = client.post(url, {"reason": "客户已自行购买"})

    assert empty.status_code == 400
    assert "reason" in empty.context["dispatch"]["rows"][0].cancel_form.errors
    assert done.status_code == 302
    worked.refresh_from_db()
    assert worked.status == S.IN_PROGRESS


def test_the_target_team_accepts_a_transfer_from_its_inbox(
    client, agent, agent_other_team, worked, team_aircon
):
    transfer = transfer_request(ticket=worked, to_team=team_aircon, reason="安装问题", actor=agent)
    client.force_login(agent_other_team)

    inbox = client.get(reverse("tickets:inbox"))
    response = client.post(reverse("tickets:transfer_accept", args=[worked.number, transfer.pk]))

    assert [t for t, _failed in inbox.context["transfers"]] == [transfer]
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:detail", args=[worked.number])
    worked.refresh_from_db()
    assert (worked.team, worked.owner, worked.transfer_count) == (
        team_aircon,
        agent_other_team,
        1,
    )


def test_the_requesting_side_sees_the_pending_transfer_but_cannot_accept_it(
    english, agent, agent_other_team, worked, team_aircon, team_kitchen
):
    transfer = transfer_request(ticket=worked, to_team=team_aircon, reason="安装问题", actor=agent)
    english.force_login(agent)
    accept = reverse("tickets:transfer_accept", args=[worked.number, transfer.pk])

    html = _page(english, worked).content.decode()
    refused = english.post(accept)

    assert "Waiting for the team" in html
    assert accept not in html
    assert reverse("tickets:transfer_cancel", args=[worked.number, transfer.pk]) in html
    assert refused.status_code == 403
    worked.refresh_from_db()
    assert (worked.team, worked.owner) == (team_kitchen, agent)


def test_declining_from_the_inbox_needs_a_note_and_returns_to_the_inbox(
    client, agent, agent_other_team, worked, team_aircon, team_kitchen
):
    transfer = transfer_request(ticket=worked, to_team=team_aircon, reason="安装问题", actor=agent)
    client.force_login(agent_other_team)
    url = reverse("tickets:transfer_decline", args=[worked.number, transfer.pk])

    empty = client.post(url, {"back": "inbox", "note": ""})
    declined = client.post(url, {"back": "inbox", "note": "这是电饭煲的问题"})

    assert empty.status_code == 400
    assert "note" in empty.context["transfers"][0][1].errors
    assert (declined.status_code, declined["Location"]) == (302, reverse("tickets:inbox"))
    worked.refresh_from_db()
    assert (worked.team, worked.owner, worked.transfer_count) == (team_kitchen, agent, 0)


def test_a_ticket_transferred_twice_is_marked_for_managers(
    english, agent, agent_other_team, tech_support, manager, worked, team_aircon, team_technical
):
    transfer_accept(
        transfer=transfer_request(ticket=worked, to_team=team_aircon, reason="x", actor=agent),
        actor=agent_other_team,
    )
    worked.refresh_from_db()
    transfer_accept(
        transfer=transfer_request(
            ticket=worked, to_team=team_technical, reason="y", actor=agent_other_team
        ),
        actor=tech_support,
    )
    english.force_login(manager)

    html = _page(english, worked).content.decode()

    assert "Transferred 2 times" in html
    assert "transfer-count kicked" in html


def test_the_inbox_is_for_teams_that_help(client, store_clerk):
    client.force_login(store_clerk)
    assert client.get(reverse("tickets:inbox")).status_code == 403


def test_the_inbox_shows_the_owner_what_blocks_their_tickets(client, agent, worked, team_warehouse):
    subtask = _parts(worked, agent, team_warehouse)
    client.force_login(agent)

    response = client.get(reverse("tickets:inbox"))

    assert [row.subtask for row in response.context["waiting"]] == [subtask]
    assert "blocking-since" in response.content.decode()


def test_the_inbox_lists_sub_tasks_by_due_time(client, agent, warehouse_clerk, team_warehouse):
    first, second = _working_ticket(agent), _working_ticket(agent)
    late = _parts(first, agent, team_warehouse)
    soon = _parts(second, agent, team_warehouse, due_at=late.due_at - timedelta(hours=2))
    client.force_login(warehouse_clerk)

    rows = client.get(reverse("tickets:inbox")).context["rows"]

    assert [row.subtask for row in rows] == [soon, late]


def _working_ticket(owner):
    ticket = TicketFactory(team=owner.teams.first())
    Ticket.objects.filter(pk=ticket.pk).update(status=S.IN_PROGRESS, owner=owner)
    ticket.refresh_from_db()
    return ticket


def _load(agent, team_warehouse, team_aircon, count):
    for _ in range(count):
        ticket = _working_ticket(agent)
        _parts(ticket, agent, team_warehouse)
        transfer_request(ticket=ticket, to_team=team_aircon, reason="安装问题", actor=agent)


# Session, user, the user's two permission sets, their team ids, their team names, then one
# query per list: sub-tasks, transfers (for who may take tickets), their own tickets' sub-tasks.
# A manager without a team sees every team's and needs no names; the warehouse decides no
# transfers.
@pytest.mark.parametrize(
    ("user_fixture", "expected"),
    [("warehouse_clerk", 8), ("agent_other_team", 9), ("manager", 8), ("agent", 9)],
)
def test_the_inbox_costs_the_same_queries_for_one_row_or_many(
    client,
    django_assert_num_queries,
    request,
    agent,
    agent_other_team,
    team_warehouse,
    team_aircon,
    user_fixture,
    expected,
):
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)
    url = reverse("tickets:inbox")
    _load(agent, team_warehouse, team_aircon, 1)
    client.get(url)  # warm the session and the content types

    with django_assert_num_queries(expected):
        few = client.get(url)
    _load(agent, team_warehouse, team_aircon, 5)
    with django_assert_num_queries(expected):
        many = client.get(url)

    def shown(page):
        return sum(len(page.context[name]) for name in ("rows", "transfers", "waiting"))

    assert shown(many) > shown(few) > 0


def test_an_accepted_transfer_stays_in_the_ticket_history_with_its_reason(
    client, agent, agent_other_team, worked, team_aircon
):
    transfer = transfer_request(ticket=worked, to_team=team_aircon, reason="安装问题", actor=agent)
    transfer_accept(transfer=transfer, actor=agent_other_team)
    client.force_login(agent_other_team)

    page = _page(client, worked)

    card = page.context["dispatch"]
    assert card["pending"] is None
    assert card["transfers"] == [transfer]
    assert 'class="badge transfer-accepted"' in page.content.decode()
    assert "安装问题" in page.content.decode()
    actions = TicketEvent.objects.filter(ticket=worked, verb="transfer").order_by("pk")
    assert [e.payload["action"] for e in actions] == ["requested", "accepted"]


def test_who_may_not_act_is_refused_before_their_form_is_read(
    client, agent, engineer, agent_other_team, worked, team_warehouse, team_aircon
):
    subtask = _parts(worked, agent, team_warehouse)
    transfer = transfer_request(ticket=worked, to_team=team_aircon, reason="安装问题", actor=agent)
    client.force_login(engineer)  # of the owner's team: sees the ticket, works neither

    complete = client.post(
        reverse("tickets:subtask_complete", args=[worked.number, subtask.pk]), {"result": ""}
    )
    decline = client.post(
        reverse("tickets:transfer_decline", args=[worked.number, transfer.pk]), {"note": ""}
    )

    assert (complete.status_code, decline.status_code) == (403, 403)
