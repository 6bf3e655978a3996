"""One demo data set per module, a client per role, and the objects whose access is tested."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from pytest_django import DjangoDbBlocker

from tests.tickets.factories import StoreFactory, TeamFactory, TicketFactory
from tickets.models import Store, Team, Ticket, User

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# One demo user per role (tickets/demo.py USERS), and the visitor who is not logged in.
ROLES = (
    "agent",
    "engineer",
    "team_lead",
    "manager",
    "store_staff",
    "product_manager",
    "warehouse",
    "product_director",
    "rnd_lead",
    "quality_lead",
    "admin",
)
ANONYMOUS = "anonymous"
EVERYONE = (*ROLES, ANONYMOUS)


@dataclass
class World:
    """The demo, plus three tickets no demo user owns or registered: one of the agent's team
    (kitchen), one of a team nobody is in, one at the store clerk's store in that team."""

    team_ticket: Ticket
    other_team_ticket: Ticket
    own_store_ticket: Ticket
    other_store_ticket: Ticket
    clients: dict[str, Client] = field(default_factory=dict)


def _ticket(**fields) -> Ticket:
    ticket = TicketFactory(**fields)
    # Nobody of the demo may see it by ownership: only by team or store.
    Ticket.objects.filter(pk=ticket.pk).update(owner=None, registered_by=None)
    ticket.refresh_from_db()
    return ticket


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[World]:
    """seed_demo once for the module (a few seconds); rolled back after."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        pytest.MonkeyPatch.context() as patch,
        transaction.atomic(),
    ):
        patch.setenv("DEMO_PASSWORD", "demo-Pa55-word")
        call_command("seed_demo", stdout=io.StringIO())
        nobody_team = TeamFactory(code="matrix-nobody", name="无人小组")
        other_store = StoreFactory(code="matrix-other-store", name="矩阵门店")
        clerk_store = Store.objects.get(pk=User.objects.get(username="store_staff").store_id)
        built = World(
            team_ticket=_ticket(team=Team.objects.get(code="kitchen")),
            other_team_ticket=_ticket(team=nobody_team),
            own_store_ticket=_ticket(team=nobody_team, store=clerk_store),
            other_store_ticket=_ticket(team=nobody_team, store=other_store),
        )
        for role in ROLES:
            client = Client()
            client.force_login(User.objects.get(username=role))
            built.clients[role] = client
        built.clients[ANONYMOUS] = Client()
        yield built
        transaction.set_rollback(True)
