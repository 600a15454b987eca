"""Fast bulk reads and writes between tables and Polars frames.

Inserts use each database's fastest path: ``COPY ... FROM STDIN`` on PostgreSQL and
one ``executemany`` on SQLite, both inside the caller's transaction.
"""

from __future__ import annotations

import io
from typing import Any

import polars as pl
from sqlalchemy import Connection, Executable, Table

_CHUNK_ROWS = 200_000


def read_frame(
    connection: Connection, statement: Executable, schema: dict[str, Any]
) -> pl.DataFrame:
    """Run a select and return its rows as a frame with the given column types."""
    result = connection.execute(statement)
    frames = []
    while rows := result.fetchmany(_CHUNK_ROWS):
        frames.append(pl.DataFrame(rows, schema=schema, orient="row"))
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat(frames)


def insert_frame(connection: Connection, table: Table, frame: pl.DataFrame) -> int:
    """Insert every row of ``frame`` (columns named as the table's) into ``table``."""
    if frame.height == 0:
        return 0
    dialect = connection.dialect.name
    if dialect == "postgresql":
        _copy_postgres(connection, table, frame)
    elif dialect == "sqlite":
        _executemany_sqlite(connection, table, frame)
    else:
        connection.execute(table.insert(), frame.to_dicts())
    return frame.height


def _as_text_dates(frame: pl.DataFrame) -> pl.DataFrame:
    dates = [n for n, t in frame.schema.items() if t == pl.Date]
    return frame.with_columns(pl.col(dates).dt.strftime("%Y-%m-%d")) if dates else frame


def _executemany_sqlite(connection: Connection, table: Table, frame: pl.DataFrame) -> None:
    frame = _as_text_dates(frame)
    names = ", ".join(f'"{c}"' for c in frame.columns)
    marks = ", ".join("?" for _ in frame.columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for start in range(0, frame.height, _CHUNK_ROWS):
            cursor.executemany(sql, frame.slice(start, _CHUNK_ROWS).iter_rows())
    finally:
        cursor.close()


def _copy_postgres(connection: Connection, table: Table, frame: pl.DataFrame) -> None:
    names = ", ".join(f'"{c}"' for c in frame.columns)
    sql = f"COPY \"{table.name}\" ({names}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
        for start in range(0, frame.height, _CHUNK_ROWS):
            buffer = io.BytesIO()
            _as_text_dates(frame.slice(start, _CHUNK_ROWS)).write_csv(
                buffer, include_header=False, null_value="\\N"
            )
            copy.write(buffer.getvalue())


def refresh_statistics(connection: Connection) -> None:
    """Let SQLite's planner see the new data (PostgreSQL's autovacuum does this itself)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA optimize")
