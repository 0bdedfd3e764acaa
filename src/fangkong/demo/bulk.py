"""Fast writes of many rows: COPY on PostgreSQL, executemany on SQLite.

Rows are tuples in the order of the columns the caller names; columns of the model
that the caller does not name get their field default, so a field added later by
another app does not break the demo build. The caller assigns primary keys itself
(`IdBlock`), so no row has to be read back to link its children.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence

from django.db import connection, models

TEXT_FIELDS = (models.CharField, models.TextField)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


class TableWriter:
    """Writes tuples for one model through the fastest path of the current database.

    PostgreSQL: COPY (psycopg 3 `cursor.copy`). SQLite: one prepared INSERT run with
    `executemany` inside the build's transaction; Django's bulk_create spent most of its
    time compiling SQL per row, about ten times the cost of the insert itself.

    On PostgreSQL rows can also be turned into COPY's CSV input by another process
    (`encode`, which needs no database connection) and sent as they are (`write_encoded`):
    the process that holds the connection then does no work per row.
    """

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise ValueError(f"{model._meta.label} has no column(s) {', '.join(sorted(unknown))}")
        self.columns = list(columns)
        extra = [f for name, f in fields.items() if name not in columns]
        self.all_columns = self.columns + [f.attname for f in extra]
        self.postgres = is_postgres()
        ops = connection.ops
        self._convert: list[tuple[int, Callable]] = []
        for i, name in enumerate(self.all_columns):
            f = fields[name]
            if isinstance(f, models.JSONField):
                self._convert.append((i, self._dump_json))
            elif not self.postgres and isinstance(f, models.DateTimeField):
                self._convert.append((i, ops.adapt_datetimefield_value))
            elif not self.postgres and isinstance(f, models.DateField):
                self._convert.append((i, ops.adapt_datefield_value))
        self._json_cache: dict = {}
        # Defaults of the columns not named: converted once here, not on every row.
        extra_values = [f.get_default() for f in extra]
        for i, fn in self._convert:
            if i >= len(self.columns):
                extra_values[i - len(self.columns)] = fn(extra_values[i - len(self.columns)])
        self.extra_values = tuple(extra_values)
        self._convert = [(i, fn) for i, fn in self._convert if i < len(self.columns)]
        self.written = 0
        # The SQL is built from the model's own table and column names, never from input.
        quote = ops.quote_name
        table = quote(model._meta.db_table)
        names = ", ".join(quote(fields[c].column) for c in self.all_columns)
        if self.postgres:
            self._sql = f"COPY {table} ({names}) FROM STDIN"
            # encode() quotes every non-number, None included (as ""); a quoted "" is NULL only in
            # the nullable columns that cannot hold text. A nullable text column could not tell
            # None from "": encode() refuses such a table.
            self._text_nullable = [c for c in self.all_columns if fields[c].null and isinstance(fields[c], TEXT_FIELDS)]
            nullable = ", ".join(quote(fields[c].column) for c in self.all_columns if fields[c].null)
            force_null = f", FORCE_NULL ({nullable})" if nullable else ""
            self._csv_sql = f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv{force_null})"
        else:
            marks = ", ".join(["%s"] * len(self.all_columns))
            self._sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - model table and columns

    def _dump_json(self, value):
        if value is None:
            return None
        if isinstance(value, tuple):  # small repeated values (tags): dump each once
            dumped = self._json_cache.get(value)
            if dumped is None:
                dumped = self._json_cache[value] = json.dumps(list(value), ensure_ascii=False)
            return dumped
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def _rows(self, rows: Iterable[tuple]) -> Iterator[tuple]:
        extra, convert = self.extra_values, self._convert
        for row in rows:
            row = row + extra
            if convert:
                row = list(row)
                for i, fn in convert:
                    row[i] = fn(row[i])
            yield row

    def encode(self, rows: Iterable[tuple]) -> bytes:
        """COPY's CSV input for the rows (PostgreSQL), made without a database connection.

        Every non-numeric value is quoted (the csv module writes None as ""), so an empty string
        stays an empty string; COPY reads "" as NULL in the nullable columns that are not text.
        """
        if self._text_nullable:
            raise ValueError(f"CSV cannot tell None from '' in {', '.join(self._text_nullable)}")
        out = io.StringIO()
        csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerows(self._rows(rows))
        return out.getvalue().encode()

    def write_encoded(self, data: bytes, rows: int) -> int:
        """Send `rows` rows that `encode` made (in this process or another) with one COPY."""
        if not data:
            return 0
        connection.ensure_connection()
        with connection.connection.cursor() as cur, cur.copy(self._csv_sql) as copy:
            copy.write(data)
        self.written += rows
        return rows

    def write(self, rows: Iterable[tuple]) -> int:
        rows = rows if isinstance(rows, list) else list(rows)
        if not rows:
            return 0
        connection.ensure_connection()
        if self.postgres:
            with connection.connection.cursor() as cur, cur.copy(self._sql) as copy:
                for row in self._rows(rows):
                    copy.write_row(row)
        else:
            with connection.cursor() as cur:
                cur.executemany(self._sql, list(self._rows(rows)))
        self.written += len(rows)
        return len(rows)


class IdRange:
    """Primary keys handed out one after another from `next`."""

    def __init__(self, start: int) -> None:
        self.next = start

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


class IdBlock(IdRange):
    """Primary keys handed out by the build itself, above everything already in the table.

    The build runs in one transaction that holds a write lock on the tables it fills
    (PostgreSQL: LOCK … IN EXCLUSIVE MODE; SQLite: the IMMEDIATE transaction), so no other
    writer can take an id in between. `finish()` moves the table's sequence past the last id.
    """

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cur:
            cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - model table name
            highest = cur.fetchone()[0]
            if is_postgres():
                cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
                self.sequence = cur.fetchone()[0]
                cur.execute(f"SELECT last_value, is_called FROM {self.sequence}")  # noqa: S608 - catalogue name
                last, called = cur.fetchone()
                highest = max(highest, last if called else last - 1)
            else:
                cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [model._meta.db_table])
                found = cur.fetchone()
                highest = max(highest, found[0] if found else 0)
        super().__init__(highest + 1)

    def finish(self) -> None:
        if is_postgres() and self.next > 1:
            with connection.cursor() as cur:
                cur.execute("SELECT setval(%s, %s)", [self.sequence, self.next - 1])
        # SQLite's AUTOINCREMENT moves sqlite_sequence past explicit ids by itself.


class SuspendedIndexes:
    """PostgreSQL bulk load: drop a table's secondary indexes and foreign keys, put them back after.

    Used only on tables that are empty when the build starts, inside the build's transaction,
    so a failed build rolls the DROP back too. Rebuilding an index once is much faster than
    updating it row by row, and re-adding a foreign key checks it with one join instead of
    one lookup per row. Primary keys and unique constraints stay.
    """

    def __init__(self, tables: Sequence[str]) -> None:
        self.tables = list(tables)
        self.indexes: list[tuple[str, str]] = []
        self.foreign_keys: list[tuple[str, str, str]] = []
        self.seconds: dict[str, float] = {}  # how long each index and foreign key took to put back

    def drop(self) -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cur:
            # Run checks still pending from earlier statements of this transaction (ALTER TABLE
            # refuses a table with pending trigger events), then defer again as Django expects.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in self.tables:
                cur.execute(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND i.schemaname = current_schema() "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname "
                    "AND c.conrelid = %s::regclass)",
                    [table, table],
                )
                self.indexes += cur.fetchall()
                cur.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
                    [table],
                )
                self.foreign_keys += [(table, name, definition) for name, definition in cur.fetchall()]
            for table, name, _ in self.foreign_keys:
                cur.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            for name, _ in self.indexes:
                cur.execute(f"DROP INDEX {quote(name)}")

    def restore(self) -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cur:
            cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for name, definition in self.indexes:
                started = time.monotonic()
                cur.execute(definition)
                self.seconds[name] = round(time.monotonic() - started, 2)
            for table, name, definition in self.foreign_keys:
                started = time.monotonic()
                cur.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
                self.seconds[name] = round(time.monotonic() - started, 2)
