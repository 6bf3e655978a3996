from datetime import UTC, datetime

import pytest

from tests.tickets.factories import TagFactory, TicketFactory
from tickets.errors import PermissionDeniedError
from tickets.models import TicketEvent, TicketTag
from tickets.selectors import auto_tag_precision
from tickets.services import ticket_tag_review

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def _suggested(ticket, name):
    return TicketTag.objects.create(ticket=ticket, tag=TagFactory(name=name), source="auto")


def test_review_keeps_the_verdict_and_precision_counts_it(agent, team_kitchen):
    ticket = TicketFactory(team=team_kitchen)
    TicketTag.objects.filter(ticket=ticket).delete()  # only the tags made here
    good, bad, unseen = (_suggested(ticket, n) for n in ("漏水-测试", "异响-测试", "卡纸-测试"))

    ticket_tag_review(ticket_tag=good, confirmed=True, actor=agent, now=NOW)
    ticket_tag_review(ticket_tag=bad, confirmed=False, actor=agent, now=NOW)
    ticket_tag_review(ticket_tag=bad, confirmed=False, actor=agent, now=NOW)  # a repeat

    bad.refresh_from_db()
    assert (bad.state, bad.reviewed_by, bad.reviewed_at) == ("rejected", agent, NOW)
    assert TicketTag.objects.filter(pk=unseen.pk, state="suggested").exists()
    assert ticket.events.filter(verb=TicketEvent.Verb.TAG_REVIEWED).count() == 2
    assert auto_tag_precision() == {"reviewed": 2, "confirmed": 1, "precision": 0.5}


def test_a_role_that_cannot_work_tickets_cannot_review(product_manager, ticket):
    tag = _suggested(ticket, "建议-测试")
    with pytest.raises(PermissionDeniedError):
        ticket_tag_review(ticket_tag=tag, confirmed=True, actor=product_manager, now=NOW)
