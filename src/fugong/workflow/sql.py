"""Two portable statements the workflow tables need.

INSERT … ON CONFLICT DO NOTHING (``insert_or_skip``): SQLite and PostgreSQL both have it; it lets two
writers add the same keyed row (a job key, a report version) at once without either transaction
failing (a savepoint would do on PostgreSQL, but pysqlite's savepoints outside an explicit BEGIN are
unreliable).

Many rows at once with their new ids (``insert_many``), for the batches of resumption.intake.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import Session


def insert_or_skip(session: Session, model, values: dict, conflict: tuple[str, ...]) -> bool:
    """Insert one row unless a row with the same ``conflict`` columns exists; True if inserted."""
    return insert_or_skip_returning(session, model, values, conflict, conflict[0]) is not None


def insert_or_skip_returning(session: Session, model, values: dict, conflict: tuple[str, ...], returning: str):
    """As ``insert_or_skip``, answering the new row's ``returning`` column (its id), or None if skipped."""
    session.flush()
    # The values go in as parameters of one statement built once per table: building the statement with
    # its values on every call (expressions, bound parameters, a new cache key) was most of its cost.
    statement = _statement(session.get_bind().dialect.name, model.__table__, conflict, returning)
    row = session.execute(statement, values).first()
    return None if row is None else row[0]


def insert_many_or_skip(session: Session, model, rows: list[dict], conflict: tuple[str, ...]) -> None:
    """``insert_or_skip`` for many rows in one statement (executemany); nothing answered."""
    if rows:
        session.execute(_statement(session.get_bind().dialect.name, model.__table__, conflict, None), rows)


@lru_cache(maxsize=64)
def _statement(dialect: str, table, conflict: tuple[str, ...], returning: str | None):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - fugong supports SQLite and PostgreSQL
        raise NotImplementedError(f"insert_or_skip on {dialect}")
    # RETURNING, not rowcount: psycopg reports rowcount -1 for INSERT … ON CONFLICT here.
    statement = insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    return statement if returning is None else statement.returning(table.c[returning])


def insert_many(session: Session, model, rows: list[dict], *, ids: bool = False) -> list[int] | None:
    """Insert many rows in one executemany; with ``ids`` answer their new integer primary keys, in order.

    On PostgreSQL the keys are drawn from the column's sequence first (one query) and the rows inserted
    with them: psycopg pipelines an executemany of one small statement that it parses once, whereas
    INSERT … RETURNING of many rows is rendered by SQLAlchemy as one multi-row VALUES statement that
    psycopg parses afresh every time (40 % of a batch of filings' CPU, measured). On SQLite (one writer,
    conversions in C) INSERT … RETURNING.
    """
    from sqlalchemy import insert, text

    if not rows:
        return [] if ids else None
    table = model.__table__
    if not ids:
        session.execute(insert(table), rows)
        return None
    (key,) = table.primary_key.columns
    if session.get_bind().dialect.name == "postgresql":
        drawn = list(session.scalars(text("SELECT nextval(pg_get_serial_sequence(:table, :column)) "
                                          "FROM generate_series(1, :n) ORDER BY 1"),
                                     {"table": table.name, "column": key.name, "n": len(rows)}))
        session.execute(insert(table), [{**row, key.name: new} for row, new in zip(rows, drawn)])
        return drawn
    return list(session.scalars(insert(table).returning(key, sort_by_parameter_order=True), rows))
