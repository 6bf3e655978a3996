from datetime import timedelta

import pytest
from django.db import transaction

from feedback.models import CustomerMessage, MessageKind, MessageTemplate
from feedback.services import message_queue
from feedback.wording import WordingError
from tests.feedback.conftest import NOW
from tests.tickets.factories import UserFactory
from tickets.models import Ticket, TicketEvent

SLOT = "2026-11-22T16"


def _owned_by(ticket, name):
    owner = UserFactory(display_name=name)
    Ticket.objects.filter(pk=ticket.pk).update(owner=owner)
    ticket.refresh_from_db()
    return ticket


def test_queueing_twice_makes_one_message_one_event_and_one_task(
    quiet_ticket, django_capture_on_commit_callbacks
):
    ticket = quiet_ticket()
    with django_capture_on_commit_callbacks() as callbacks:
        first = message_queue(ticket=ticket, kind=MessageKind.PROGRESS, slot=SLOT, now=NOW)
        again = message_queue(ticket=ticket, kind=MessageKind.PROGRESS, slot=SLOT, now=NOW)

    assert again.pk == first.pk
    assert CustomerMessage.objects.filter(ticket=ticket).count() == 1
    events = TicketEvent.objects.filter(
        ticket=ticket, verb=TicketEvent.Verb.MESSAGE, payload__kind="progress"
    )
    assert [event.payload["message_id"] for event in events] == [first.pk]
    assert len(callbacks) == 1


def test_a_new_slot_is_a_new_message(quiet_ticket):
    ticket = quiet_ticket()
    message_queue(ticket=ticket, kind=MessageKind.PROGRESS, slot="2026-11-22T16", now=NOW)
    message_queue(ticket=ticket, kind=MessageKind.PROGRESS, slot="2026-11-22T20", now=NOW)
    assert CustomerMessage.objects.filter(ticket=ticket).count() == 2


def test_the_message_copies_the_phone_and_shows_on_the_timeline(quiet_ticket):
    ticket = quiet_ticket(phone="13912345678")
    message = message_queue(ticket=ticket, kind=MessageKind.SURVEY, now=NOW)

    assert message.phone == "+8613912345678"
    assert message.status == CustomerMessage.Status.QUEUED
    assert message.backend == "log"
    assert message.created_at == NOW
    # Leased to the task enqueued on commit; the sweeper takes over if that task is lost.
    assert message.next_attempt_at == NOW + timedelta(seconds=300)
    event = TicketEvent.objects.get(
        ticket=ticket, verb=TicketEvent.Verb.MESSAGE, payload__kind="survey"
    )
    assert event.payload == {
        "kind": "survey",
        "message_id": message.pk,
        "status": "queued",
        "note": message.body,
    }
    assert event.at == NOW and event.actor is None


def test_l1_acknowledgement_names_the_owner_and_promises_a_call_within_the_hour(quiet_ticket):
    ticket = _owned_by(quiet_ticket(tier=Ticket.Tier.L1), "王芳")
    message = message_queue(ticket=ticket, kind=MessageKind.ACKNOWLEDGEMENT, now=NOW)

    assert "您的问题已优先处理，售后专员王芳将在1小时内联系您" in message.body
    assert ticket.number in message.body
    assert message.template_key == "acknowledgement_urgent"
    assert message.params == {"owner_name": "王芳", "number": ticket.number}


def test_l1_acknowledgement_without_an_owner_never_shows_a_login_name(quiet_ticket):
    ticket = quiet_ticket(tier=Ticket.Tier.L1)
    message = message_queue(ticket=ticket, kind=MessageKind.ACKNOWLEDGEMENT, now=NOW)
    assert "您的问题已优先处理，售后专员将在1小时内联系您" in message.body


def test_other_acknowledgements_promise_the_first_contact_due_time_in_shanghai(quiet_ticket):
    ticket = quiet_ticket(tier=Ticket.Tier.L3)
    message = message_queue(ticket=ticket, kind=MessageKind.ACKNOWLEDGEMENT, now=NOW)

    # Received Sunday 16:00 Shanghai time; L3 gives one working day: Monday 09:00–18:00.
    assert ticket.first_contact_due_at == NOW + timedelta(hours=26)
    assert "售后专员将在11月23日 18:00前联系您" in message.body
    assert ticket.number in message.body
    assert message.template_key == "acknowledgement"


def test_context_datetimes_are_formatted_in_shanghai(quiet_ticket):
    ticket = quiet_ticket()
    visit = NOW + timedelta(days=1, hours=2)
    message = message_queue(
        ticket=ticket,
        kind=MessageKind.APPOINTMENT,
        slot="visit-1",
        context={"visit_at": visit, "engineer_name": "李工"},
        now=NOW,
    )
    assert "已预约11月23日 18:00上门服务，工程师李工届时与您联系" in message.body


def test_a_missing_placeholder_is_a_loud_error_and_queues_nothing(quiet_ticket):
    ticket = quiet_ticket()
    with pytest.raises(WordingError, match="visit_at"):
        message_queue(ticket=ticket, kind=MessageKind.APPOINTMENT, slot="visit-1", now=NOW)
    assert not CustomerMessage.objects.filter(ticket=ticket).exists()


def test_an_unknown_kind_is_refused(quiet_ticket):
    with pytest.raises(ValueError, match="unknown message kind"):
        message_queue(ticket=quiet_ticket(), kind="spam", now=NOW)


def test_an_edited_wording_is_used(quiet_ticket):
    MessageTemplate.objects.create(key="survey", body="您好，工单{number}已完成，请回复1-5评分。")
    ticket = quiet_ticket()
    message = message_queue(ticket=ticket, kind=MessageKind.SURVEY, now=NOW)
    assert message.body == f"您好，工单{ticket.number}已完成，请回复1-5评分。"


def test_an_edited_wording_with_an_unknown_placeholder_falls_back_to_the_default(quiet_ticket):
    MessageTemplate.objects.create(key="survey", body="您好，{customer_name}，请评分。")
    message = message_queue(ticket=quiet_ticket(), kind=MessageKind.SURVEY, now=NOW)
    assert "{customer_name}" not in message.body
    assert message.body.startswith("您好，感谢您对工单")


def test_a_rolled_back_transaction_leaves_no_message_and_sends_nothing(
    quiet_ticket, django_capture_on_commit_callbacks, eager_celery
):
    ticket = quiet_ticket()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        message_queue(ticket=ticket, kind=MessageKind.PROGRESS, slot=SLOT, now=NOW)
        raise RuntimeError("the ticket failed to register")

    assert callbacks == []
    assert not CustomerMessage.objects.filter(ticket=ticket).exists()
    assert not TicketEvent.objects.filter(ticket=ticket, payload__kind="progress").exists()


def test_the_commit_dispatches_it_and_the_log_backend_sends_it(
    quiet_ticket, django_capture_on_commit_callbacks, eager_celery, caplog
):
    ticket = quiet_ticket(phone="13912345678")
    with django_capture_on_commit_callbacks(execute=True), caplog.at_level("INFO"):
        message = message_queue(ticket=ticket, kind=MessageKind.PROGRESS, slot=SLOT)

    message.refresh_from_db()
    assert message.status == CustomerMessage.Status.SENT
    assert message.provider_message_id == f"log-{message.pk}"
    assert message.attempts == 1 and message.sent_at is not None
    logged = [record.getMessage() for record in caplog.records if record.name == "feedback.outbox"]
    assert len(logged) == 1
    assert "139****5678" in logged[0] and "13912345678" not in logged[0]
    assert message.body in logged[0]
