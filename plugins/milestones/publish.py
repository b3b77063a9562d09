"""Publish a read-only copy of the warehouse for analysts and BI, atomically, plus the marts as of each date.

A reader holding a DuckDB connection blocks the writer, so readers get their own file: the whole database
is copied into a new file in DuckDB 1.5 storage format (readable by DuckDB 1.5 LTS clients and BI drivers
built on them, and by 2.x) and renamed over the previous copy. A reader keeps the snapshot it opened; new
connections see the new one. Each publish also writes the marts as Parquet under
data/published/history/as_of=<date>/ (replacing that date's folder), so a backfill leaves one set per date.

Before copying, the marts must all have been built for the run's reference date — if another run rebuilt
some of them for another date in between, publishing refuses (PublishConflict) instead of mixing dates.

The live copy only moves forward in time: a run for a date older than the one it already shows (a backfill)
writes that date's history folder and leaves the live copy — and so the fan-out, which follows it — alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .paths import get_paths
from .quality import MARTS
from .register import connect, transaction

__all__ = ["PublishConflict", "PublishResult", "publish_run", "publish_warehouse", "live_as_of", "marts_fingerprint", "export_marts", "begin_model_run",
           "runs_ahead", "finish_model_run", "history_dir", "STALE_AFTER"]  # fmt: skip

# A run still 'running' after this long is taken to have died (a worker crash skips its teardown).
STALE_AFTER = dt.timedelta(hours=3)


class PublishConflict(Exception):
    """The marts in the warehouse are not (all) the ones this run built; re-run it (one run at a time)."""


def history_dir(as_of: dt.date, published: Path | None = None) -> Path:
    root = Path(published or get_paths().published).parent
    return root / "history" / f"as_of={as_of.isoformat()}"


def _marts(con: Any) -> list[str]:
    have = {r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()}
    return [m for m in MARTS if m in have]


def marts_fingerprint(con: Any) -> str:
    """sha256 over every mart's rows in a total order (all columns): equal fingerprints = identical marts."""
    h = hashlib.sha256()
    for mart in _marts(con):
        cur = con.execute(f"select * from marts.{mart} order by all")  # noqa: S608 - names from MARTS
        h.update(f"{mart}|{','.join(d[0] for d in cur.description)}\n".encode())
        while rows := cur.fetchmany(10_000):
            for row in rows:
                h.update(repr(row).encode())
                h.update(b"\n")
    return h.hexdigest()


@dataclass(frozen=True)
class PublishResult:
    path: Path  # the live copy
    as_of: dt.date | None
    live_updated: bool  # False: history only, the live copy shows a later date
    history: Path | None
    fingerprint: str


def live_as_of(con: Any) -> dt.date | None:
    """The reference date the live published copy shows (the latest run that replaced it)."""
    rows = con.execute(
        "select max(as_of) from raw.model_runs where status = 'published' and published_path is not null"
    ).fetchall()
    return rows[0][0] if rows else None


def _check_as_of(con: Any, as_of: dt.date) -> None:
    wrong = []
    for mart in _marts(con):
        dates = con.execute(f"select distinct as_of_date from marts.{mart}").fetchall()  # noqa: S608
        bad = sorted(str(d) for (d,) in dates if d != as_of)
        if bad:
            wrong.append(f"marts.{mart} is as of {', '.join(bad)}")
    if wrong:
        raise PublishConflict(
            f"not publishing marts for {as_of}: {'; '.join(wrong)} — another register_models run rebuilt them in "
            "between. Run one register_models run at a time (backfills with --max-active-runs 1) and clear this run."
        )


def begin_model_run(warehouse: Path | None, run_id: str, as_of: dt.date, run_type: str | None = None) -> None:
    """Record that a register_models run starts building `as_of` (re-running the same run id resets it)."""
    con = connect(Path(warehouse or get_paths().warehouse))
    try:
        con.execute(
            "insert into raw.model_runs (run_id, as_of, run_type, status, started_at) values (?, ?, ?, 'running', ?) "
            "on conflict (run_id) do update set as_of = excluded.as_of, run_type = excluded.run_type, "
            "status = 'running', started_at = excluded.started_at, finished_at = null, published_path = null, "
            "marts_fingerprint = null, message = null",
            [run_id, as_of, run_type, _now()],
        )
    finally:
        con.close()


def runs_ahead(warehouse: Path | None, run_id: str, stale_after: dt.timedelta = STALE_AFTER) -> list[str]:
    """register_models runs that must finish before `run_id` builds: registered earlier and still running.

    The runs of this DAG take turns in registration order, whatever started them (schedule, asset, backfill,
    a manual trigger): Airflow limits backfill runs and other runs separately, and DuckDB tasks of two runs
    interleaving in the writer pool would mix two reference dates in one set of marts.
    """
    con = connect(Path(warehouse or get_paths().warehouse))
    try:
        mine = con.execute("select started_at from raw.model_runs where run_id = ?", [run_id]).fetchall()
        if not mine:
            raise ValueError(f"run {run_id!r} is not registered in raw.model_runs; begin_model_run first")
        started = mine[0][0]
        rows = con.execute(
            "select run_id from raw.model_runs where status = 'running' and run_id <> ? and started_at > ? "
            "and (started_at < ? or (started_at = ? and run_id < ?)) order by started_at, run_id",
            [run_id, _now() - stale_after, started, started, run_id],
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def finish_model_run(warehouse: Path | None, run_id: str) -> str:
    """End of a run whatever happened: one that did not publish is marked failed (frees the turn)."""
    con = connect(Path(warehouse or get_paths().warehouse))
    try:
        con.execute(
            "update raw.model_runs set status = 'failed', finished_at = ?, "
            "message = coalesce(message, 'stopped before publishing (see the Airflow task logs)') "
            "where run_id = ? and status = 'running'",
            [_now(), run_id],
        )
        rows = con.execute("select status from raw.model_runs where run_id = ?", [run_id]).fetchall()
    finally:
        con.close()
    return rows[0][0] if rows else "unknown"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def export_marts(con: Any, target: Path) -> list[Path]:
    """Each mart as one Parquet file in `target` (rows in a total order, so the files are reproducible)."""
    target.mkdir(parents=True, exist_ok=True)
    out = []
    for mart in _marts(con):
        path = target / f"{mart}.parquet"
        con.execute(f"copy (select * from marts.{mart} order by all) to '{path}' (format parquet)")  # noqa: S608
        out.append(path)
    return out


def publish_warehouse(
    warehouse: Path | None = None,
    published: Path | None = None,
    *,
    as_of: dt.date | None = None,
    run_id: str | None = None,
) -> Path:
    """publish_run() returning the live copy's path (the original interface)."""
    return publish_run(warehouse, published, as_of=as_of, run_id=run_id).path


def publish_run(
    warehouse: Path | None = None,
    published: Path | None = None,
    *,
    as_of: dt.date | None = None,
    run_id: str | None = None,
) -> PublishResult:
    """Copy the warehouse to the published path atomically (and the marts to history/as_of=<date>/).

    With `as_of`, the marts must all be as of that date (else PublishConflict), and a date older than the live
    copy's only writes its history; with `run_id`, the run's raw.model_runs row records the outcome and the
    marts' fingerprint.
    """
    paths = get_paths()
    src = Path(warehouse or paths.warehouse)
    dst = Path(published or paths.published)
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    history: Path | None = None
    # Opened with the writer's settings (this runs in the writer pool), so a dbt connection to the same
    # file in this process is shared instead of refused.
    con = connect(src)
    try:
        if as_of is not None:
            _check_as_of(con, as_of)
        fingerprint = marts_fingerprint(con)
        shown = live_as_of(con)
        live = as_of is None or shown is None or as_of >= shown or not dst.exists()
        if run_id is not None:
            with transaction(con):
                con.execute(
                    "insert into raw.model_runs (run_id, as_of, status, started_at) values (?, ?, 'running', ?) "
                    "on conflict (run_id) do nothing",
                    [run_id, as_of or dt.date(1970, 1, 1), _now()],
                )
                con.execute(
                    "update raw.model_runs set status = 'published', finished_at = ?, published_path = ?, "
                    "marts_fingerprint = ?, message = ? where run_id = ?",
                    [_now(), str(dst) if live else None, fingerprint,
                     None if live else f"history only: the live copy shows {shown}", run_id],
                )  # fmt: skip
        if live:
            source_db = con.execute("select current_database()").fetchall()[0][0]
            con.execute(f"attach '{tmp}' as pub (storage_version 'v1.5.0')")
            try:
                con.execute(f'copy from database "{source_db}" to pub')
                con.execute("checkpoint pub")
            finally:
                con.execute("detach pub")
        if as_of is not None:
            history = history_dir(as_of, dst)
            staging = history.with_name(history.name + ".tmp")
            shutil.rmtree(staging, ignore_errors=True)
            export_marts(con, staging)
            old = history.with_name(history.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if history.exists():
                history.rename(old)
            staging.rename(history)
            shutil.rmtree(old, ignore_errors=True)
    except Exception as exc:
        if run_id is not None:
            con.execute(
                "insert into raw.model_runs (run_id, as_of, status, started_at, finished_at, message) "
                "values (?, ?, 'failed', ?, ?, ?) on conflict (run_id) do update set status = 'failed', "
                "finished_at = excluded.finished_at, message = excluded.message",
                [run_id, as_of or dt.date(1970, 1, 1), _now(), _now(), f"{type(exc).__name__}: {exc}"[:2000]],
            )
        raise
    finally:
        con.close()
    if live:
        if tmp.with_name(tmp.name + ".wal").exists():
            raise RuntimeError(f"{tmp}.wal was left behind after the copy; the published file would be incomplete")
        os.replace(tmp, dst)
    return PublishResult(dst, as_of, live, history, fingerprint)
