"""Every operation of /api/schema/, fuzzed in-process: no server error, nothing off the schema.

Valid and invalid inputs (schemathesis's positive and negative modes), bounded and
derandomized (15 examples per operation, no shrinking) so that it fits `make test`; the
requests go through Django's WSGI handler on the test database. The WeChat Work callback is
a plain Django view, not in the schema: test_hostile_values.py and tests/intake/wechat cover it.
"""

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from tests.tickets.factories import UserFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# Django's own handler, as gunicorn runs it; loading the schema reads no table. Schemathesis's
# coverage phase (every boundary and wrong method of every field) takes minutes here; the
# examples and the bounded fuzzing below take seconds.
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/",
    WSGIHandler(),
    config=SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}}),
)


@pytest.fixture(autouse=True)
def same_connection_as_the_test(db):
    """Keep the test's connection (and its transaction) open between requests, as Django's
    test client does: the handler would otherwise close it when a request finishes."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(manager, ticket):
    """A manager may use every operation but the call centre's webhook, which is its own."""
    call_centre = UserFactory(username="callcentre")
    call_centre.groups.add(Group.objects.get(name="call_centre"))
    return {
        "manager": Token.objects.create(user=manager).key,
        "call_centre": Token.objects.create(user=call_centre).key,
    }


@schema.parametrize()
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_every_operation_answers_within_its_schema(case, tokens):
    user = "call_centre" if case.path == "/intake/phone/call-events/" else "manager"
    case.call_and_validate(headers={"Authorization": f"Token {tokens[user]}"}, checks=CHECKS)
