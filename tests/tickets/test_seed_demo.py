"""seed_demo: the demo data set loads once, covers every state a ticket can be in, and logs in."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from pytest_django import DjangoDbBlocker, Settings

from knowledge import demo_alerts
from tickets import demo
from tickets.models import (
    ALLOWED_TRANSITIONS,
    Customer,
    Product,
    Store,
    SubTask,
    Tag,
    Team,
    Ticket,
    TicketEvent,
    TicketTag,
    User,
)
from tickets.roles import ROLE_LABELS

pytestmark = pytest.mark.django_db

PASSWORD = "demo-Pa55-word"
# PBKDF2 costs about a second per hash; these tests check which password, not how it is hashed.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
COUNTED = (Product, Store, Team, Tag, User, Customer, Ticket, TicketTag, TicketEvent)


@dataclass(frozen=True)
class Seeded:
    first: dict[str, int]
    second: dict[str, int]
    output: str


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Seeded]:
    """Run seed_demo twice, once for the whole module (a run takes seconds); roll back after."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        pytest.MonkeyPatch.context() as patch,
        transaction.atomic(),
    ):
        patch.setenv("DEMO_PASSWORD", PASSWORD)
        call_command("seed_demo", stdout=io.StringIO())
        first = _counts()
        output = io.StringIO()
        call_command("seed_demo", stdout=output)
        yield Seeded(first=first, second=_counts(), output=output.getvalue())
        transaction.set_rollback(True)


def test_second_run_creates_nothing(seeded: Seeded) -> None:
    assert seeded.second == seeded.first
    # 200 tickets of every kind, and one washing-machine batch over the alert threshold.
    batch_tickets = sum(demo_alerts.PER_MONTH.values())
    assert seeded.first["Ticket"] == sum(demo.STATUS_COUNTS.values()) + batch_tickets == 213
    assert seeded.first["Product"] == len(demo.PRODUCTS)
    assert seeded.first["Store"] == len(demo.STORES)
    assert seeded.first["Team"] == len(demo.TEAMS)
    assert seeded.first["Tag"] == len(demo.TAGS) + sum(map(len, demo.TAGS.values()))
    assert "213 tickets (0 new)" in seeded.output


def test_tickets_cover_every_status_tier_channel_and_category(seeded: Seeded) -> None:
    def present(field: str) -> set[str]:
        return set(Ticket.objects.values_list(field, flat=True))

    assert present("status") == set(Ticket.Status.values)
    assert present("tier") == set(Ticket.Tier.values)
    assert present("channel") == set(Ticket.Channel.values)
    assert present("category") == set(Ticket.Category.values)


def test_each_role_user_is_in_its_group_and_logs_in(seeded: Seeded) -> None:
    for role in ROLE_LABELS:
        user = User.objects.get(username=role)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.display_name
        assert authenticate(username=role, password=PASSWORD) == user
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="manager").is_staff
    assert User.objects.get(username="store_staff").store.code == demo.STORES[0].code
    team_lead_teams = User.objects.get(username="team_lead").teams.values_list("code", flat=True)
    assert set(team_lead_teams) == {"cs-1", "kitchen", "ac-install"}


def test_prints_every_login_with_the_password(seeded: Seeded) -> None:
    assert PASSWORD in seeded.output
    for role, label in ROLE_LABELS.items():
        assert any(role in line and str(label) in line for line in seeded.output.splitlines())


def test_every_ticket_has_a_timeline_of_legal_transitions(seeded: Seeded) -> None:
    assert not Ticket.objects.annotate(n=Count("events")).filter(n=0).exists()
    for ticket in Ticket.objects.prefetch_related("events"):
        events = sorted(ticket.events.all(), key=lambda event: (event.at, event.pk))
        assert events[0].verb == TicketEvent.Verb.CREATED
        assert events[0].at == ticket.received_at
        moves = [event for event in events if event.verb == TicketEvent.Verb.TRANSITIONED]
        for event in moves:
            assert event.to_status in ALLOWED_TRANSITIONS[event.from_status]
        assert (moves[-1].to_status if moves else Ticket.Status.NEW) == ticket.status
        # Whoever made the first contact owns the ticket from then on (L1: from intake).
        if moves:
            assert ticket.owner_id is not None


def test_some_tickets_name_a_product_we_do_not_know(seeded: Seeded) -> None:
    assert Ticket.objects.filter(product=None).exclude(product_model_text="").exists()
    assert Ticket.objects.filter(product__isnull=False).count() > 150


def test_store_tickets_are_confirmed_at_their_store(seeded: Seeded) -> None:
    store_tickets = Ticket.objects.filter(channel=Ticket.Channel.STORE)
    assert store_tickets.exists()
    assert not store_tickets.filter(store=None).exists()
    assert set(store_tickets.values_list("confirmed_via", flat=True)) == {"store"}
    assert not Ticket.objects.exclude(channel=Ticket.Channel.STORE).exclude(store=None).exists()


def test_tags_route_tickets_to_their_team(seeded: Seeded) -> None:
    assert not Tag.objects.filter(parent__isnull=False, team=None).exists()
    for link in TicketTag.objects.select_related("ticket", "tag"):
        assert link.ticket.team_id == link.tag.team_id


def test_some_customers_come_back_and_some_are_vips(seeded: Seeded) -> None:
    repeat = Customer.objects.annotate(n=Count("tickets")).filter(n__gte=3)
    assert repeat.exists()
    assert Customer.objects.filter(is_vip=True).exists()
    assert Customer.objects.filter(phone__startswith="+8621").exists()  # a Shanghai landline


def test_without_demo_password_a_random_one_is_stored_and_reused(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch, settings: Settings, tmp_path: Path
) -> None:
    monkeypatch.delenv("DEMO_PASSWORD")
    settings.VAR_DIR = tmp_path / "var"  # not there yet: the command creates it
    first_output = io.StringIO()
    call_command("seed_demo", stdout=first_output)
    stored = (tmp_path / "var" / "demo_password").read_text().strip()
    assert len(stored) >= 12
    assert stored in first_output.getvalue()
    assert authenticate(username="agent", password=stored) is not None
    assert authenticate(username="agent", password=PASSWORD) is None

    second_output = io.StringIO()
    call_command("seed_demo", stdout=second_output)
    assert (tmp_path / "var" / "demo_password").read_text().strip() == stored
    assert stored in second_output.getvalue()
    assert authenticate(username="engineer", password=stored) is not None


def test_plan_is_the_same_on_every_run() -> None:
    now = datetime(2025, 6, 1, 12, tzinfo=UTC)
    assert demo.demo_plan(now=now) == demo.demo_plan(now=now)
    refs = [ticket.external_ref for ticket in demo.demo_plan(now=now).tickets]
    assert len(set(refs)) == len(refs)


def test_who_complains_and_how_does_not_depend_on_the_time_of_day() -> None:
    """seed_demo runs twice seconds apart, at any hour: each planned ticket must keep its
    reference, channel and customer, or the second run registers new tickets."""

    def identities(now: datetime) -> list[tuple[str, str, str]]:
        plan = demo.demo_plan(now=now)
        return [(t.external_ref, t.channel, t.phone) for t in plan.tickets]

    base = datetime(2026, 11, 22, 0, tzinfo=UTC)
    first = identities(base)
    for minutes in range(0, 24 * 60, 7):
        assert identities(base + timedelta(minutes=minutes, seconds=13)) == first


def test_waits_are_sub_tasks_and_resolutions_say_how(seeded: Seeded) -> None:
    waiting = Ticket.objects.filter(status__in=["waiting_parts", "waiting_technical"])
    helped = waiting.exclude(team__code__in=["warehouse", "tech-support"])
    assert helped.exists()
    for ticket in helped:
        open_tasks = ticket.subtasks.filter(status__in=SubTask.OPEN_STATUSES)
        assert open_tasks.count() == 1
        assert open_tasks.get().kind == ticket.status.removeprefix("waiting_")
    assert SubTask.objects.filter(status=SubTask.Status.DONE).exists()
    resolved = Ticket.objects.filter(resolved_at__isnull=False, status__in=["resolved", "closed"])
    assert resolved.exists()
    assert not resolved.filter(resolution_code="").exists()
    assert not resolved.filter(root_cause="").exists()


def test_closed_tickets_were_closed_by_the_customers_survey(seeded: Seeded) -> None:
    closed = Ticket.objects.filter(status="closed")
    assert closed.exists()
    for ticket in closed:
        assert ticket.surveys.filter(answered_at__isnull=False, satisfaction__gte=4).exists()
    second = Ticket.objects.filter(reopen_count__gt=0)
    assert second.exists()
    assert all(t.surveys.filter(satisfaction__lt=4).exists() for t in second)
