"""The named cast that makes permission tests cheap: one user per role, two teams, two stores."""

import importlib

import pytest
from django.apps import apps as django_apps
from rest_framework.test import APIClient

from tests.tickets.factories import StoreFactory, TeamFactory, TicketFactory, UserFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2's deliberate slowness is for attackers, not for the test suite."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def team_kitchen(db):
    return TeamFactory(code="kitchen", name="厨房电器组")


@pytest.fixture
def team_aircon(db):
    return TeamFactory(code="aircon", name="空调安装组")


@pytest.fixture
def team_warehouse(db):
    return TeamFactory(code="warehouse", name="配件仓库")


@pytest.fixture
def team_technical(db):
    return TeamFactory(code="technical", name="技术支持部")


@pytest.fixture
def store_a(db):
    return StoreFactory(code="sh-xuhui", name="上海徐汇店")


@pytest.fixture
def store_b(db):
    return StoreFactory(code="bj-chaoyang", name="北京朝阳店")


@pytest.fixture
def agent(team_kitchen):
    return UserFactory(username="agent", role="agent", teams=[team_kitchen])


@pytest.fixture
def agent_other_team(team_aircon):
    return UserFactory(username="agent_aircon", role="agent", teams=[team_aircon])


@pytest.fixture
def engineer(team_kitchen):
    return UserFactory(username="engineer", role="engineer", teams=[team_kitchen])


@pytest.fixture
def warehouse_clerk(team_warehouse):
    return UserFactory(username="warehouse", role="warehouse", teams=[team_warehouse])


@pytest.fixture
def tech_support(team_technical):
    return UserFactory(username="tech", role="engineer", teams=[team_technical])


@pytest.fixture
def team_lead(team_kitchen):
    return UserFactory(username="team_lead", role="team_lead", teams=[team_kitchen])


@pytest.fixture
def store_clerk(store_a):
    return UserFactory(username="clerk_a", role="store_staff", store=store_a)


@pytest.fixture
def store_clerk_other_store(store_b):
    return UserFactory(username="clerk_b", role="store_staff", store=store_b)


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", role="manager")


@pytest.fixture
def product_manager(db):
    return UserFactory(username="pm", role="product_manager")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def ticket(team_kitchen):
    return TicketFactory(team=team_kitchen)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as(api):
    def login(user):
        api.force_authenticate(user=user)
        return api

    return login


@pytest.fixture
def role_groups_after_flush(transactional_db):
    """Transactional tests flush the database, groups from migration 0003 included: make the
    roles again for a test that commits (and so runs after such a flush)."""
    importlib.import_module("tickets.migrations.0003_roles").create_roles(django_apps, None)
    for later in ("0013_dispatch_roles_and_macros", "0015_engineer_do_visits"):
        importlib.import_module(f"tickets.migrations.{later}").grant(django_apps, None)
    importlib.import_module("knowledge.migrations.0002_knowledge_roles").grant(django_apps, None)
