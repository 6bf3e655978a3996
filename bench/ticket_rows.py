"""Bulk tickets for the benchmarks: one INSERT … SELECT generate_series, every model column.

Each column the caller does not give is filled as the model would (NULL, its default, or
`now` for auto timestamps), so the rows are what intake writes, at a million rows a minute.
Overrides are SQL expressions over the series value `g` and the `%(now)s` parameter.
"""

from __future__ import annotations


def _literal(field, value) -> str:
    """A Python default as a SQL literal, through the field's own adaptation."""
    from django.db import connection

    prepared = field.get_db_prep_save(value, connection)
    with connection.cursor() as cursor:
        return cursor.mogrify("%s", [prepared]).decode()


def tickets_insert(*, count: int, start: int, now, overrides: dict[str, str]) -> None:
    """Insert `count` tickets numbered from `start`, then ANALYZE the table."""
    from django.db import connection

    from tickets.models import Ticket

    columns, values = [], []
    for field in Ticket._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name in overrides or field.attname in overrides:
            values.append(overrides.get(field.attname, overrides.get(field.name)))
        elif field.null:
            values.append("NULL")
        elif field.has_default():
            values.append(_literal(field, field.get_default()))
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values.append("%(now)s")
        else:
            values.append("''")
    sql = (
        f"INSERT INTO {Ticket._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM generate_series(%(start)s, %(stop)s) AS g"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"now": now, "start": start, "stop": start + count - 1})
        cursor.execute(f"ANALYZE {Ticket._meta.db_table}")
