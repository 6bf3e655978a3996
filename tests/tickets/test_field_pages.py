"""The field pages: the ticket page's visit and mail-in cards, the engineer's phone pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feedback.models import CustomerMessage, MessageKind
from tests.tickets.factories import UserFactory
from tests.tickets.test_field_services import fake_photo, field_ticket, png, profile
from tickets.models import Attachment, MailIn, SubTask, Ticket, TicketEvent, Visit
from tickets.selectors.field import next_open_window
from tickets.services.field import mailin_start, visit_complete, visit_schedule

S = Ticket.Status
ADDRESS = "漕溪北路88号3单元502"


def book(ticket, engineer, actor, **overrides) -> Visit:
    """A visit in the next window that has not begun, by the real clock (pages read it)."""
    day, window = next_open_window(now=timezone.now() + timedelta(days=1))
    values = {"date": day, "window": window, "city": "上海", "district": "徐汇区"}
    return visit_schedule(
        ticket=ticket,
        engineer=engineer,
        actor=actor,
        address=ADDRESS,
        **(values | overrides),
    )


def today_visit(ticket, engineer, actor) -> Visit:
    """A visit today (Asia/Shanghai), booked as if yesterday."""
    today = timezone.localdate()
    return visit_schedule(
        ticket=ticket,
        engineer=engineer,
        actor=actor,
        date=today,
        window=Visit.Window.EVENING,
        city="上海",
        district="静安区",
        address=ADDRESS,
        now=timezone.now() - timedelta(days=1),
    )


def form_of(client, ticket) -> dict:
    """The schedule form's values as the ticket page renders them."""
    page = client.get(reverse("tickets:detail", args=[ticket.number]))
    assert page.status_code == 200
    form = page.context["onsite"]["schedule_form"]
    return {
        "date": form.initial["date"].isoformat(),
        "window": form.initial["window"],
        "city": "上海",
        "district": "徐汇区",
        "address": ADDRESS,
        "seen_updated_at": form.initial["seen_updated_at"].isoformat(),
    }


@pytest.fixture
def field_engineer(engineer):
    engineer.display_name = "李强"
    engineer.save(update_fields=["display_name"])
    return profile(engineer)


# The engineer's list and visit page


def test_the_engineer_sees_only_their_own_visits_for_today(
    client, team_kitchen, agent, field_engineer
):
    other = profile(UserFactory(username="other_eng", role="engineer", teams=[team_kitchen]))
    mine = today_visit(field_ticket(team_kitchen, symptom="出风口异响"), field_engineer, agent)
    theirs = today_visit(field_ticket(team_kitchen, symptom="漏水"), other, agent)
    client.force_login(field_engineer)

    page = client.get(reverse("tickets:visits"))

    html = page.content.decode()
    assert page.status_code == 200
    assert reverse("tickets:visit", args=[mine.pk]) in html and "出风口异响" in html
    assert reverse("tickets:visit", args=[theirs.pk]) not in html and "漏水" not in html
    assert "静安区" in html and "18:00–21:00" in html
    assert page.context["agenda"].days[0].is_today


def test_the_visit_pages_are_made_for_a_phone(client, team_kitchen, agent, field_engineer):
    visit = today_visit(field_ticket(team_kitchen), field_engineer, agent)
    client.force_login(field_engineer)

    for url in (reverse("tickets:visits"), reverse("tickets:visit", args=[visit.pk])):
        html = client.get(url).content.decode()
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
        assert 'class="field-mobile' in html
        assert "<table" not in html  # one column of cards, nothing to scroll sideways


def test_the_visit_page_shows_the_address_the_problem_and_the_customer_history(
    client, team_kitchen, agent, field_engineer
):
    earlier = field_ticket(team_kitchen, phone="13912345678", description="去年冰箱不制冷")
    ticket = field_ticket(
        team_kitchen, phone="13912345678", description="空调出风口异响", symptom="异响"
    )
    visit = book(ticket, field_engineer, agent)
    client.force_login(field_engineer)

    page = client.get(reverse("tickets:visit", args=[visit.pk]))

    html = page.content.decode()
    assert ADDRESS in html
    assert "空调出风口异响" in html and "异响" in html
    assert earlier.number in html and "去年冰箱不制冷" in html
    assert ticket.customer.masked_phone in html and ticket.customer.phone not in html
    assert 'name="work_done"' in html and 'name="customer_confirmed"' in html


def test_the_reveal_on_the_visit_page_is_recorded_and_gives_a_call_link(
    client, team_kitchen, agent, field_engineer
):
    visit = book(field_ticket(team_kitchen), field_engineer, agent)
    client.force_login(field_engineer)

    response = client.post(
        reverse("tickets:visit_reveal", args=[visit.pk]), headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    phone = visit.ticket.customer.phone
    assert response.status_code == 200 and "<html" not in html
    assert f'href="tel:{phone}"' in html
    assert TicketEvent.objects.filter(
        ticket=visit.ticket, verb=TicketEvent.Verb.CUSTOMER_REVEALED, actor=field_engineer
    ).exists()


def test_the_address_is_hidden_from_who_may_not_see_it(
    client, team_kitchen, team_warehouse, agent, field_engineer, warehouse_clerk
):
    ticket = field_ticket(team_kitchen, status=S.WAITING_PARTS)
    visit = book(ticket, field_engineer, agent)
    # The warehouse sees the ticket through its parts request, but not the customer's home.
    SubTask.objects.create(
        ticket=ticket,
        kind=SubTask.Kind.PARTS,
        team=team_warehouse,
        request="风扇电机",
        requested_at=timezone.now(),
        due_at=timezone.now() + timedelta(days=1),
    )
    client.force_login(warehouse_clerk)

    ticket_page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    visit_page = client.get(reverse("tickets:visit", args=[visit.pk])).content.decode()

    assert "徐汇区" in ticket_page and ADDRESS not in ticket_page
    assert "徐汇区" in visit_page and ADDRESS not in visit_page
    client.force_login(agent)
    assert ADDRESS in client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()


def test_a_visit_of_a_ticket_one_may_not_see_is_not_found(
    client, team_kitchen, agent, field_engineer, agent_other_team
):
    visit = book(field_ticket(team_kitchen), field_engineer, agent)
    client.force_login(agent_other_team)

    assert client.get(reverse("tickets:visit", args=[visit.pk])).status_code == 404


# Recording the outcome


def test_the_engineer_records_the_visit_as_done_from_the_phone(
    client, team_kitchen, agent, field_engineer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    visit = book(field_ticket(team_kitchen, status=S.IN_PROGRESS), field_engineer, agent)
    client.force_login(field_engineer)

    response = client.post(
        reverse("tickets:visit_complete", args=[visit.pk]),
        {
            "work_done": "更换风扇电机，试机无异响",
            "parts_used": "风扇电机 ×1",
            "customer_confirmed": "on",
            "photos": [png("前.png"), png("后.png")],
        },
    )

    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == Visit.Status.DONE and visit.customer_confirmed
    assert Attachment.objects.filter(visit=visit, uploaded_by=field_engineer).count() == 2
    visit.ticket.refresh_from_db()
    assert visit.ticket.status == S.IN_PROGRESS  # the agent resolves


def test_a_bad_photo_names_the_field_and_stores_nothing(
    client, team_kitchen, agent, field_engineer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    visit = book(field_ticket(team_kitchen), field_engineer, agent)
    client.force_login(field_engineer)

    response = client.post(
        reverse("tickets:visit_complete", args=[visit.pk]),
        {
            "work_done": "更换电机",
            "customer_confirmed": "on",
            "photos": [png(), fake_photo("假图.jpg")],
        },
    )

    assert response.status_code == 400
    assert "假图.jpg" in str(response.context["complete_form"].errors["photos"])
    visit.refresh_from_db()
    assert visit.status == Visit.Status.SCHEDULED
    assert not Attachment.objects.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_done_without_the_customer_confirmation_is_a_field_error(
    client, team_kitchen, agent, field_engineer
):
    visit = book(field_ticket(team_kitchen), field_engineer, agent)
    client.force_login(field_engineer)

    response = client.post(
        reverse("tickets:visit_complete", args=[visit.pk]), {"work_done": "更换电机"}
    )

    assert response.status_code == 400
    assert "customer_confirmed" in response.context["complete_form"].errors
    visit.refresh_from_db()
    assert visit.status == Visit.Status.SCHEDULED


def test_another_engineer_cannot_complete_the_visit(client, team_kitchen, agent, field_engineer):
    visit = book(field_ticket(team_kitchen), field_engineer, agent)
    colleague = profile(UserFactory(username="colleague", role="engineer", teams=[team_kitchen]))
    client.force_login(colleague)

    done = client.post(
        reverse("tickets:visit_complete", args=[visit.pk]),
        {"work_done": "我来修", "customer_confirmed": "on"},
    )
    not_done = client.post(reverse("tickets:visit_not_done", args=[visit.pk]), {"reason": "x"})

    assert (done.status_code, not_done.status_code) == (403, 403)
    visit.refresh_from_db()
    assert visit.status == Visit.Status.SCHEDULED
    page = client.get(reverse("tickets:visit", args=[visit.pk])).content.decode()
    assert 'name="work_done"' not in page  # not offered either


def test_could_not_be_done_needs_a_reason_and_a_recorded_visit_takes_no_second_outcome(
    client, team_kitchen, agent, field_engineer
):
    visit = book(field_ticket(team_kitchen), field_engineer, agent)
    client.force_login(field_engineer)
    url = reverse("tickets:visit_not_done", args=[visit.pk])

    empty = client.post(url, {"reason": ""})
    recorded = client.post(url, {"reason": "客户不在家"})
    again = client.post(url, {"reason": "再来一次"})

    assert empty.status_code == 400 and "reason" in empty.context["not_done_form"].errors
    assert recorded.status_code == 302
    assert again.status_code == 409
    visit.refresh_from_db()
    assert (visit.status, visit.outcome_note) == (Visit.Status.NOT_DONE, "客户不在家")


# The ticket page's card


def test_the_ticket_page_schedules_a_visit_with_suggestions(
    client, team_kitchen, store_a, agent, field_engineer
):
    # A walk-in at a Shanghai store: the form starts in 上海 and suggests who serves it.
    ticket = field_ticket(team_kitchen, channel="store", store=store_a, confirmed_via="store")
    client.force_login(agent)

    page = client.get(reverse("tickets:detail", args=[ticket.number]))
    html = page.content.decode()
    assert reverse("tickets:visit_schedule", args=[ticket.number]) in html
    assert page.context["onsite"]["schedule_form"].initial["city"] == "上海"
    assert f'name="engineer" value="{field_engineer.pk}"' in html
    response = client.post(
        reverse("tickets:visit_schedule", args=[ticket.number]),
        form_of(client, ticket) | {"engineer": field_engineer.pk},
    )

    assert response.status_code == 302
    visit = Visit.objects.get(ticket=ticket)
    assert (visit.engineer, visit.address) == (field_engineer, ADDRESS)
    assert CustomerMessage.objects.filter(ticket=ticket, kind=MessageKind.APPOINTMENT).count() == 1
    after = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert reverse("tickets:visit_cancel", args=[ticket.number, visit.pk]) in after
    assert reverse("tickets:visit_reschedule", args=[ticket.number, visit.pk]) in after


def test_the_suggestions_fragment_follows_the_place(client, team_kitchen, agent, field_engineer):
    profile(field_engineer, areas=["上海/徐汇区"])
    ticket = field_ticket(team_kitchen)
    client.force_login(agent)
    url = reverse("tickets:visit_suggestions", args=[ticket.number])
    day, window = next_open_window(now=timezone.now())
    query = {"date": day.isoformat(), "window": window, "city": "上海"}

    xuhui = client.get(url, query | {"district": "徐汇区"}, headers={"HX-Request": "true"})
    jingan = client.get(url, query | {"district": "静安区"}, headers={"HX-Request": "true"})

    assert xuhui.status_code == 200 and "<html" not in xuhui.content.decode()
    assert f'value="{field_engineer.pk}"' in xuhui.content.decode()
    assert [row.engineer for row in jingan.context["suggestions"].rows] == []


def test_the_schedule_form_is_not_offered_before_contact_and_refused_if_posted(
    client, team_kitchen, agent, field_engineer
):
    ticket = field_ticket(team_kitchen, status=S.NEW)
    client.force_login(agent)
    day, window = next_open_window(now=timezone.now() + timedelta(days=1))

    page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    response = client.post(
        reverse("tickets:visit_schedule", args=[ticket.number]),
        {
            "date": day.isoformat(),
            "window": window,
            "city": "上海",
            "address": ADDRESS,
            "engineer": field_engineer.pk,
        },
    )

    assert reverse("tickets:visit_schedule", args=[ticket.number]) not in page
    assert response.status_code == 409
    assert not Visit.objects.exists()


def test_a_stale_schedule_form_is_409_with_the_current_page(
    client, team_kitchen, agent, field_engineer
):
    ticket = field_ticket(team_kitchen)
    client.force_login(agent)
    data = form_of(client, ticket) | {"engineer": field_engineer.pk}
    Ticket.objects.get(pk=ticket.pk).save(update_fields=["updated_at"])  # someone else acted

    response = client.post(reverse("tickets:visit_schedule", args=[ticket.number]), data)

    assert response.status_code == 409
    assert response.context["ticket"].updated_at != ticket.updated_at
    assert any("a moment ago" in str(m) or "刚" in str(m) for m in response.context["messages"])
    assert not Visit.objects.exists()


def test_bad_schedule_input_names_the_field(client, team_kitchen, agent, field_engineer):
    ticket = field_ticket(team_kitchen)
    client.force_login(agent)
    data = form_of(client, ticket) | {"engineer": field_engineer.pk, "address": ""}

    missing = client.post(reverse("tickets:visit_schedule", args=[ticket.number]), data)
    past = client.post(
        reverse("tickets:visit_schedule", args=[ticket.number]),
        data | {"address": ADDRESS, "date": "2020-01-01"},
    )

    assert missing.status_code == 400
    assert "address" in missing.context["onsite"]["schedule_form"].errors
    assert past.status_code == 400
    assert "date" in past.context["onsite"]["schedule_form"].errors
    assert not Visit.objects.exists()


def test_the_ticket_page_shows_the_visit_outcome_with_photo_thumbnails(
    client, team_kitchen, agent, field_engineer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    ticket = field_ticket(team_kitchen, status=S.IN_PROGRESS)
    visit = visit_complete(
        visit=book(ticket, field_engineer, agent),
        work_done="更换风扇电机，试机无异响",
        parts_used="风扇电机 ×1",
        customer_confirmed=True,
        photos=[png()],
        actor=field_engineer,
    )
    photo = visit.photos.get()
    client.force_login(agent)

    html = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()

    outcome = re.search(r'<div class="visit-outcome outcome-done".*?</div>', html, re.S)
    assert outcome is not None
    assert "更换风扇电机，试机无异响" in outcome.group() and "风扇电机 ×1" in outcome.group()
    assert f'<img src="{reverse("tickets:attachment", args=[ticket.number, photo.pk])}"' in html


def test_cancelling_from_the_ticket_page_needs_a_reason(
    client, team_kitchen, agent, field_engineer
):
    ticket = field_ticket(team_kitchen)
    visit = book(ticket, field_engineer, agent)
    client.force_login(agent)
    url = reverse("tickets:visit_cancel", args=[ticket.number, visit.pk])

    empty = client.post(url, {"reason": ""})
    done = client.post(url, {"reason": "客户已自行修好"})

    assert empty.status_code == 400 and "reason" in empty.context["onsite"]["cancel_form"].errors
    assert done.status_code == 302
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CANCELLED


# Mail-in on the ticket page


def test_the_mail_in_card_offers_only_the_next_step(client, team_kitchen, agent):
    ticket = field_ticket(team_kitchen)
    client.force_login(agent)

    started = client.post(
        reverse("tickets:mailin_start", args=[ticket.number]),
        {"return_address": "上海市徐汇区漕溪北路88号"},
    )
    mail_in = MailIn.objects.get(ticket=ticket)
    page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    url = reverse("tickets:mailin_advance", args=[ticket.number, mail_in.pk])
    skipped = client.post(url, {"to_status": "received"})
    untracked = client.post(url, {"to_status": "shipped", "tracking": ""})
    shipped = client.post(url, {"to_status": "shipped", "tracking": "SF1234567890"})

    assert started.status_code == 302
    assert page.count('name="to_status"') == 1 and 'value="shipped"' in page
    start_url = reverse("tickets:mailin_start", args=[ticket.number])
    assert f'action="{start_url}"' not in page  # one at a time
    assert skipped.status_code == 409
    assert untracked.status_code == 400
    assert "tracking" in untracked.context["onsite"]["advance_form"].errors
    assert shipped.status_code == 302
    mail_in.refresh_from_db()
    assert (mail_in.status, mail_in.inbound_tracking) == ("shipped", "SF1234567890")


def test_a_finished_mail_in_offers_no_step(client, team_kitchen, agent):
    ticket = field_ticket(team_kitchen)
    mail_in = mailin_start(ticket=ticket, return_address="上海市某路1号", actor=agent)
    MailIn.objects.filter(pk=mail_in.pk).update(status=MailIn.Status.RETURNED)
    client.force_login(agent)

    page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()

    assert 'name="to_status"' not in page
    start_url = reverse("tickets:mailin_start", args=[ticket.number])
    assert f'action="{start_url}"' in page  # a new one may start


def test_who_may_not_work_tickets_sees_the_card_without_actions(
    client, team_kitchen, agent, field_engineer, manager
):
    ticket = field_ticket(team_kitchen)
    book(ticket, field_engineer, agent)
    readonly = UserFactory(username="pm2", role="product_manager")
    Ticket.objects.filter(pk=ticket.pk).update(category=Ticket.Category.SUGGESTION)
    client.force_login(readonly)

    html = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()

    assert 'id="onsite"' in html
    assert "visit_cancel" not in html and "/visits/schedule/" not in html
    assert "/cancel/" not in html and "/mail-in/" not in html
    assert ADDRESS not in html


@pytest.mark.parametrize(
    "query",
    [
        {"date": "9999-12-31", "window": "morning", "city": "上海"},
        {"date": "0001-01-01", "window": "morning", "city": "上海"},
        {"date": "2025-02-30", "window": "noon", "city": ""},
        {"moving": "99999999999999999999", "engineer": "abc"},
        {"moving": "١٢", "engineer": "-1"},
    ],
)
def test_odd_suggestion_queries_get_an_empty_list_not_an_error(
    client, team_kitchen, agent, field_engineer, query
):
    ticket = field_ticket(team_kitchen)
    client.force_login(agent)

    response = client.get(reverse("tickets:visit_suggestions", args=[ticket.number]), query)

    assert response.status_code == 200
    assert response.context["suggestions"] is None


@pytest.mark.parametrize("picked", ["99999999999999999999", "abc", ""])
def test_an_unknown_engineer_is_a_field_error(client, team_kitchen, agent, field_engineer, picked):
    ticket = field_ticket(team_kitchen)
    client.force_login(agent)

    response = client.post(
        reverse("tickets:visit_schedule", args=[ticket.number]),
        form_of(client, ticket) | {"engineer": picked},
    )

    assert response.status_code == 400
    assert "engineer" in response.context["onsite"]["schedule_form"].errors
    assert not Visit.objects.exists()


def test_suggestions_are_for_who_may_schedule(client, team_kitchen, agent, warehouse_clerk):
    ticket = field_ticket(team_kitchen)
    SubTask.objects.create(
        ticket=ticket,
        kind=SubTask.Kind.PARTS,
        team=warehouse_clerk.teams.get(),
        request="风扇电机",
        requested_at=timezone.now(),
        due_at=timezone.now() + timedelta(days=1),
    )
    client.force_login(warehouse_clerk)

    response = client.get(reverse("tickets:visit_suggestions", args=[ticket.number]))

    assert response.status_code == 403


def test_the_engineer_list_takes_the_same_queries_for_more_visits(
    client, team_kitchen, agent, field_engineer
):
    client.force_login(field_engineer)
    today_visit(field_ticket(team_kitchen), field_engineer, agent)
    client.get(reverse("tickets:visits"))  # warm the session and permission caches
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("tickets:visits"))
    for days in range(1, 5):
        book(
            field_ticket(team_kitchen),
            field_engineer,
            agent,
            date=timezone.localdate() + timedelta(days=days),
        )
    with CaptureQueriesContext(connection) as five:
        page = client.get(reverse("tickets:visits"))

    assert sum(len(day.visits) for day in page.context["agenda"].days) == 5
    assert len(five) == len(one)
