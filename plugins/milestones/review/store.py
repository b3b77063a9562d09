"""Warehouse access for the review app, designed around DuckDB's one-writer rule.

- Writes (decisions, settings) open a short-lived read-write connection through ``register.connect``
  (same config as the nightly writer, migrations applied), commit, and close — milliseconds. If the
  nightly writer holds the file, the open is retried with backoff (about 3 s in total by default) and then
  fails with :class:`WarehouseBusy`, which the app answers with 503 "warehouse busy, retry" + Retry-After.
- Reads open a short-lived read-only connection to the warehouse, so a reviewer sees their decision at
  once. If the writer holds the file, the read falls back to the published copy (read-only, never blocks
  anyone) and the page says which snapshot it shows. MILESTONES_REVIEW_READ_FROM=published makes every
  read use the published copy (decisions then show after the next publish).
- One process may not hold a read-only and a read-write connection to the same file at once, so every
  warehouse connection of this process is taken under one lock.
- Audit rows of API extractions must not be lost while the warehouse is busy: they go to a spool file
  beside the warehouse and are flushed into raw.audit_log by the next successful write.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from .. import register
from .config import ReviewConfig

__all__ = [
    "Store", "Snapshot", "WarehouseBusy", "WarehouseMissing", "is_lock_error", "has_table", "rows",
    "latest_logical_date",
]  # fmt: skip

_LOCK_MARKERS = ("could not set lock", "conflicting lock")


class WarehouseBusy(Exception):
    """The nightly writer holds the warehouse; retry later (HTTP 503)."""

    retry_after_s = 30


class WarehouseMissing(Exception):
    """No warehouse (and no published copy) yet: run the nightly pipeline first (HTTP 503)."""


def is_lock_error(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.Error) and any(m in str(exc).lower() for m in _LOCK_MARKERS)


@dataclass(frozen=True)
class Snapshot:
    """What a read sees: the live warehouse, or the published copy as of its file time."""

    source: str  # warehouse | published
    path: Path
    published_at: dt.datetime | None = None
    fallback_reason: str | None = None


def has_table(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, _, table = qualified.partition(".")
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchone()
    return bool(row and row[0])


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


class Store:
    def __init__(self, config: ReviewConfig) -> None:
        self.config = config
        self._lock = threading.RLock()

    # -- reads -----------------------------------------------------------------------------------------------

    @contextmanager
    def reader(self) -> Iterator[tuple[duckdb.DuckDBPyConnection, Snapshot]]:
        cfg = self.config
        reason = None
        if cfg.read_from == "warehouse" and cfg.warehouse.exists():
            with self._lock:
                con = None
                for attempt in range(2):
                    try:
                        con = duckdb.connect(str(cfg.warehouse), read_only=True)
                        break
                    except duckdb.Error as exc:
                        if not is_lock_error(exc):
                            raise
                        reason = "the nightly writer holds the warehouse"
                        time.sleep(cfg.lock_backoff_s * (attempt + 1))
                if con is not None:
                    try:
                        yield con, Snapshot("warehouse", cfg.warehouse)
                    finally:
                        con.close()
                    return
        if not cfg.published.exists():
            if reason:
                raise WarehouseBusy(f"{reason} and there is no published copy yet; retry in a minute")
            raise WarehouseMissing(
                f"no warehouse at {cfg.warehouse} and no published copy at {cfg.published}; run the nightly "
                "pipeline (make demo) or set MILESTONES_WAREHOUSE"
            )
        con = duckdb.connect(str(cfg.published), read_only=True)
        try:
            at = dt.datetime.fromtimestamp(cfg.published.stat().st_mtime, dt.UTC).replace(tzinfo=None, microsecond=0)
            yield con, Snapshot("published", cfg.published, at, reason)
        finally:
            con.close()

    # -- writes ----------------------------------------------------------------------------------------------

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection inside one transaction; WarehouseBusy if the writer keeps the file."""
        cfg = self.config
        if not cfg.warehouse.exists():
            raise WarehouseMissing(
                f"no warehouse at {cfg.warehouse}; decisions are written to the live warehouse — run the nightly "
                "pipeline first or set MILESTONES_WAREHOUSE"
            )
        with self._lock:
            con = None
            for attempt in range(cfg.lock_retries):
                try:
                    con = register.connect(cfg.warehouse)
                    break
                except duckdb.Error as exc:
                    if not is_lock_error(exc):
                        raise
                    if attempt + 1 < cfg.lock_retries:
                        time.sleep(cfg.lock_backoff_s * 2**attempt)
            if con is None:
                raise WarehouseBusy("warehouse busy (the nightly writer holds it); nothing was changed — retry shortly")
            try:
                self._flush_spool(con)
                con.execute("begin transaction")
                try:
                    yield con
                    con.execute("commit")
                except BaseException:
                    con.execute("rollback")
                    raise
            finally:
                con.close()

    def migrate(self) -> bool:
        """Bring the schema up to date if the warehouse is free (startup courtesy; never required)."""
        try:
            with self.writer():
                return True
        except (WarehouseBusy, WarehouseMissing):
            return False

    # -- audit that must not wait for the writer ---------------------------------------------------------------

    def audit_or_spool(
        self, actor: str, action: str, entity: str, entity_id: str, after: dict[str, Any], at: dt.datetime
    ) -> str:
        """Write one audit row now, or spool it for the next write if the warehouse is busy; says which."""
        try:
            with self.writer() as con:
                register.audit(con, actor, action, entity, entity_id, None, None, after, at)
            return "written"
        except WarehouseBusy:
            pass
        line = {"spool_id": uuid.uuid4().hex, "recorded_at": at.isoformat(), "actor": actor, "action": action,
                "entity": entity, "entity_id": entity_id, "after": after}  # fmt: skip
        with self._lock, self.config.audit_spool.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, sort_keys=True, default=str) + "\n")
        return "spooled"

    def _flush_spool(self, con: duckdb.DuckDBPyConnection) -> int:
        spool = self.config.audit_spool
        pending = sorted(spool.parent.glob(spool.name + ".flushing-*"))
        if spool.exists():
            claimed = spool.with_name(f"{spool.name}.flushing-{os.getpid()}-{uuid.uuid4().hex[:8]}")
            try:
                os.replace(spool, claimed)  # atomic: a concurrent appender starts a new spool
                pending.append(claimed)
            except FileNotFoundError:
                pass
        n = 0
        for path in pending:
            con.execute("begin transaction")
            try:
                for line in path.read_text(encoding="utf-8").splitlines():
                    if not line.strip():
                        continue
                    rec = json.loads(line)
                    after = dict(rec["after"]) | {"spool_id": rec["spool_id"]}
                    seen = con.execute(
                        "select 1 from raw.audit_log where json_extract_string(after, '$.spool_id') = ?",
                        [rec["spool_id"]],
                    ).fetchone()
                    if seen:
                        continue
                    register.audit(con, rec["actor"], rec["action"], rec["entity"], rec["entity_id"], None, None,
                                   after, dt.datetime.fromisoformat(rec["recorded_at"]))  # fmt: skip
                    n += 1
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
            path.unlink(missing_ok=True)
        return n


def latest_logical_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The register's reference date: the latest logical date loaded (same rule as dbt's as_of() macro)."""
    if not has_table(con, "raw.extraction_runs"):
        return None
    row = con.execute("select max(logical_date) from raw.extraction_runs").fetchone()
    return row[0] if row and row[0] else None
