"""Versioned schema of the register (the `raw` layer of the warehouse, written only by the loader).

Migrations are SQL files in `sql/` named `NNNN_description.sql`, applied in number order; never edit an
applied one, add the next file instead. `migrate(con)` applies what is missing, so a new column never
requires deleting the warehouse. Number ranges keep parallel work apart: 0001-0099 register core,
0100-0199 warehouse/dbt support, 0200-0299 fan-out and status sync, 0300-0399 review and access
control, 0400-0499 sources and scale-out, 0500-0599 finance/CRM/evidence/risk.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

__all__ = ["MIGRATIONS_DIR", "migrations", "migrate", "current_version"]

MIGRATIONS_DIR = Path(__file__).with_name("sql")
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every migration file, in order."""
    out = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        m = _NAME.match(path.name)
        if not m:
            raise ValueError(f"{path.name}: migration files are named NNNN_description.sql")
        out.append((int(m.group(1)), m.group(2), path.read_text()))
    versions = [v for v, _, _ in out]
    if len(set(versions)) != len(versions):
        raise ValueError(f"duplicate migration numbers in {MIGRATIONS_DIR}: {sorted(versions)}")
    return out


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    con.execute(
        "create table if not exists main.schema_migrations "
        "(version integer primary key, name varchar, applied_at timestamp default current_timestamp)"
    )
    row = con.execute("select coalesce(max(version), 0) from main.schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every migration not yet recorded, each in its own transaction; return the versions applied."""
    current_version(con)
    done = {int(r[0]) for r in con.execute("select version from main.schema_migrations").fetchall()}
    applied: list[int] = []
    for version, name, sql in migrations():
        if version in done:
            continue
        con.execute("begin transaction")
        try:
            con.execute(sql)
            con.execute("insert into main.schema_migrations (version, name) values (?, ?)", [version, name])
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        applied.append(version)
    return applied
