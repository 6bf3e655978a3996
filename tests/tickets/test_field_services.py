"""On-site visits and mail-in repair: suggestions, scheduling rules, outcomes, the parcel's way."""

from __future__ import annotations

import io
import threading
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from PIL import Image

from feedback.models import CustomerMessage, MessageKind
from tests.tickets.factories import ProductFactory, TicketFactory, UserFactory
from tickets.errors import PermissionDeniedError, StaleTicket
from tickets.models import (
    Attachment,
    EngineerProfile,
    MailIn,
    ProductCategory,
    Ticket,
    TicketEvent,
    Visit,
)
from tickets.selectors.field import engineer_agenda, engineer_suggestions
from tickets.services.field import (
    FieldInputError,
    WrongState,
    mailin_advance,
    mailin_cancel,
    mailin_start,
    visit_cancel,
    visit_complete,
    visit_not_done,
    visit_reschedule,
    visit_schedule,
)

S = Ticket.Status
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 11, 20, 10, 0, tzinfo=SH)
TOMORROW = date(2025, 11, 21)
AIRCON = ProductCategory.AIR_CONDITIONER
MORNING, AFTERNOON, EVENING = Visit.Window.MORNING, Visit.Window.AFTERNOON, Visit.Window.EVENING


def field_ticket(team=None, *, status=S.CONTACTED, product_model="KFR-35GW", **kwargs) -> Ticket:
    """A ticket about a known air conditioner, moved straight to `status`."""
    ProductFactory(model_code="KFR-35GW", name="1.5匹挂机", category=AIRCON)
    ticket = TicketFactory(
        team=team, product_model=product_model, now=NOW - timedelta(hours=3), **kwargs
    )
    Ticket.objects.filter(pk=ticket.pk).update(status=status)
    ticket.refresh_from_db()
    return ticket


def profile(user, *, skills=(AIRCON,), areas=("上海",), capacity=4, active=True):
    EngineerProfile.objects.update_or_create(
        user=user,
        defaults={
            "skills": list(skills),
            "areas": list(areas),
            "daily_capacity": capacity,
            "is_active": active,
        },
    )
    return user


def schedule(ticket, engineer, actor, **overrides) -> Visit:
    values = {
        "date": TOMORROW,
        "window": MORNING,
        "city": "上海",
        "district": "徐汇区",
        "address": "漕溪北路88号3单元502",
        "now": NOW,
    }
    return visit_schedule(ticket=ticket, engineer=engineer, actor=actor, **(values | overrides))


def png(name="现场.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def fake_photo(name="病毒.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"MZ\x90\x00 not an image", content_type="image/jpeg")


def engineer_named(username, display_name, **profile_kwargs):
    return profile(
        UserFactory(username=username, display_name=display_name, role="engineer"),
        **profile_kwargs,
    )


# Suggestions


def test_suggestions_keep_engineers_who_repair_the_product(db, team_kitchen):
    ticket = field_ticket(team_kitchen)
    aircon = engineer_named("ac", "空调王", skills=[AIRCON])
    engineer_named("rice", "饭煲李", skills=[ProductCategory.RICE_COOKER])

    found = engineer_suggestions(ticket=ticket, day=TOMORROW, window=MORNING, city="上海")

    assert found.by_skill and found.category == AIRCON
    assert [row.engineer for row in found.rows] == [aircon]


def test_an_unknown_product_does_not_filter_by_skill(db, team_kitchen):
    ticket = field_ticket(team_kitchen, product_model="老款不知道型号")
    engineer_named("ac", "空调王", skills=[AIRCON])
    engineer_named("rice", "饭煲李", skills=[ProductCategory.RICE_COOKER])

    found = engineer_suggestions(ticket=ticket, day=TOMORROW, window=MORNING, city="上海")

    assert ticket.product is None and not found.by_skill
    assert {row.engineer.username for row in found.rows} == {"ac", "rice"}


def test_a_city_area_covers_every_district_and_a_district_area_only_its_own(db, team_kitchen):
    ticket = field_ticket(team_kitchen)
    engineer_named("city", "全市", areas=["上海"])
    engineer_named("xuhui", "徐汇", areas=["上海/徐汇区"])
    engineer_named("pudong", "浦东", areas=["上海/浦东新区"])
    engineer_named("beijing", "北京", areas=["北京"])

    def names(district):
        rows = engineer_suggestions(
            ticket=ticket, day=TOMORROW, window=MORNING, city="上海", district=district
        ).rows
        return [row.engineer.username for row in rows]

    assert names("徐汇区") == ["xuhui", "city"]  # the exact district first
    assert names("静安区") == ["city"]
    assert names("") == ["city"]


def test_suggestions_show_the_day_load_against_capacity_and_whether_the_window_is_free(
    db, team_kitchen, agent
):
    busy = engineer_named("busy", "忙", capacity=2)
    free = engineer_named("free", "闲", capacity=2)
    for window in (MORNING, AFTERNOON):
        schedule(field_ticket(team_kitchen), busy, agent, window=window)
    cancelled = schedule(field_ticket(team_kitchen), free, agent, window=MORNING)
    visit_cancel(visit=cancelled, reason="客户改期", actor=agent, now=NOW)
    schedule(field_ticket(team_kitchen), free, agent, window=AFTERNOON)
    # Another day does not count.
    schedule(field_ticket(team_kitchen), free, agent, date=TOMORROW + timedelta(days=1))

    rows = {
        row.engineer.username: row
        for row in engineer_suggestions(
            ticket=field_ticket(team_kitchen), day=TOMORROW, window=MORNING, city="上海"
        ).rows
    }

    assert (rows["busy"].load, rows["busy"].capacity, rows["busy"].full) == (2, 2, True)
    assert not rows["busy"].window_free and not rows["busy"].available
    assert (rows["free"].load, rows["free"].full) == (1, False)
    assert rows["free"].window_free and rows["free"].available  # the cancelled one is free again


def test_suggestions_rank_the_exact_district_first_then_the_lightest_day(db, team_kitchen, agent):
    city_light = engineer_named("city_light", "甲", areas=["上海"])
    city_busy = engineer_named("city_busy", "乙", areas=["上海"])
    district_busy = engineer_named("district_busy", "丙", areas=["上海/徐汇区"])
    for engineer, count in ((city_busy, 2), (district_busy, 3)):
        for window in (MORNING, AFTERNOON, EVENING)[:count]:
            schedule(field_ticket(team_kitchen), engineer, agent, window=window)

    rows = engineer_suggestions(
        ticket=field_ticket(team_kitchen),
        day=TOMORROW,
        window=MORNING,
        city="上海",
        district="徐汇区",
    ).rows

    assert [row.engineer for row in rows] == [district_busy, city_light, city_busy]
    assert [row.load for row in rows] == [3, 0, 2]
    assert rows[0].district_match and not rows[1].district_match


def test_suggestions_take_one_query(db, team_kitchen, django_assert_num_queries):
    ticket = field_ticket(team_kitchen)
    for n in range(5):
        engineer_named(f"e{n}", f"工程师{n}")
    ticket = Ticket.objects.select_related("product").get(pk=ticket.pk)

    with django_assert_num_queries(1):
        rows = engineer_suggestions(ticket=ticket, day=TOMORROW, window=MORNING, city="上海").rows
        assert [row.engineer.display_name for row in rows]  # users come joined


def test_inactive_engineers_are_not_suggested(db, team_kitchen):
    engineer_named("off", "休假", active=False)

    found = engineer_suggestions(
        ticket=field_ticket(team_kitchen), day=TOMORROW, window=MORNING, city="上海"
    )

    assert found.rows == []


# Scheduling


def test_scheduling_books_the_window_in_shanghai_time_and_tells_the_customer_once(
    db, team_kitchen, agent
):
    ticket = field_ticket(team_kitchen)
    engineer = engineer_named("li", "李强")

    visit = schedule(ticket, engineer, agent)

    assert visit.starts_at == datetime(2025, 11, 21, 9, 0, tzinfo=SH)
    assert visit.ends_at == datetime(2025, 11, 21, 12, 0, tzinfo=SH)
    assert (visit.status, visit.scheduled_by, visit.scheduled_at) == ("scheduled", agent, NOW)
    message = CustomerMessage.objects.get(ticket=ticket, kind=MessageKind.APPOINTMENT)
    assert message.slot == str(visit.pk)
    assert "11月21日 09:00–12:00" in message.body and "李强" in message.body
    event = TicketEvent.objects.get(ticket=ticket, verb=TicketEvent.Verb.VISIT)
    assert event.payload["action"] == "scheduled" and event.payload["visit"] == visit.pk
    ticket.refresh_from_db()
    assert ticket.status == S.CONTACTED  # scheduling does not move the ticket


def test_the_customer_is_never_told_the_engineer_login_name(db, team_kitchen, agent):
    ticket = field_ticket(team_kitchen)
    nameless = profile(UserFactory(username="eng_login_42", role="engineer"))

    schedule(ticket, nameless, agent)

    body = CustomerMessage.objects.get(ticket=ticket, kind=MessageKind.APPOINTMENT).body
    assert "eng_login_42" not in body and "11月21日" in body


@pytest.mark.parametrize(
    "status", [S.CONTACTED, S.IN_PROGRESS, S.WAITING_PARTS, S.WAITING_TECHNICAL, S.REOPENED]
)
def test_a_visit_can_be_scheduled_while_the_ticket_is_worked_on(db, team_kitchen, agent, status):
    ticket = field_ticket(team_kitchen, status=status)

    assert schedule(ticket, engineer_named("li", "李强"), agent).pk


@pytest.mark.parametrize(
    "status", [S.NEW, S.WAITING_CUSTOMER, S.RESOLVED, S.CLOSED], ids=lambda s: str(s)
)
def test_no_visit_before_contact_or_after_resolution(db, team_kitchen, agent, status):
    ticket = field_ticket(team_kitchen, status=status)

    with pytest.raises(WrongState):
        schedule(ticket, engineer_named("li", "李强"), agent)

    assert not Visit.objects.exists()
    assert not CustomerMessage.objects.filter(kind=MessageKind.APPOINTMENT).exists()


def test_a_window_that_has_begun_is_refused_in_local_time(db, team_kitchen, agent):
    ticket = field_ticket(team_kitchen)
    engineer = engineer_named("li", "李强")
    today = NOW.date()  # 10:00 in Shanghai: the morning window began at 09:00

    with pytest.raises(FieldInputError) as refused:
        schedule(ticket, engineer, agent, date=today, window=MORNING)
    visit = schedule(ticket, engineer, agent, date=today, window=AFTERNOON)

    assert refused.value.field == "window"
    assert visit.window == AFTERNOON


def test_the_same_engineer_cannot_be_booked_twice_in_one_window(db, team_kitchen, agent):
    engineer = engineer_named("li", "李强")
    schedule(field_ticket(team_kitchen), engineer, agent, window=MORNING)

    with pytest.raises(FieldInputError) as refused:
        schedule(field_ticket(team_kitchen), engineer, agent, window=MORNING)

    assert refused.value.field == "engineer"
    assert Visit.objects.filter(engineer=engineer).count() == 1


def test_a_fully_booked_day_is_refused(db, team_kitchen, agent):
    engineer = engineer_named("li", "李强", capacity=1)
    schedule(field_ticket(team_kitchen), engineer, agent, window=MORNING)

    with pytest.raises(FieldInputError) as refused:
        schedule(field_ticket(team_kitchen), engineer, agent, window=EVENING)

    assert refused.value.field == "engineer"
    assert Visit.objects.filter(engineer=engineer).count() == 1


def test_a_stale_form_cannot_schedule(db, team_kitchen, agent):
    ticket = field_ticket(team_kitchen)
    seen = ticket.updated_at
    Ticket.objects.get(pk=ticket.pk).save(update_fields=["updated_at"])  # someone else's change

    with pytest.raises(StaleTicket):
        schedule(ticket, engineer_named("li", "李强"), agent, seen_updated_at=seen)

    assert not Visit.objects.exists()


def test_scheduling_makes_earlier_forms_of_the_ticket_stale(db, team_kitchen, agent):
    ticket = field_ticket(team_kitchen)
    seen = ticket.updated_at

    schedule(ticket, engineer_named("li", "李强"), agent, seen_updated_at=seen)

    ticket.refresh_from_db()
    assert ticket.updated_at != seen


def test_only_an_active_engineer_profile_can_be_booked(db, team_kitchen, agent):
    ticket = field_ticket(team_kitchen)
    resting = engineer_named("rest", "休假", active=False)
    no_profile = UserFactory(username="plain", role="engineer")

    for engineer in (resting, no_profile):
        with pytest.raises(FieldInputError) as refused:
            schedule(ticket, engineer, agent)
        assert refused.value.field == "engineer"


def test_who_may_not_work_tickets_may_not_schedule(db, team_kitchen, product_manager):
    with pytest.raises(PermissionDeniedError):
        schedule(field_ticket(team_kitchen), engineer_named("li", "李强"), product_manager)


def test_a_ticket_has_one_scheduled_visit_at_a_time(db, team_kitchen, agent):
    ticket = field_ticket(team_kitchen)
    schedule(ticket, engineer_named("li", "李强"), agent)

    with pytest.raises(WrongState):
        schedule(ticket, engineer_named("wang", "王磊"), agent, window=AFTERNOON)


def test_rescheduling_cancels_the_visit_and_tells_the_customer_the_new_time(
    db, team_kitchen, agent
):
    ticket = field_ticket(team_kitchen)
    first = schedule(ticket, engineer_named("li", "李强"), agent)
    other = engineer_named("wang", "王磊")

    moved = visit_reschedule(
        visit=first,
        engineer=other,
        date=TOMORROW + timedelta(days=1),
        window=EVENING,
        city="上海",
        district="徐汇区",
        address="漕溪北路88号3单元502",
        reason="客户明天不在家",
        actor=agent,
        now=NOW,
    )

    first.refresh_from_db()
    assert first.status == Visit.Status.CANCELLED and first.outcome_note == "客户明天不在家"
    assert (moved.engineer, moved.status, moved.window) == (other, "scheduled", EVENING)
    bodies = list(
        CustomerMessage.objects.filter(ticket=ticket, kind=MessageKind.APPOINTMENT)
        .order_by("pk")
        .values_list("body", flat=True)
    )
    assert len(bodies) == 2 and "11月22日 18:00–21:00" in bodies[1] and "王磊" in bodies[1]


def test_a_failed_reschedule_keeps_the_visit_booked(db, team_kitchen, agent):
    ticket = field_ticket(team_kitchen)
    first = schedule(ticket, engineer_named("li", "李强"), agent)

    with pytest.raises(FieldInputError):
        visit_reschedule(
            visit=first,
            engineer=first.engineer,
            date=NOW.date(),
            window=MORNING,  # already begun
            city="上海",
            district="",
            address="漕溪北路88号",
            reason="改期",
            actor=agent,
            now=NOW,
        )

    first.refresh_from_db()
    assert first.status == Visit.Status.SCHEDULED


def test_cancelling_needs_a_reason_and_frees_the_window(db, team_kitchen, agent):
    engineer = engineer_named("li", "李强")
    visit = schedule(field_ticket(team_kitchen), engineer, agent)

    with pytest.raises(FieldInputError) as refused:
        visit_cancel(visit=visit, reason="  ", actor=agent, now=NOW)
    visit_cancel(visit=visit, reason="客户已自行修好", actor=agent, now=NOW)
    again = schedule(field_ticket(team_kitchen), engineer, agent)

    assert refused.value.field == "reason"
    assert again.window == visit.window
    with pytest.raises(WrongState):
        visit_cancel(visit=visit, reason="再取消一次", actor=agent, now=NOW)


def _someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("role_groups_after_flush")
def test_a_second_agent_booking_the_same_window_meanwhile_waits_and_is_refused():
    first_agent, second_agent = (UserFactory(username=f"a{n}", role="agent") for n in range(2))
    engineer = engineer_named("li", "李强")
    first_ticket, second_ticket = field_ticket(), field_ticket()
    outcome = []

    def book_too():
        try:
            schedule(second_ticket, engineer, second_agent)
            outcome.append("booked")
        except FieldInputError as exc:
            outcome.append(exc.field)
        finally:
            connection.close()

    second = threading.Thread(target=book_too)
    with transaction.atomic():
        schedule(first_ticket, engineer, first_agent)  # not committed yet
        second.start()
        # The second booking must queue behind the first (the engineer's lock), not read
        # around its uncommitted visit; bounded wait, no fixed sleep.
        deadline = time.monotonic() + 10
        while second.is_alive() and not _someone_waits_for_a_lock():
            assert time.monotonic() < deadline
            time.sleep(0.01)
    second.join()

    assert outcome == ["engineer"]
    assert Visit.objects.filter(engineer=engineer, window=MORNING).count() == 1


# Outcomes


@pytest.fixture
def booked(team_kitchen, agent, engineer):
    profile(engineer)
    return schedule(field_ticket(team_kitchen, status=S.IN_PROGRESS), engineer, agent)


def test_the_engineer_records_the_work_with_photos_and_the_ticket_waits_for_the_agent(
    booked, engineer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    later = NOW + timedelta(days=1)

    visit = visit_complete(
        visit=booked,
        work_done="更换风扇电机，试机30分钟无异响",
        parts_used="风扇电机 ×1",
        customer_confirmed=True,
        photos=[png("前.png"), png("后.png")],
        actor=engineer,
        now=later,
    )

    assert (visit.status, visit.completed_at, visit.customer_confirmed) == ("done", later, True)
    photos = list(Attachment.objects.filter(visit=visit))
    assert len(photos) == 2
    assert {p.uploaded_by for p in photos} == {engineer}
    assert {p.ticket_id for p in photos} == {booked.ticket_id}
    assert all(p.content_type == "image/png" and p.file.name.endswith(".png") for p in photos)
    event = TicketEvent.objects.filter(verb=TicketEvent.Verb.VISIT).latest("pk")
    assert event.payload["action"] == "done" and len(event.payload["photos"]) == 2
    booked.ticket.refresh_from_db()
    assert booked.ticket.status == S.IN_PROGRESS


@pytest.mark.parametrize(
    ("work_done", "confirmed", "field"),
    [("", True, "work_done"), ("  ", True, "work_done"), ("换电机", False, "customer_confirmed")],
)
def test_done_needs_the_work_and_the_customer_confirmation(
    booked, engineer, work_done, confirmed, field
):
    with pytest.raises(FieldInputError) as refused:
        visit_complete(
            visit=booked,
            work_done=work_done,
            parts_used="",
            customer_confirmed=confirmed,
            photos=[],
            actor=engineer,
            now=NOW,
        )

    assert refused.value.field == field
    booked.refresh_from_db()
    assert booked.status == Visit.Status.SCHEDULED


def test_one_bad_photo_stores_nothing(booked, engineer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    with pytest.raises(FieldInputError) as refused:
        visit_complete(
            visit=booked,
            work_done="更换电机",
            parts_used="",
            customer_confirmed=True,
            photos=[png(), fake_photo()],
            actor=engineer,
            now=NOW,
        )

    assert refused.value.field == "photos" and "病毒.jpg" in str(refused.value)
    booked.refresh_from_db()
    assert booked.status == Visit.Status.SCHEDULED and booked.work_done == ""
    assert not Attachment.objects.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_pdf_is_not_a_visit_photo(booked, engineer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pdf = SimpleUploadedFile("单据.pdf", b"%PDF-1.4 receipt", content_type="application/pdf")

    with pytest.raises(FieldInputError, match=r"单据\.pdf"):
        visit_complete(
            visit=booked,
            work_done="更换电机",
            parts_used="",
            customer_confirmed=True,
            photos=[pdf],
            actor=engineer,
            now=NOW,
        )


def test_at_most_six_photos(booked, engineer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    with pytest.raises(FieldInputError) as refused:
        visit_complete(
            visit=booked,
            work_done="更换电机",
            parts_used="",
            customer_confirmed=True,
            photos=[png(f"{n}.png") for n in range(7)],
            actor=engineer,
            now=NOW,
        )

    assert refused.value.field == "photos"
    assert not Attachment.objects.exists()


def test_another_engineer_cannot_record_the_outcome_but_a_lead_can(booked, team_kitchen, team_lead):
    colleague = profile(UserFactory(username="colleague", role="engineer", teams=[team_kitchen]))

    with pytest.raises(PermissionDeniedError):
        visit_not_done(visit=booked, reason="客户不在家", actor=colleague, now=NOW)
    visit = visit_not_done(visit=booked, reason="客户不在家", actor=team_lead, now=NOW)

    assert visit.status == Visit.Status.NOT_DONE and visit.outcome_note == "客户不在家"


def test_only_a_scheduled_visit_takes_an_outcome(booked, engineer, agent):
    visit_not_done(visit=booked, reason="客户不在家", actor=engineer, now=NOW)

    with pytest.raises(WrongState):
        visit_complete(
            visit=booked,
            work_done="又去了一次",
            parts_used="",
            customer_confirmed=True,
            photos=[],
            actor=engineer,
            now=NOW,
        )
    with pytest.raises(WrongState):
        visit_cancel(visit=booked, reason="取消", actor=agent, now=NOW)


def test_not_done_needs_a_reason(booked, engineer):
    with pytest.raises(FieldInputError) as refused:
        visit_not_done(visit=booked, reason="", actor=engineer, now=NOW)

    assert refused.value.field == "reason"


# The engineer's days


def test_the_engineer_day_is_the_shanghai_day_not_the_utc_one(db, team_kitchen, agent):
    me = engineer_named("me", "我")
    someone = engineer_named("other", "别人")
    booked_at = datetime(2025, 11, 19, 12, tzinfo=SH)
    # 23:30 UTC on the 20th is 07:30 on the 21st in Shanghai: "today" is the 21st.
    now = datetime(2025, 11, 20, 23, 30, tzinfo=ZoneInfo("UTC"))
    utc_day = schedule(
        field_ticket(team_kitchen), me, agent, date=date(2025, 11, 20), now=booked_at
    )
    visit_complete(
        visit=utc_day,
        work_done="已修好",
        parts_used="",
        customer_confirmed=True,
        photos=[],
        actor=me,
        now=booked_at,
    )
    mine = schedule(field_ticket(team_kitchen), me, agent, window=AFTERNOON, now=booked_at)
    schedule(field_ticket(team_kitchen), someone, agent, now=booked_at)
    later = schedule(field_ticket(team_kitchen), me, agent, date=date(2025, 11, 23), now=booked_at)

    agenda = engineer_agenda(user=me, now=now)

    assert agenda.today == date(2025, 11, 21)
    assert agenda.days[0].is_today and agenda.days[0].visits == [mine]
    assert [day.visits for day in agenda.days[1:]] == [[later]]
    assert agenda.overdue == []


def test_an_earlier_visit_without_an_outcome_stays_on_the_list(db, team_kitchen, agent):
    me = engineer_named("me", "我")
    forgotten = schedule(field_ticket(team_kitchen), me, agent)

    agenda = engineer_agenda(user=me, now=NOW + timedelta(days=3))

    assert agenda.overdue == [forgotten] and agenda.days == []


# Mail-in repair


def test_a_mail_in_repair_goes_its_way_in_order_with_tracking_numbers(db, team_kitchen, agent):
    ticket = field_ticket(team_kitchen, status=S.IN_PROGRESS)
    mail_in = mailin_start(
        ticket=ticket, return_address="上海市徐汇区漕溪北路88号", actor=agent, now=NOW
    )
    steps = [
        (MailIn.Status.SHIPPED, "SF1234567890"),
        (MailIn.Status.RECEIVED, ""),
        (MailIn.Status.REPAIRED, ""),
        (MailIn.Status.RETURNED, "YT9876543210"),
    ]

    for hours, (to_status, tracking) in enumerate(steps, start=1):
        mail_in = mailin_advance(
            mail_in=mail_in,
            to_status=to_status,
            tracking=tracking,
            actor=agent,
            now=NOW + timedelta(hours=hours),
        )

    assert mail_in.status == MailIn.Status.RETURNED
    assert (mail_in.inbound_tracking, mail_in.outbound_tracking) == ("SF1234567890", "YT9876543210")
    assert [mail_in.shipped_at, mail_in.received_at, mail_in.repaired_at, mail_in.returned_at] == [
        NOW + timedelta(hours=h) for h in range(1, 5)
    ]
    events = TicketEvent.objects.filter(ticket=ticket, verb=TicketEvent.Verb.MAIL_IN)
    assert [e.payload["to_status"] for e in events.order_by("at", "pk")] == [
        "awaiting",
        "shipped",
        "received",
        "repaired",
        "returned",
    ]


def test_a_mail_in_step_cannot_be_skipped(db, team_kitchen, agent):
    mail_in = mailin_start(
        ticket=field_ticket(team_kitchen), return_address="上海市某路1号", actor=agent, now=NOW
    )

    for to_status in (MailIn.Status.RECEIVED, MailIn.Status.RETURNED, "lost"):
        with pytest.raises(WrongState):
            mailin_advance(mail_in=mail_in, to_status=to_status, actor=agent, now=NOW)

    mail_in.refresh_from_db()
    assert mail_in.status == MailIn.Status.AWAITING and mail_in.received_at is None


def test_shipping_and_returning_need_tracking_numbers(db, team_kitchen, agent):
    mail_in = mailin_start(
        ticket=field_ticket(team_kitchen), return_address="上海市某路1号", actor=agent, now=NOW
    )

    with pytest.raises(FieldInputError) as no_inbound:
        mailin_advance(mail_in=mail_in, to_status="shipped", tracking=" ", actor=agent, now=NOW)
    for to_status in ("shipped", "received", "repaired"):
        mail_in = mailin_advance(
            mail_in=mail_in, to_status=to_status, tracking="SF1", actor=agent, now=NOW
        )
    with pytest.raises(FieldInputError) as no_outbound:
        mailin_advance(mail_in=mail_in, to_status="returned", actor=agent, now=NOW)

    assert no_inbound.value.field == no_outbound.value.field == "tracking"
    mail_in.refresh_from_db()
    assert mail_in.status == "repaired" and mail_in.outbound_tracking == ""


def test_repeating_the_step_just_taken_is_a_no_op(db, team_kitchen, agent):
    mail_in = mailin_start(
        ticket=field_ticket(team_kitchen), return_address="上海市某路1号", actor=agent, now=NOW
    )
    mailin_advance(mail_in=mail_in, to_status="shipped", tracking="SF1", actor=agent, now=NOW)

    again = mailin_advance(
        mail_in=mail_in, to_status="shipped", tracking="SF2", actor=agent, now=NOW
    )

    assert again.inbound_tracking == "SF1"
    assert TicketEvent.objects.filter(verb=TicketEvent.Verb.MAIL_IN).count() == 2


def test_one_active_mail_in_per_ticket_until_it_is_cancelled(db, team_kitchen, agent):
    ticket = field_ticket(team_kitchen)
    first = mailin_start(ticket=ticket, return_address="上海市某路1号", actor=agent, now=NOW)

    with pytest.raises(WrongState):
        mailin_start(ticket=ticket, return_address="上海市某路2号", actor=agent, now=NOW)
    with pytest.raises(FieldInputError):
        mailin_cancel(mail_in=first, reason="", actor=agent, now=NOW)
    mailin_cancel(mail_in=first, reason="客户改为上门维修", actor=agent, now=NOW)
    second = mailin_start(ticket=ticket, return_address="上海市某路2号", actor=agent, now=NOW)

    assert second.status == MailIn.Status.AWAITING
    with pytest.raises(WrongState):
        mailin_advance(mail_in=first, to_status="shipped", tracking="SF1", actor=agent, now=NOW)


def test_no_mail_in_on_a_new_or_closed_ticket(db, team_kitchen, agent):
    for status in (S.NEW, S.CLOSED):
        with pytest.raises(WrongState):
            mailin_start(
                ticket=field_ticket(team_kitchen, status=status),
                return_address="上海市某路1号",
                actor=agent,
                now=NOW,
            )
    assert not MailIn.objects.exists()


def test_a_mail_in_needs_a_return_address_and_a_worker(db, team_kitchen, agent, product_manager):
    ticket = field_ticket(team_kitchen)

    with pytest.raises(FieldInputError) as refused:
        mailin_start(ticket=ticket, return_address=" ", actor=agent, now=NOW)
    with pytest.raises(PermissionDeniedError):
        mailin_start(ticket=ticket, return_address="上海市某路1号", actor=product_manager, now=NOW)

    assert refused.value.field == "return_address"


def test_a_visit_being_moved_does_not_count_against_its_engineer(db, team_kitchen, agent):
    engineer = engineer_named("li", "李强", capacity=1)
    visit = schedule(field_ticket(team_kitchen), engineer, agent)

    def row(moving):
        return engineer_suggestions(
            ticket=visit.ticket, day=TOMORROW, window=MORNING, city="上海", moving=moving
        ).rows[0]

    assert (row(None).load, row(None).window_free, row(None).available) == (1, False, False)
    assert (row(visit).load, row(visit).window_free, row(visit).available) == (0, True, True)


def test_a_visit_is_booked_at_most_ninety_days_ahead(db, team_kitchen, agent):
    engineer = engineer_named("li", "李强")

    with pytest.raises(FieldInputError) as refused:
        schedule(field_ticket(team_kitchen), engineer, agent, date=NOW.date() + timedelta(91))
    visit = schedule(field_ticket(team_kitchen), engineer, agent, date=NOW.date() + timedelta(90))

    assert refused.value.field == "date" and visit.pk
