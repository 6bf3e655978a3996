"""Prepared statements (aftersales.db): planned once per database session, values bound."""

import pytest
from django.db import connection, transaction

from aftersales.db import PreparedStatement

ECHO = PreparedStatement("test_echo", "SELECT $1::text || '|' || ($2 + 1)::text", ["text", "int"])
CONSTANT = PreparedStatement("test_constant", "SELECT 7", [])


def _prepared_here(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [name])
        return cursor.fetchone()[0]


def test_values_are_bound_not_spliced_into_the_statement(db):
    hostile = "x'); DROP TABLE tickets_ticket; -- $1 %s"
    assert ECHO.execute([hostile, 41]) == [(f"{hostile}|42",)]
    assert ECHO.execute(["again", 0]) == [("again|1",)]
    assert _prepared_here("test_echo") == 1


def test_it_outlives_a_rolled_back_transaction(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        assert ECHO.execute(["in", 1]) == [("in|2",)]
        raise RuntimeError
    assert ECHO.execute(["after", 2]) == [("after|3",)]


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_it_again():
    assert ECHO.execute(["first", 0]) == [("first|1",)]
    connection.close()  # as Django does after CONN_MAX_AGE or an unusable connection
    assert _prepared_here("test_echo") == 0
    assert ECHO.execute(["second", 0]) == [("second|1",)]
    assert _prepared_here("test_echo") == 1


def test_a_statement_without_parameters(db):
    assert CONSTANT.execute([]) == [(7,)]


def test_a_name_is_given_once():
    with pytest.raises(ValueError, match="test_echo"):
        PreparedStatement("test_echo", "SELECT 1", [])
