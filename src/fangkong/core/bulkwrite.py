"""Fast inserts for imports: COPY on PostgreSQL, executemany on SQLite, with the primary keys known up front.

The ORM's bulk_create compiles every value of every row through the field
machinery; for an import of a million persons (and as many history rows) that is
most of the time. These helpers take plain tuples of database values and must
run inside the caller's transaction.

Keys: PostgreSQL hands out a block of the table's sequence; SQLite continues after
the highest key ever used (the transaction holds the write lock from BEGIN
IMMEDIATE, so no other writer can take the same keys).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from contextlib import contextmanager
from operator import itemgetter

from django.db import connection


def reserve_ids(table: str, count: int) -> list[int]:
    if count == 0:
        return []
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
            return [row[0] for row in cur.fetchall()]
        cur.execute(f'SELECT MAX(id) FROM "{table}"')  # noqa: S608 - table names come from model meta, not input
        top = cur.fetchone()[0] or 0
        cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cur.fetchone()
        top = max(top, row[0] if row else 0)
        return list(range(top + 1, top + 1 + count))


def _to_json(value):
    return "[]" if value == [] else json.dumps(value, ensure_ascii=False)


def _to_sqlite_datetime(value):
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")


def _to_text_datetime(value):
    # COPY reads ISO 8601 with its offset; a string costs psycopg less than an aware datetime.
    return value.isoformat() if value is not None else None


def _to_sqlite_date(value):
    return value.isoformat() if value is not None else None


def _same_as_last(convert):
    """A converter that remembers its last value: an import stamps every row of a chunk with one `now`."""
    last, result = object(), None

    def cached(value):
        nonlocal last, result
        if value is not last:
            last, result = value, convert(value)
        return result

    return cached


def converters(model, columns: Sequence[str]) -> list:
    """Per column, the function that turns a Python value into what COPY / executemany take (None: as is)."""
    from django.db import models

    postgres = connection.vendor == "postgresql"
    fields = {f.column: f for f in model._meta.concrete_fields}
    out = []
    for column in columns:
        field = fields.get(column)
        if isinstance(field, models.JSONField):
            out.append(_to_json)
        elif isinstance(field, models.DateTimeField):
            out.append(_same_as_last(_to_text_datetime if postgres else _to_sqlite_datetime))
        elif postgres or field is None:
            out.append(None)
        elif isinstance(field, models.DateField):
            out.append(_to_sqlite_date)
        else:
            out.append(None)
    return out


def prepare(rows: Sequence[Sequence], convert: list) -> list[tuple]:
    """Apply the converters; columns without one pass through untouched."""
    active = [(i, f) for i, f in enumerate(convert) if f is not None]
    if not active:
        return [tuple(r) for r in rows]
    out = []
    for row in rows:
        row = list(row)
        for i, f in active:
            row[i] = f(row[i])
        out.append(tuple(row))
    return out


def insert_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Insert rows of raw values (see `converters` for dates, datetimes and JSON)."""
    if not rows:
        return
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cur.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)  # noqa: S608


def insert_with_history(model, columns: Sequence[str], rows: Sequence[Sequence], *, history_user_id: int | None,
                        reason: str, when: dt.datetime) -> list[int]:
    """Insert rows of `model` (columns without id) and their '+' history rows; returns the new keys in order."""
    table = model._meta.db_table
    ids = reserve_ids(table, len(rows))
    all_columns = ["id", *columns]
    prepared = prepare([(pk, *row) for pk, row in zip(ids, rows, strict=True)], converters(model, all_columns))
    insert_rows(table, all_columns, prepared)
    history = model.history.model
    tracked_columns = [history._meta.get_field(f.attname).column for f in history.tracked_fields]
    position = {name: i for i, name in enumerate(all_columns)}
    missing = [c for c in tracked_columns if c not in position]
    if missing:
        raise ValueError(f"history of {table} needs columns {missing}")
    history_columns = ["history_date", "history_change_reason", "history_type", "history_user_id"]
    (stamp,) = prepare([(when,)], converters(history, ["history_date"]))[0]
    extra = (stamp, reason, "+", history_user_id)
    pick = itemgetter(*[position[c] for c in tracked_columns])
    history_rows = [pick(row) + extra for row in prepared]
    insert_rows(history._meta.db_table, [*tracked_columns, *history_columns], history_rows)
    return ids


SQLITE_IN_BATCH = 10_000  # under SQLite's 32,766 bound parameters


def select_in(table: str, columns: Sequence[str], key: str, values) -> list[tuple]:
    """Rows of `table` (the named columns, raw database values) whose `key` is one of `values`: one index
    probe per value, in one query.

    PostgreSQL gets the values as one array parameter, so the client does not quote thousands of
    literals one by one (which cost more than the query). The LATERAL subquery with OFFSET 0 is
    not flattened into a join, so the server probes the key's index once per value instead of
    choosing a hash join over the whole table: with thousands of keys per chunk, and a table
    that grows as the import runs, the planner otherwise picks a full scan per chunk while the
    table is still small enough to look cheap, and that scan grows with every chunk.
    SQLite binds each value natively and probes the index for an IN list by itself.
    """
    values = list(values)
    if not values:
        return []
    names = ", ".join(f't."{c}"' for c in columns)
    if connection.vendor == "postgresql":
        kind = "bigint" if isinstance(values[0], int) else "text"
        return fetch_with_arrays(
            f"SELECT {names} FROM unnest(%b::{kind}[]) AS k(v) CROSS JOIN LATERAL "  # noqa: S608 - model names
            f'(SELECT * FROM "{table}" t WHERE t."{key}" = k.v OFFSET 0) AS t',
            [values],
        )
    with connection.cursor() as cur:
        out: list[tuple] = []
        for start in range(0, len(values), SQLITE_IN_BATCH):
            part = values[start:start + SQLITE_IN_BATCH]
            marks = ", ".join(["%s"] * len(part))
            cur.execute(f'SELECT {names} FROM "{table}" t WHERE t."{key}" IN ({marks})', part)  # noqa: S608
            out.extend(cur.fetchall())
        return out


def fetch_with_arrays(sql: str, params: list) -> list[tuple]:
    """Run a query whose parameters are lists (PostgreSQL arrays, placeholders `%b`) on Django's connection.

    Django's cursor binds on the client, quoting every element of a list as text in Python
    (about 1.5 µs an element, several per imported row); this cursor sends the arrays to the
    server in binary, in the same transaction.
    """
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cur:
        cur.execute(sql, params)
        return cur.fetchall()


SQL_BATCH = 900  # ids per statement on SQLite: under its limit of bound parameters with room to spare
SQL_BATCH_POSTGRES = 20_000  # PostgreSQL has no such limit; fewer, larger statements cost less


def batches(items: Sequence, size: int | None = None):
    """Slices of `items` small enough for one statement's parameters on this database."""
    size = size or (SQL_BATCH_POSTGRES if connection.vendor == "postgresql" else SQL_BATCH)
    for i in range(0, len(items), size):
        yield items[i : i + size]


def insert_model_rows(model, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Plain rows of a model's field values (no instances): COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    db_columns = [model._meta.get_field(c).column for c in columns]
    insert_rows(model._meta.db_table, db_columns, prepare(rows, converters(model, db_columns)))


@contextmanager
def planner(cur, **settings: str):
    """PostgreSQL planner settings for the statements inside, then back to what they were."""
    before = {}
    for name, value in settings.items():
        cur.execute("SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value])
        before[name] = cur.fetchone()[0]
    try:
        yield
    finally:
        for name, value in before.items():
            cur.execute("SELECT set_config(%s, %s, true)", [name, value])
