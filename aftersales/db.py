"""Server-side prepared statements for the few statements run on every hot API request."""

from __future__ import annotations

import weakref
from collections.abc import Sequence

from django.db import connection


class PreparedStatement:
    """One SQL statement PostgreSQL parses and plans once per connection, not on every call.

    psycopg2 sends each statement as text, which the server parses and plans every time: for
    the short statements of the intake API (the permission check, the submission insert)
    planning is a third of their cost (~0.3 of ~1 ms each on our 2-core box). The first
    call on a connection sends PREPARE, every call sends EXECUTE with the values bound.

    A prepared statement lives as long as its database session and outlives rollbacks; a
    new connection (Django reconnects after CONN_MAX_AGE or an error) prepares it again.
    `sql` numbers its parameters ($1, $2, ...) and `types` gives each one's type. Behind a
    pooler in transaction mode (PgBouncer < 1.21) sessions are shared: don't use this there.
    """

    _names: set[str] = set()  # one name per statement: a session holds each name once

    def __init__(self, name: str, sql: str, types: Sequence[str]) -> None:
        if name in self._names:
            raise ValueError(f"A prepared statement is already named {name!r}.")
        self._names.add(name)
        typed = f" ({', '.join(types)})" if types else ""
        self.prepare_sql = f"PREPARE {name}{typed} AS {sql}"
        self.execute_sql = (
            f"EXECUTE {name} ({', '.join(['%s'] * len(types))})" if types else f"EXECUTE {name}"
        )
        # The psycopg2 connections this statement is prepared on (gone with them).
        self._prepared_on: weakref.WeakSet = weakref.WeakSet()

    def execute(self, params: Sequence) -> list[tuple]:
        """Run it with `params` on the default connection; return the rows."""
        with connection.cursor() as cursor:
            session = connection.connection
            if session not in self._prepared_on:
                cursor.execute(self.prepare_sql)
                self._prepared_on.add(session)
            cursor.execute(self.execute_sql, params)
            return cursor.fetchall()
