"""The ticket page's services: each action's rule, its permission, its stale version, its event."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from feedback.models import CustomerMessage, MessageKind
from tests.tickets.factories import TagFactory, TicketFactory, UserFactory
from tickets.errors import DomainError, IllegalTransition, PermissionDeniedError, StaleTicket
from tickets.models import MailIn, SubTask, Ticket, TicketEvent, TicketTag, Visit
from tickets.selectors import auto_tag_precision
from tickets.services import work as services

S = Ticket.Status
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def at(ticket: Ticket, status: str, **fields) -> Ticket:
    """Put a ticket in a status directly (the lifecycle itself is tested elsewhere)."""
    Ticket.objects.filter(pk=ticket.pk).update(status=status, **fields)
    ticket.refresh_from_db()
    return ticket


def stale(ticket: Ticket) -> datetime:
    return ticket.updated_at - timedelta(seconds=1)


def events(ticket: Ticket, verb: str):
    return TicketEvent.objects.filter(ticket=ticket, verb=verb)


# --- log a contact ---------------------------------------------------------------------


def test_reaching_the_customer_on_a_new_ticket_is_the_first_contact(agent, ticket):
    result = services.ticket_contact_log(
        ticket=ticket,
        outcome="reached",
        note="客户确认异响",
        actor=agent,
        now=NOW,
        seen_updated_at=ticket.updated_at,
    )

    assert (result.status, result.first_contacted_at) == (S.CONTACTED, NOW)
    call = events(ticket, TicketEvent.Verb.CALL).get()
    assert (call.actor, call.payload) == (agent, {"outcome": "reached", "note": "客户确认异响"})
    assert events(ticket, TicketEvent.Verb.TRANSITIONED).get().to_status == S.CONTACTED


@pytest.mark.parametrize("outcome", ["no_answer", "busy", "wrong_number", "call_back_later"])
def test_a_call_that_did_not_reach_the_customer_leaves_a_new_ticket_new(agent, ticket, outcome):
    result = services.ticket_contact_log(ticket=ticket, outcome=outcome, actor=agent, now=NOW)

    assert result.status == S.NEW and result.first_contacted_at is None
    assert events(ticket, TicketEvent.Verb.CALL).get().payload["outcome"] == outcome


def test_reaching_the_customer_later_only_logs_the_call(agent, ticket):
    ticket = at(ticket, S.IN_PROGRESS)

    result = services.ticket_contact_log(ticket=ticket, outcome="reached", actor=agent, now=NOW)

    assert result.status == S.IN_PROGRESS
    assert not events(ticket, TicketEvent.Verb.TRANSITIONED).exists()


def test_an_unknown_call_outcome_names_the_field_and_writes_nothing(agent, ticket):
    with pytest.raises(ValidationError) as caught:
        services.ticket_contact_log(ticket=ticket, outcome="maybe", actor=agent, now=NOW)

    assert "outcome" in caught.value.message_dict
    assert not events(ticket, TicketEvent.Verb.CALL).exists()


def test_a_contact_logged_on_a_stale_version_is_refused(agent, ticket):
    with pytest.raises(StaleTicket):
        services.ticket_contact_log(
            ticket=ticket, outcome="reached", actor=agent, now=NOW, seen_updated_at=stale(ticket)
        )

    ticket.refresh_from_db()
    assert ticket.status == S.NEW
    assert not events(ticket, TicketEvent.Verb.CALL).exists()


def test_no_contact_is_logged_on_a_closed_ticket(agent, ticket):
    ticket = at(ticket, S.CLOSED)
    with pytest.raises(DomainError):
        services.ticket_contact_log(ticket=ticket, outcome="reached", actor=agent, now=NOW)


def test_a_role_that_does_not_work_tickets_cannot_log_a_contact(product_manager, ticket):
    with pytest.raises(PermissionDeniedError):
        services.ticket_contact_log(
            ticket=ticket, outcome="reached", actor=product_manager, now=NOW
        )


# --- internal notes ------------------------------------------------------------------------


def test_an_internal_note_is_a_note_event_never_a_message(agent, ticket):
    note = services.ticket_note_add(
        ticket=ticket, text="  客户情绪激动，注意措辞 ", actor=agent, now=NOW
    )

    assert (note.verb, note.actor, note.at) == (TicketEvent.Verb.NOTE, agent, NOW)
    assert note.payload == {"note": "客户情绪激动，注意措辞", "internal": True}
    assert not CustomerMessage.objects.filter(ticket=ticket, kind=MessageKind.REPLY).exists()


def test_an_empty_note_names_the_field(agent, ticket):
    with pytest.raises(ValidationError) as caught:
        services.ticket_note_add(ticket=ticket, text="   ", actor=agent, now=NOW)
    assert "text" in caught.value.message_dict


def test_the_warehouse_may_note_but_a_product_manager_may_not(
    warehouse_clerk, product_manager, ticket
):
    services.ticket_note_add(ticket=ticket, text="配件已出库", actor=warehouse_clerk, now=NOW)
    with pytest.raises(PermissionDeniedError):
        services.ticket_note_add(ticket=ticket, text="看看", actor=product_manager, now=NOW)
    assert events(ticket, TicketEvent.Verb.NOTE).count() == 1


def test_a_note_on_a_stale_version_is_refused(agent, ticket):
    with pytest.raises(StaleTicket):
        services.ticket_note_add(
            ticket=ticket, text="备注", actor=agent, now=NOW, seen_updated_at=stale(ticket)
        )


# --- messages to the customer --------------------------------------------------------------


def test_a_message_goes_through_the_outbox_in_the_reply_wording_by_the_agent(agent, ticket):
    message = services.ticket_message_send(
        ticket=ticket, text="工程师明天上午上门。", slot="a" * 32, actor=agent, now=NOW
    )

    assert message.kind == MessageKind.REPLY
    assert message.body == f"您好，关于您的工单{ticket.number}：工程师明天上午上门。"
    event = events(ticket, TicketEvent.Verb.MESSAGE).get(payload__message_id=message.pk)
    assert event.actor == agent


def test_a_greeting_in_the_text_is_not_repeated_after_the_wordings_own(agent, ticket):
    message = services.ticket_message_send(
        ticket=ticket, text="您好，配件已到货。", slot="9" * 32, actor=agent, now=NOW
    )
    assert message.body == f"您好，关于您的工单{ticket.number}：配件已到货。"


def test_the_same_message_form_posted_twice_sends_once(agent, ticket):
    for _ in range(2):
        services.ticket_message_send(
            ticket=ticket, text="请回电", slot="b" * 32, actor=agent, now=NOW
        )

    assert CustomerMessage.objects.filter(ticket=ticket, kind=MessageKind.REPLY).count() == 1


def test_a_wechat_ticket_is_answered_in_its_conversation_not_by_this_message(agent, team_kitchen):
    ticket = TicketFactory(
        team=team_kitchen, channel=Ticket.Channel.WECHAT, confirmed_via="wechat_reply"
    )
    with pytest.raises(DomainError):
        services.ticket_message_send(
            ticket=ticket, text="请回电", slot="c" * 32, actor=agent, now=NOW
        )
    assert not CustomerMessage.objects.filter(ticket=ticket, kind=MessageKind.REPLY).exists()


@pytest.mark.parametrize("text", ["", "   ", "您好！", "长" * 301])
def test_a_message_must_be_written_and_fit_an_sms(agent, ticket, text):
    with pytest.raises(ValidationError) as caught:
        services.ticket_message_send(ticket=ticket, text=text, slot="d" * 32, actor=agent, now=NOW)
    assert "text" in caught.value.message_dict


def test_a_message_on_a_stale_version_is_refused_and_not_queued(agent, ticket):
    with pytest.raises(StaleTicket):
        services.ticket_message_send(
            ticket=ticket,
            text="请回电",
            slot="e" * 32,
            actor=agent,
            now=NOW,
            seen_updated_at=stale(ticket),
        )
    assert not CustomerMessage.objects.filter(ticket=ticket, kind=MessageKind.REPLY).exists()


# --- ownership -----------------------------------------------------------------------------


def test_an_agent_takes_an_unowned_ticket(agent, ticket):
    result = services.ticket_take(
        ticket=ticket, actor=agent, now=NOW, seen_updated_at=ticket.updated_at
    )

    assert result.owner == agent
    assert events(ticket, TicketEvent.Verb.ASSIGNED).get().payload["to_owner"] == agent.pk


def test_taking_a_ticket_someone_owns_is_refused(agent, engineer, ticket):
    ticket = at(ticket, S.NEW, owner=engineer)
    with pytest.raises(DomainError):
        services.ticket_take(ticket=ticket, actor=agent, now=NOW)
    ticket.refresh_from_db()
    assert ticket.owner == engineer


def test_taking_a_ticket_twice_is_a_no_op(agent, ticket):
    seen = ticket.updated_at
    services.ticket_take(ticket=ticket, actor=agent, now=NOW, seen_updated_at=seen)
    services.ticket_take(ticket=ticket, actor=agent, now=NOW, seen_updated_at=seen)
    assert events(ticket, TicketEvent.Verb.ASSIGNED).count() == 1


def test_taking_on_a_stale_version_is_refused(agent, ticket):
    with pytest.raises(StaleTicket):
        services.ticket_take(ticket=ticket, actor=agent, now=NOW, seen_updated_at=stale(ticket))


def test_a_lead_assigns_a_member_and_an_agent_may_not(team_lead, agent, engineer, ticket):
    with pytest.raises(PermissionDeniedError):
        services.ticket_owner_set(ticket=ticket, owner=engineer, actor=agent, now=NOW)

    result = services.ticket_owner_set(ticket=ticket, owner=engineer, actor=team_lead, now=NOW)

    assert result.owner == engineer
    assert events(ticket, TicketEvent.Verb.ASSIGNED).get().actor == team_lead


# --- status moves --------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.CONTACTED, S.REOPENED])
def test_work_starts_from_contacted_or_reopened(agent, ticket, status):
    ticket = at(ticket, status)
    result = services.ticket_work_start(
        ticket=ticket, actor=agent, now=NOW, seen_updated_at=ticket.updated_at
    )
    assert result.status == S.IN_PROGRESS


@pytest.mark.parametrize("status", [S.NEW, S.WAITING_PARTS, S.RESOLVED, S.CLOSED])
def test_work_cannot_start_from_other_statuses(agent, ticket, status):
    ticket = at(ticket, status)
    with pytest.raises(IllegalTransition):
        services.ticket_work_start(ticket=ticket, actor=agent, now=NOW)
    ticket.refresh_from_db()
    assert ticket.status == status


def test_starting_twice_is_a_no_op_not_a_conflict(agent, ticket):
    ticket = at(ticket, S.CONTACTED)
    seen = ticket.updated_at
    services.ticket_work_start(ticket=ticket, actor=agent, now=NOW, seen_updated_at=seen)
    services.ticket_work_start(ticket=ticket, actor=agent, now=NOW, seen_updated_at=seen)
    assert events(ticket, TicketEvent.Verb.TRANSITIONED).count() == 1


def test_starting_on_a_stale_version_is_refused(agent, ticket):
    ticket = at(ticket, S.CONTACTED)
    with pytest.raises(StaleTicket):
        services.ticket_work_start(
            ticket=ticket, actor=agent, now=NOW, seen_updated_at=stale(ticket)
        )


def test_on_hold_needs_a_reason_and_pauses_the_clocks(agent, ticket):
    ticket = at(ticket, S.IN_PROGRESS)
    with pytest.raises(ValidationError) as caught:
        services.ticket_hold(ticket=ticket, reason=" ", actor=agent, now=NOW)
    assert "reason" in caught.value.message_dict

    result = services.ticket_hold(ticket=ticket, reason="等客户提供发票", actor=agent, now=NOW)

    assert (result.status, result.paused_at) == (S.WAITING_CUSTOMER, NOW)
    move = events(ticket, TicketEvent.Verb.TRANSITIONED).get()
    assert move.payload["note"] == "等客户提供发票"


def test_on_hold_only_from_in_progress(agent, ticket):
    ticket = at(ticket, S.CONTACTED)
    with pytest.raises(IllegalTransition):
        services.ticket_hold(ticket=ticket, reason="等客户", actor=agent, now=NOW)


def test_resume_runs_the_clocks_again(agent, ticket):
    ticket = at(ticket, S.IN_PROGRESS)
    services.ticket_hold(ticket=ticket, reason="等照片", actor=agent, now=NOW)

    result = services.ticket_resume(
        ticket=ticket, note="照片已收到", actor=agent, now=NOW + timedelta(hours=2)
    )

    assert (result.status, result.paused_at) == (S.IN_PROGRESS, None)
    assert result.paused_seconds == 7200


def test_resume_only_from_waiting_for_the_customer(agent, ticket):
    ticket = at(ticket, S.WAITING_PARTS)
    with pytest.raises(IllegalTransition):
        services.ticket_resume(ticket=ticket, actor=agent, now=NOW)


def _resolve(ticket, actor, **overrides):
    fields = {
        "resolution_code": Ticket.Resolution.PART_REPLACED,
        "root_cause": Ticket.RootCause.COMPONENT,
        "resolution_note": "更换风扇电机",
        "warranty_note": "维修后3个月内同一问题免费上门",
    }
    return services.ticket_resolve(ticket=ticket, actor=actor, now=NOW, **(fields | overrides))


def test_resolve_saves_how_it_ended_and_moves_to_resolved(agent, ticket):
    ticket = at(ticket, S.IN_PROGRESS)

    result = _resolve(ticket, agent, seen_updated_at=ticket.updated_at)

    assert (result.status, result.resolved_at) == (S.RESOLVED, NOW)
    assert (result.resolution_code, result.root_cause) == ("part_replaced", "component")
    assert (result.resolution_note, result.warranty_note) == (
        "更换风扇电机",
        "维修后3个月内同一问题免费上门",
    )
    assert events(ticket, TicketEvent.Verb.TRANSITIONED).get().payload["note"] == "更换风扇电机"


def test_resolve_is_refused_while_a_sub_task_is_open_and_says_which(agent, ticket, team_warehouse):
    ticket = at(ticket, S.IN_PROGRESS)
    SubTask.objects.create(
        ticket=ticket,
        kind=SubTask.Kind.PARTS,
        team=team_warehouse,
        request="风扇电机",
        requested_at=NOW,
        due_at=NOW + timedelta(days=1),
    )

    with pytest.raises(DomainError) as caught:
        _resolve(ticket, agent)

    assert "配件仓库" in str(caught.value)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution_code) == (S.IN_PROGRESS, "")


def test_resolve_is_allowed_once_the_sub_task_is_done(agent, ticket, team_warehouse):
    ticket = at(ticket, S.IN_PROGRESS)
    SubTask.objects.create(
        ticket=ticket,
        kind=SubTask.Kind.PARTS,
        team=team_warehouse,
        request="风扇电机",
        requested_at=NOW,
        due_at=NOW + timedelta(days=1),
        status=SubTask.Status.DONE,
    )
    assert _resolve(ticket, agent).status == S.RESOLVED


def test_resolve_is_refused_while_a_visit_is_scheduled_or_a_mail_in_is_active(
    agent, engineer, ticket
):
    ticket = at(ticket, S.IN_PROGRESS)
    visit = Visit.objects.create(
        ticket=ticket,
        engineer=engineer,
        date=date(2026, 11, 24),
        window=Visit.Window.MORNING,
        starts_at=NOW + timedelta(days=1),
        ends_at=NOW + timedelta(days=1, hours=3),
        city="上海",
        address="徐汇区某路1号",
        scheduled_at=NOW,
    )
    mail_in = MailIn.objects.create(ticket=ticket, return_address="上海某路1号", started_at=NOW)

    with pytest.raises(DomainError) as caught:
        _resolve(ticket, agent)
    assert "2026-11-24" in str(caught.value)

    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.DONE)
    with pytest.raises(DomainError):
        _resolve(ticket, agent)

    MailIn.objects.filter(pk=mail_in.pk).update(status=MailIn.Status.RETURNED)
    assert _resolve(ticket, agent).status == S.RESOLVED


def test_resolve_names_every_missing_or_unknown_field(agent, ticket):
    ticket = at(ticket, S.IN_PROGRESS)
    with pytest.raises(ValidationError) as caught:
        _resolve(ticket, agent, resolution_code="magic", root_cause="")
    assert {"resolution_code", "root_cause"} <= set(caught.value.message_dict)

    with pytest.raises(ValidationError) as caught:
        _resolve(ticket, agent, resolution_note="  ")
    assert "resolution_note" in caught.value.message_dict
    ticket.refresh_from_db()
    assert ticket.status == S.IN_PROGRESS


def test_resolve_only_from_in_progress(agent, ticket):
    ticket = at(ticket, S.CONTACTED)
    with pytest.raises(IllegalTransition):
        _resolve(ticket, agent)


def test_resolve_on_a_stale_version_saves_nothing(agent, ticket):
    ticket = at(ticket, S.IN_PROGRESS)
    with pytest.raises(StaleTicket):
        _resolve(ticket, agent, seen_updated_at=stale(ticket))
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution_note) == (S.IN_PROGRESS, "")


def test_resolving_again_keeps_the_first_resolution(agent, ticket):
    ticket = at(ticket, S.IN_PROGRESS)
    _resolve(ticket, agent)
    _resolve(ticket, agent, resolution_note="另一个说法")
    ticket.refresh_from_db()
    assert ticket.resolution_note == "更换风扇电机"


def test_reopen_needs_a_reason_and_counts(agent, ticket):
    ticket = at(ticket, S.RESOLVED)
    with pytest.raises(ValidationError):
        services.ticket_reopen(ticket=ticket, reason="", actor=agent, now=NOW)

    result = services.ticket_reopen(ticket=ticket, reason="客户反映仍有异响", actor=agent, now=NOW)

    assert (result.status, result.reopen_count) == (S.REOPENED, 1)


def test_reopen_only_from_resolved(agent, ticket):
    ticket = at(ticket, S.IN_PROGRESS)
    with pytest.raises(IllegalTransition):
        services.ticket_reopen(ticket=ticket, reason="再看看", actor=agent, now=NOW)


# --- tier and deadlines ---------------------------------------------------------------------


def test_the_tier_changes_with_a_reason_and_an_event(agent, ticket):
    result = services.ticket_tier_set(
        ticket=ticket,
        tier="L1",
        reason="客户称要投诉",
        actor=agent,
        now=NOW,
        seen_updated_at=ticket.updated_at,
    )

    assert result.tier == "L1"
    event = events(ticket, TicketEvent.Verb.TIER_CHANGED).get()
    assert (event.payload["to_tier"], event.payload["note"]) == ("L1", "客户称要投诉")


def test_a_tier_change_without_a_reason_is_refused(agent, ticket):
    with pytest.raises(ValidationError):
        services.ticket_tier_set(ticket=ticket, tier="L1", reason=" ", actor=agent, now=NOW)


def test_a_tier_change_on_a_stale_version_or_a_closed_ticket_is_refused(agent, ticket):
    with pytest.raises(StaleTicket):
        services.ticket_tier_set(
            ticket=ticket,
            tier="L1",
            reason="升级",
            actor=agent,
            now=NOW,
            seen_updated_at=stale(ticket),
        )
    ticket = at(ticket, S.CLOSED)
    with pytest.raises(DomainError):
        services.ticket_tier_set(ticket=ticket, tier="L1", reason="升级", actor=agent, now=NOW)


def test_a_lead_extends_a_deadline_and_an_agent_may_not(team_lead, agent, ticket):
    later = ticket.resolve_due_at + timedelta(days=1)
    with pytest.raises(PermissionDeniedError):
        services.ticket_deadline_set(
            ticket=ticket, which="resolve", new_due_at=later, reason="等配件", actor=agent
        )
    with pytest.raises(StaleTicket):
        services.ticket_deadline_set(
            ticket=ticket,
            which="resolve",
            new_due_at=later,
            reason="等配件",
            actor=team_lead,
            seen_updated_at=stale(ticket),
        )

    result = services.ticket_deadline_set(
        ticket=ticket, which="resolve", new_due_at=later, reason="等配件", actor=team_lead, now=NOW
    )

    assert result.resolve_due_at == later
    assert events(ticket, TicketEvent.Verb.DEADLINE_EXTENDED).get().actor == team_lead


# --- tags ----------------------------------------------------------------------------------


def test_adding_a_tag_confirms_it_as_the_agents(agent, ticket):
    tag = TagFactory(name="电机异响-测试")

    added = services.ticket_tag_add(ticket=ticket, tag=tag, actor=agent, now=NOW)

    assert (added.source, added.state, added.reviewed_by) == ("agent", "confirmed", agent)
    event = events(ticket, TicketEvent.Verb.TAG_ADDED).get()
    assert (event.actor, event.payload["tag"]) == (agent, str(tag))


def test_adding_a_rejected_suggestion_confirms_it_again_and_precision_counts_it(agent, ticket):
    TicketTag.objects.filter(ticket=ticket).delete()  # only the tag made here
    tag = TagFactory(name="漏水-测试")
    suggested = TicketTag.objects.create(ticket=ticket, tag=tag, source="auto", state="rejected")

    services.ticket_tag_add(ticket=ticket, tag=tag, actor=agent, now=NOW)

    suggested.refresh_from_db()
    assert (suggested.source, suggested.state) == ("auto", "confirmed")
    assert events(ticket, TicketEvent.Verb.TAG_ADDED).get().payload["from"] == "rejected"
    assert auto_tag_precision()["confirmed"] == 1


def test_adding_a_confirmed_tag_again_changes_nothing(agent, ticket):
    tag = TagFactory(name="夹生-测试")
    services.ticket_tag_add(ticket=ticket, tag=tag, actor=agent, now=NOW)
    services.ticket_tag_add(ticket=ticket, tag=tag, actor=agent, now=NOW)
    assert events(ticket, TicketEvent.Verb.TAG_ADDED).count() == 1
    assert TicketTag.objects.filter(ticket=ticket, tag=tag).count() == 1


def test_an_inactive_tag_or_a_role_without_work_cannot_be_added(agent, product_manager, ticket):
    with pytest.raises(ValidationError):
        services.ticket_tag_add(
            ticket=ticket, tag=TagFactory(name="旧标签", is_active=False), actor=agent, now=NOW
        )
    with pytest.raises(PermissionDeniedError):
        services.ticket_tag_add(
            ticket=ticket, tag=TagFactory(name="新标签"), actor=product_manager, now=NOW
        )


def test_a_user_without_work_permission_is_refused_every_move(product_manager, ticket):
    other = UserFactory(username="nobody")
    for call in (
        lambda: services.ticket_work_start(ticket=ticket, actor=product_manager),
        lambda: services.ticket_take(ticket=ticket, actor=other),
        lambda: services.ticket_hold(ticket=ticket, reason="x", actor=product_manager),
    ):
        with pytest.raises(PermissionDeniedError):
            call()
