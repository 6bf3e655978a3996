from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.tickets.factories import TagFactory, TicketFactory
from tickets.models import Ticket, TicketTag

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_no_token_is_401_and_shows_no_data(api, ticket):
    response = api.get(reverse("api-ticket-list"))
    assert response.status_code == 401
    assert ticket.number not in response.content.decode()


def test_wrong_token_is_401(api, ticket):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api.get(reverse("api-ticket-detail", args=[ticket.number]))
    assert response.status_code == 401
    assert ticket.number not in response.content.decode()


def test_create_api_token_prints_a_working_token(api, agent, ticket, capsys):
    call_command("create_api_token", "agent")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert Token.objects.get(user=agent).key == token

    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.get(reverse("api-ticket-list"))

    assert response.status_code == 200
    assert [t["number"] for t in response.json()["results"]] == [ticket.number]


def test_create_api_token_for_unknown_user_fails_clearly(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nobody"):
        call_command("create_api_token", "nobody")


def _tickets(n, team):
    tags = [TagFactory(), TagFactory()]
    made = []
    for i in range(n):
        ticket = TicketFactory(team=team, received_at=T0 + timedelta(minutes=i), tier="L2")
        TicketTag.objects.bulk_create(TicketTag(ticket=ticket, tag=t, source="auto") for t in tags)
        made.append(ticket)
    return made


@pytest.mark.parametrize("page_size", [5, 40])
def test_list_uses_a_fixed_number_of_queries(
    api_as, agent, team_kitchen, django_assert_num_queries, page_size
):
    _tickets(45, team_kitchen)
    client = api_as(agent)
    # perms (user, groups) + tickets + tags prefetch: the same for any page size.
    with django_assert_num_queries(4):
        response = client.get(reverse("api-ticket-list"), {"page_size": page_size})
    first = response.json()["results"][0]
    assert len(response.json()["results"]) == page_size
    # Triage's suggested tag plus the two added here, all from the one prefetch query.
    assert len(first["tags"]) == TicketTag.objects.filter(ticket__number=first["number"]).count()
    assert len(first["tags"]) >= 2


def test_list_is_ordered_by_nearest_due_and_cursor_walks_all(api_as, manager, team_kitchen):
    made = _tickets(7, team_kitchen)
    # The last one becomes the most urgent.
    Ticket.objects.filter(pk=made[-1].pk).update(first_contact_due_at=T0 - timedelta(hours=1))
    client = api_as(manager)

    seen, url = [], reverse("api-ticket-list") + "?page_size=3"
    while url:
        body = client.get(url).json()
        seen += [t["number"] for t in body["results"]]
        url = body["next"]

    assert seen[0] == made[-1].number
    assert sorted(seen) == sorted(t.number for t in made)
    assert len(seen) == len(set(seen))


def test_filters_by_status_tier_and_tag(api_as, manager, team_kitchen):
    tag = TagFactory(name="电机异响")
    hit = TicketFactory(team=team_kitchen, tier="L1")
    TicketTag.objects.create(ticket=hit, tag=tag, source="auto")
    TicketFactory(team=team_kitchen, tier="L3")
    client = api_as(manager)

    by_tier = client.get(reverse("api-ticket-list"), {"tier": "L1"}).json()["results"]
    by_tag = client.get(reverse("api-ticket-list"), {"tag": tag.pk}).json()["results"]
    by_status = client.get(reverse("api-ticket-list"), {"status": "closed"}).json()["results"]

    assert [t["number"] for t in by_tier] == [hit.number]
    assert [t["number"] for t in by_tag] == [hit.number]
    assert by_status == []


def test_bad_filter_value_is_400_naming_the_field(api_as, manager):
    response = api_as(manager).get(reverse("api-ticket-list"), {"tier": "L9"})
    assert response.status_code == 400
    assert "tier" in response.json()


def test_timeline_lists_events_in_order(api_as, agent, ticket):
    from tickets.services import ticket_transition

    ticket_transition(ticket=ticket, to_status="contacted", actor=agent)
    body = api_as(agent).get(reverse("api-ticket-timeline", args=[ticket.number])).json()
    assert [e["verb"] for e in body] == ["created", "message", "transitioned"]
    assert body[1]["payload"]["kind"] == "acknowledgement"
    assert body[2]["to_status"] == "contacted"


def test_schema_and_swagger_are_served_offline(client, agent):
    client.force_login(agent)
    schema = client.get(reverse("schema"))
    assert schema.status_code == 200
    assert b"/api/v1/tickets/{number}/transition/" in schema.content
    docs = client.get(reverse("swagger-ui")).content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in docs
    assert "cdn" not in docs.lower()


def test_post_tickets_registers_through_intake_once(api, agent):
    token = Token.objects.create(user=agent)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    body = {
        "channel": "web",
        "external_ref": "crm-77",
        "customer_name": "王芳",
        "phone": "13812345678",
        "description": "热水器洗澡时漏电，手摸水管有麻感",
    }
    first = api.post(reverse("api-ticket-list"), body, format="json")
    again = api.post(reverse("api-ticket-list"), body, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    ticket = Ticket.objects.get()
    assert ticket.tier == "L1" and any("漏电" in reason for reason in ticket.triage_reasons)


def test_post_tickets_needs_the_register_permission(api_as, product_manager):
    response = api_as(product_manager).post(reverse("api-ticket-list"), {}, format="json")
    assert response.status_code == 403


def test_ping_answers_authenticated_callers_only(api, agent):
    assert api.get(reverse("api-ping")).status_code == 401
    api.force_authenticate(agent)
    assert api.post(reverse("api-ping")).json() == {"ok": True}


def test_api_cannot_resolve_without_the_resolution_but_makes_plain_moves(api_as, agent, ticket):
    url = reverse("api-ticket-transition", args=[ticket.number])
    client = api_as(agent)
    for to_status in ("contacted", "in_progress"):
        assert client.post(url, {"to_status": to_status}, format="json").status_code == 200

    response = client.post(url, {"to_status": "resolved"}, format="json")

    assert response.status_code == 400
    assert "ticket page" in response.json()["detail"] or "工单页" in response.json()["detail"]
    ticket.refresh_from_db()
    assert ticket.status == "in_progress" and ticket.resolved_at is None


def test_transition_of_a_ticket_one_cannot_see_is_404_whatever_the_body(
    api_as, agent_other_team, ticket
):
    client = api_as(agent_other_team)
    for body in ({"to_status": "contacted"}, {"to_status": "no_such_status"}, {}):
        url = reverse("api-ticket-transition", args=[ticket.number])
        assert client.post(url, body, format="json").status_code == 404
        missing = reverse("api-ticket-transition", args=["SH-20260101-999999"])
        assert client.post(missing, body, format="json").status_code == 404
