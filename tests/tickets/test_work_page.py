"""The ticket page an agent works in: each action posted through its view, what is offered
when, stale and illegal posts, the customer card, canned replies and the page's query count."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feedback.models import CustomerMessage, MessageKind
from tests.tickets.factories import ProductFactory, TagFactory, TicketFactory
from tickets.models import Macro, SubTask, Ticket, TicketEvent, TicketTag
from tickets.selectors.work import macros_for_ticket
from tickets.services import ticket_assign, ticket_event_write
from tickets.services.work import ticket_contact_log, ticket_message_send

S = Ticket.Status


@pytest.fixture
def as_agent(client, agent):
    client.force_login(agent)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def at(ticket: Ticket, status: str) -> Ticket:
    Ticket.objects.filter(pk=ticket.pk).update(status=status)
    ticket.refresh_from_db()
    return ticket


def page(client, ticket: Ticket):
    response = client.get(reverse("tickets:detail", args=[ticket.number]))
    assert response.status_code == 200
    return response


def url(ticket: Ticket, action: str) -> str:
    return reverse("tickets:work_action", args=[ticket.number, action])


def seen(ticket: Ticket) -> str:
    ticket.refresh_from_db()
    return ticket.updated_at.isoformat()


# --- posting actions -----------------------------------------------------------------------


def test_logging_a_reached_call_redirects_and_the_ticket_is_contacted(as_agent, ticket):
    response = as_agent.post(
        url(ticket, "contact"),
        {"outcome": "reached", "note": "已电话联系客户", "seen_updated_at": seen(ticket)},
    )

    assert response.status_code == 302
    assert response.url == reverse("tickets:detail", args=[ticket.number])
    ticket.refresh_from_db()
    assert ticket.status == S.CONTACTED
    shown = page(as_agent, ticket).content.decode()
    assert "已电话联系客户" in shown and "Reached the customer" in shown


def test_an_empty_note_is_a_field_error_and_nothing_is_saved(as_agent, ticket):
    response = as_agent.post(url(ticket, "note"), {"text": "  ", "seen_updated_at": seen(ticket)})

    assert response.status_code == 400
    assert response.context["work"]["forms"]["note"].errors["text"]
    assert not ticket.events.filter(verb=TicketEvent.Verb.NOTE).exists()


def test_resolve_without_what_was_done_names_that_field(as_agent, ticket):
    ticket = at(ticket, S.IN_PROGRESS)

    response = as_agent.post(
        url(ticket, "resolve"),
        {"resolution_code": "repaired", "root_cause": "usage", "seen_updated_at": seen(ticket)},
    )

    assert response.status_code == 400
    form = response.context["work"]["forms"]["resolve"]
    assert list(form.errors) == ["resolution_note"]
    ticket.refresh_from_db()
    assert ticket.status == S.IN_PROGRESS


def test_resolve_through_the_page_saves_the_resolution(as_agent, ticket):
    ticket = at(ticket, S.IN_PROGRESS)

    response = as_agent.post(
        url(ticket, "resolve"),
        {
            "resolution_code": "repaired",
            "root_cause": "installation",
            "resolution_note": "重新固定支架",
            "warranty_note": "维修后3个月内同一问题免费上门",
            "seen_updated_at": seen(ticket),
        },
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution_note) == (S.RESOLVED, "重新固定支架")


def test_a_stale_post_is_409_with_the_current_state_and_keeps_what_was_typed(
    client, as_agent, engineer, ticket
):
    ticket = at(ticket, S.IN_PROGRESS)
    mine = seen(ticket)
    other = type(client)()
    other.force_login(engineer)
    other.post(url(ticket, "hold"), {"reason": "等发票", "seen_updated_at": mine})

    response = as_agent.post(url(ticket, "note"), {"text": "我的备注", "seen_updated_at": mine})

    assert response.status_code == 409
    assert response.context["ticket"].status == S.WAITING_CUSTOMER
    assert any("a moment ago" in str(m) for m in response.context["messages"])
    assert "我的备注" in response.content.decode()  # the note is not lost
    assert not ticket.events.filter(verb=TicketEvent.Verb.NOTE).exists()


@pytest.mark.parametrize(
    ("status", "action", "data"),
    [
        (
            S.NEW,
            "resolve",
            {"resolution_code": "repaired", "root_cause": "usage", "resolution_note": "x"},
        ),
        (S.NEW, "start", {}),
        (S.NEW, "hold", {"reason": "等客户"}),
        (S.IN_PROGRESS, "reopen", {"reason": "再处理"}),
        (S.CONTACTED, "resume", {}),
    ],
)
def test_an_action_not_possible_now_is_not_offered_and_is_refused(
    as_agent, ticket, status, action, data
):
    ticket = at(ticket, status)
    html = page(as_agent, ticket).content.decode()
    assert url(ticket, action) not in html

    response = as_agent.post(url(ticket, action), {**data, "seen_updated_at": seen(ticket)})

    assert response.status_code == 409
    ticket.refresh_from_db()
    assert ticket.status == status


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        (S.NEW, {"contact", "note", "message", "take", "tier"}),
        (S.CONTACTED, {"start", "contact", "note", "message", "take", "tier"}),
        (S.IN_PROGRESS, {"resolve", "hold", "contact", "note", "message", "take", "tier"}),
        (S.WAITING_CUSTOMER, {"resume", "contact", "note", "message", "take", "tier"}),
        (S.RESOLVED, {"reopen", "contact", "note", "message", "take"}),
        (S.CLOSED, {"note"}),
    ],
)
def test_the_page_offers_the_actions_of_the_current_status(as_agent, ticket, status, offered):
    ticket = at(ticket, status)
    assert page(as_agent, ticket).context["work"]["offered"] == offered


def test_the_next_step_is_first_and_open(as_agent, ticket):
    assert page(as_agent, ticket).context["work"]["primary"] == "contact"
    ticket = at(ticket, S.CONTACTED)
    assert page(as_agent, ticket).context["work"]["primary"] == "start"


def test_resolve_shows_what_is_still_open_instead_of_the_form(as_agent, ticket, team_warehouse):
    ticket = at(ticket, S.IN_PROGRESS)
    SubTask.objects.create(
        ticket=ticket,
        kind=SubTask.Kind.PARTS,
        team=team_warehouse,
        request="风扇电机",
        requested_at=timezone.now(),
        due_at=timezone.now() + timedelta(days=1),
    )

    response = page(as_agent, ticket)
    html = response.content.decode()
    assert url(ticket, "resolve") not in html
    assert "Cannot be resolved yet" in html and "配件仓库" in html
    assert response.context["work"]["primary"] == ""

    posted = as_agent.post(
        url(ticket, "resolve"),
        {
            "resolution_code": "repaired",
            "root_cause": "usage",
            "resolution_note": "修好了",
            "seen_updated_at": seen(ticket),
        },
    )
    assert posted.status_code == 409
    assert any("配件仓库" in str(m) for m in posted.context["messages"])


def test_a_role_that_does_not_work_tickets_sees_no_actions_and_is_refused(
    client, product_manager, ticket
):
    Ticket.objects.filter(pk=ticket.pk).update(category=Ticket.Category.SUGGESTION)
    client.force_login(product_manager)
    response = page(client, ticket)
    assert response.context["work"]["offered"] == set()
    assert 'id="actions"' in response.content.decode()

    posted = client.post(url(ticket, "note"), {"text": "看看"})
    assert posted.status_code == 403
    assert not ticket.events.filter(verb=TicketEvent.Verb.NOTE).exists()


def test_a_garbled_version_is_a_shown_error_not_a_500(as_agent, ticket):
    response = as_agent.post(url(ticket, "note"), {"text": "备注", "seen_updated_at": "yesterday"})
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert not ticket.events.filter(verb=TicketEvent.Verb.NOTE).exists()


def test_an_unknown_action_is_404(as_agent, ticket):
    assert as_agent.post(url(ticket, "explode"), {}).status_code == 404


def test_actions_are_posts_only(as_agent, ticket):
    assert as_agent.get(url(ticket, "take")).status_code == 405


def test_take_through_the_page(as_agent, agent, ticket):
    response = as_agent.post(url(ticket, "take"), {"seen_updated_at": seen(ticket)})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.owner == agent
    assert "take" not in page(as_agent, ticket).context["work"]["offered"]


def test_a_lead_assigns_a_team_member_from_the_page(client, team_lead, engineer, ticket):
    client.force_login(team_lead)
    form = page(client, ticket).context["work"]["forms"]["assign"]
    assert engineer in form.fields["owner"].queryset

    response = client.post(
        url(ticket, "assign"), {"owner": engineer.pk, "seen_updated_at": seen(ticket)}
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.owner == engineer


def test_a_lead_cannot_assign_someone_outside_the_team(client, team_lead, agent_other_team, ticket):
    client.force_login(team_lead)
    response = client.post(
        url(ticket, "assign"), {"owner": agent_other_team.pk, "seen_updated_at": seen(ticket)}
    )
    assert response.status_code == 400
    assert "owner" in response.context["work"]["forms"]["assign"].errors


def test_the_tier_change_needs_a_reason_on_the_page(as_agent, ticket):
    response = as_agent.post(url(ticket, "tier"), {"tier": "L1", "seen_updated_at": seen(ticket)})
    assert response.status_code == 400
    assert "reason" in response.context["work"]["forms"]["tier"].errors

    response = as_agent.post(
        url(ticket, "tier"), {"tier": "L1", "reason": "客户要投诉", "seen_updated_at": seen(ticket)}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.tier == "L1"
    assert "客户要投诉" in page(as_agent, ticket).content.decode()


def test_a_lead_extends_a_deadline_from_the_page(client, team_lead, ticket):
    client.force_login(team_lead)
    new_due = timezone.localtime(ticket.resolve_due_at + timedelta(days=2)).replace(
        second=0, microsecond=0
    )
    response = client.post(
        url(ticket, "deadline"),
        {
            "which": "resolve",
            "new_due_at": new_due.strftime("%Y-%m-%dT%H:%M"),
            "reason": "等配件到货",
            "seen_updated_at": seen(ticket),
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.resolve_due_at == new_due


def test_an_extension_earlier_than_the_deadline_names_the_field(client, team_lead, ticket):
    client.force_login(team_lead)
    earlier = timezone.localtime(ticket.resolve_due_at - timedelta(hours=1))
    response = client.post(
        url(ticket, "deadline"),
        {
            "which": "resolve",
            "new_due_at": earlier.strftime("%Y-%m-%dT%H:%M"),
            "reason": "等配件",
            "seen_updated_at": seen(ticket),
        },
    )
    assert response.status_code == 400
    assert "new_due_at" in response.context["work"]["forms"]["deadline"].errors


def test_the_plain_status_form_does_not_make_moves_that_have_their_own_action(as_agent, ticket):
    ticket = at(ticket, S.IN_PROGRESS)
    html = page(as_agent, ticket).content.decode()
    assert 'name="to_status" value="resolved"' not in html
    assert 'name="to_status" value="waiting_parts"' in html

    as_agent.post(
        reverse("tickets:transition", args=[ticket.number]),
        {"to_status": S.RESOLVED, "seen_updated_at": seen(ticket)},
    )

    ticket.refresh_from_db()
    assert ticket.status == S.IN_PROGRESS


# --- messages and canned replies ------------------------------------------------------------


def test_a_message_posted_twice_from_one_form_is_sent_once(as_agent, ticket):
    form = page(as_agent, ticket).context["work"]["forms"]["message"]
    data = {
        "text": "您好，工程师明天上门",
        "slot": form["slot"].value(),
        "seen_updated_at": seen(ticket),
    }

    responses = [as_agent.post(url(ticket, "message"), data) for _ in range(2)]

    assert [r.status_code for r in responses] == [302, 302]
    assert CustomerMessage.objects.filter(ticket=ticket, kind=MessageKind.REPLY).count() == 1


def test_a_message_without_its_form_token_is_refused_and_says_why(as_agent, ticket):
    response = as_agent.post(url(ticket, "message"), {"text": "请回电", "slot": "../x"})
    assert response.status_code == 400
    assert "reload the page" in response.content.decode()
    assert not CustomerMessage.objects.filter(ticket=ticket, kind=MessageKind.REPLY).exists()


def test_canned_replies_fill_in_the_number_and_the_owners_name(agent, ticket):
    agent.display_name = "王芳"
    agent.save(update_fields=["display_name"])
    ticket = ticket_assign(ticket=ticket, owner=agent, actor=None)
    Macro.objects.create(title="测试", body="工单{number}由{owner_name}负责，{unknown}保持原样")
    Macro.objects.create(title="停用", body="不应出现", is_active=False)

    macros = {macro.title: macro.body for macro in macros_for_ticket(ticket=ticket)}

    assert macros["测试"] == f"工单{ticket.number}由王芳负责，{{unknown}}保持原样"
    assert macros["致歉"].endswith(f"王芳将全程负责您的工单{ticket.number}，直到问题解决。")
    assert "停用" not in macros


def test_canned_replies_name_a_role_while_nobody_owns_the_ticket(ticket):
    apology = {m.title: m.body for m in macros_for_ticket(ticket=ticket)}["致歉"]
    assert "售后专员将全程负责" in apology


def test_the_page_offers_the_filled_canned_replies_for_the_message_box(as_agent, ticket):
    html = page(as_agent, ticket).content.decode()
    assert 'data-macro-target="#message-text"' in html
    assert f"您的工单{ticket.number}，直到问题解决" in html


def test_a_wechat_ticket_keeps_its_reply_card_and_offers_no_sms_message(as_agent, team_kitchen):
    ticket = TicketFactory(
        team=team_kitchen, channel=Ticket.Channel.WECHAT, confirmed_via="wechat_reply"
    )
    response = page(as_agent, ticket)
    html = response.content.decode()
    assert "message" not in response.context["work"]["offered"]
    assert 'id="wechat-card"' in html
    assert "#wechat-card textarea[name=text]" in html  # canned replies fill the WeChat reply

    posted = as_agent.post(url(ticket, "message"), {"text": "请回电", "slot": "f" * 32})
    assert posted.status_code == 400
    assert not CustomerMessage.objects.filter(ticket=ticket, kind=MessageKind.REPLY).exists()


# --- tags ----------------------------------------------------------------------------------


def test_a_suggested_tag_is_confirmed_through_htmx_with_the_fragment_back(as_agent, ticket):
    suggested = TicketTag.objects.create(
        ticket=ticket, tag=TagFactory(name="异响-页面"), source="auto"
    )

    response = as_agent.post(
        reverse("tickets:work_tag_review", args=[ticket.number, suggested.pk]),
        {"verdict": "confirm"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "<html" not in response.content.decode() and "异响-页面" in response.content.decode()
    suggested.refresh_from_db()
    assert suggested.state == "confirmed"


def test_removing_a_tag_rejects_it_and_keeps_the_row(as_agent, ticket):
    tagged = TicketTag.objects.create(
        ticket=ticket, tag=TagFactory(name="漏水-页面"), source="agent", state="confirmed"
    )

    response = as_agent.post(
        reverse("tickets:work_tag_review", args=[ticket.number, tagged.pk]), {"verdict": "reject"}
    )

    assert response.status_code == 302
    tagged.refresh_from_db()
    assert tagged.state == "rejected"


def test_a_tag_of_another_ticket_cannot_be_reviewed_from_this_one(as_agent, ticket, team_kitchen):
    other = TicketFactory(team=team_kitchen)
    foreign = TicketTag.objects.create(ticket=other, tag=TagFactory(name="别的"), source="auto")
    response = as_agent.post(
        reverse("tickets:work_tag_review", args=[ticket.number, foreign.pk]), {"verdict": "reject"}
    )
    assert response.status_code == 404


def test_adding_a_tag_on_the_page_and_an_unknown_tag_is_a_field_error(as_agent, ticket):
    tag = TagFactory(name="夹生-页面")
    add = reverse("tickets:work_tag_add", args=[ticket.number])

    ok = as_agent.post(add, {"tag": tag.pk}, headers={"HX-Request": "true"})
    bad = as_agent.post(add, {"tag": 999999}, headers={"HX-Request": "true"})

    assert ok.status_code == 200 and "夹生-页面" in ok.content.decode()
    assert bad.status_code == 400 and 'class="error"' in bad.content.decode()
    assert TicketTag.objects.get(ticket=ticket, tag=tag).state == "confirmed"


# --- the customer, the product, the timeline ---------------------------------------------------


def test_the_customer_card_lists_earlier_tickets_and_marks_repeats(
    as_agent, team_kitchen, team_aircon
):
    phone = "13900001111"
    first = TicketFactory(team=team_kitchen, phone=phone, description="电饭煲煮饭夹生")
    elsewhere = TicketFactory(team=team_aircon, phone=phone, description="空调不制冷")
    current = TicketFactory(team=team_kitchen, phone=phone, description="电饭煲又夹生了")
    Ticket.objects.filter(pk=current.pk).update(repeat_of=first)

    response = page(as_agent, current)
    history = response.context["work"]["history"]
    html = response.content.decode()

    assert history.tickets == [first] and history.total == 2 and history.hidden == 1
    assert elsewhere.number not in html
    assert "this ticket repeats it" in html and "Repeat complaint" in html


def test_the_product_card_shows_the_warranty_status(as_agent, team_kitchen):
    bought = timezone.localdate() - timedelta(days=30)
    product = ProductFactory(warranty_months=12)
    covered = TicketFactory(
        team=team_kitchen, product_model=product.model_code, purchase_date=bought
    )
    unknown = TicketFactory(team=team_kitchen, product_model=product.model_code)

    assert (
        f"In warranty until {covered.warranty_ends_on:%Y-%m-%d}"
        in page(as_agent, covered).content.decode()
    )
    assert "Purchase date unknown" in page(as_agent, unknown).content.decode()


def test_the_timeline_shows_notes_calls_and_messages_newest_last_with_actors(
    as_agent, agent, ticket
):
    as_agent.post(url(ticket, "contact"), {"outcome": "no_answer", "note": "第一次未接"})
    as_agent.post(url(ticket, "note"), {"text": "内部备注：客户是老客户"})

    response = page(as_agent, ticket)
    events = response.context["timeline"]
    html = response.content.decode()

    assert [e.verb for e in events][-2:] == ["call", "note"]
    assert events[0].verb == "created"
    assert str(agent) in html and "No answer" in html and "internal" in html
    message = next(e for e in events if e.verb == "message")
    assert message.message is not None  # the outbox row, for its delivery status


def _event_heavy(ticket: Ticket, agent, count: int) -> None:
    """A timeline of notes, calls and messages to the customer (each with its outbox row)."""
    for i in range(count):
        ticket_event_write(
            ticket=ticket,
            verb=TicketEvent.Verb.NOTE,
            actor=agent,
            at=timezone.now(),
            payload={"note": f"n{i}"},
        )
        ticket_contact_log(ticket=ticket, outcome="no_answer", actor=agent)
        ticket_message_send(ticket=ticket, text=f"消息{i}", slot=f"{i:032x}", actor=agent)


# Session, user, permissions, the ticket and its tags, timeline and outbox rows, history,
# canned replies, the other areas' cards, attachments, the tag and team choices.
PAGE_MAX_QUERIES = 22


def test_the_ticket_page_query_count_does_not_grow_with_the_timeline(
    as_agent, agent, team_kitchen, django_assert_max_num_queries
):
    short, long = TicketFactory(team=team_kitchen), TicketFactory(team=team_kitchen)
    _event_heavy(short, agent, 1)
    _event_heavy(long, agent, 30)
    page(as_agent, short)  # warm the session and permission caches alike for both

    counts = []
    for ticket in (short, long):
        with CaptureQueriesContext(connection) as queries:
            page(as_agent, ticket)
        counts.append(len(queries))

    assert counts[0] == counts[1]
    with django_assert_max_num_queries(PAGE_MAX_QUERIES):
        assert len(page(as_agent, long).context["timeline"]) > 90
