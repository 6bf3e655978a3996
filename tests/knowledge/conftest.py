"""The knowledge cast: the three roles that approve an improvement plan (seed 004)."""

import pytest

from tests.tickets.factories import UserFactory


@pytest.fixture
def product_director(db):
    return UserFactory(username="director", role="product_director")


@pytest.fixture
def rnd_lead(db):
    return UserFactory(username="rnd", role="rnd_lead")


@pytest.fixture
def quality_lead(db):
    return UserFactory(username="quality", role="quality_lead")
