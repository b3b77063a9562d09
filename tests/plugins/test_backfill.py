"""Reproducible "as of" runs and backfills of register_models.

Both are `slow` (make test-slow; CI runs them). The first runs the DAG's task sequence without a scheduler
(tests/dbt/warehouse_helpers.run_models): the same logical date twice gives byte-identical marts; a range of
dates gives one history folder per date and re-running the range changes nothing. The second drives a real Airflow scheduler, dag-processor and
api-server (LocalExecutor, SQLite) through `airflow backfill create`, exactly as the README tells data
engineers to. Registers come from real extractions of sample contracts (development fixtures)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from milestones import publish
from milestones.paths import PROJECT_ROOT

from tests.dbt.warehouse_helpers import load_register, ordered_export, run_models, sample_records

CONTRACTS = ("dist-northwind-acme-2023", "services-northwind-meridian-2025", "sla-northwind-hollis-crane-2026")
D1 = dt.date(2026, 12, 1)


def _files(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.parquet"))}


def _fingerprint(warehouse: Path, run_id: str) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select marts_fingerprint from raw.model_runs where run_id = ?", [run_id]).fetchall()[0][0]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("backfill")
    warehouse, published = root / "warehouse.duckdb", root / "published" / "warehouse.duckdb"
    load_register(warehouse, sample_records(CONTRACTS), D1)
    return warehouse, published


@pytest.mark.slow  # five dbt builds (~1 min); `make test-slow` and CI run it
def test_same_date_twice_is_byte_identical_and_a_range_is_per_date_and_idempotent(site):
    warehouse, published = site
    d2 = D1 + dt.timedelta(days=1)
    run_models(warehouse, D1, "first", published, dbt_tests=False)
    first, first_files = ordered_export(warehouse), _files(publish.history_dir(D1, published))
    run_models(warehouse, D1, "second", published, dbt_tests=False)
    assert ordered_export(warehouse) == first
    assert _files(publish.history_dir(D1, published)) == first_files
    assert _fingerprint(warehouse, "first") == _fingerprint(warehouse, "second")
    # the next date of the range: different marts (days until due, buckets, statuses move), in its own folder
    run_models(warehouse, d2, f"backfill__{d2}", published, dbt_tests=False)
    second_day = _files(publish.history_dir(d2, published))
    assert ordered_export(warehouse)["fct_obligations"] != first["fct_obligations"]
    assert second_day != first_files and _fingerprint(warehouse, f"backfill__{d2}") != _fingerprint(warehouse, "first")
    for day in (D1, d2):
        with duckdb.connect() as con:
            dates = con.execute(
                f"select distinct as_of_date from read_parquet('{publish.history_dir(day, published)}/*.parquet', "
                "union_by_name = true) where as_of_date is not null"
            ).fetchall()
        assert dates == [(day,)], f"history for {day} holds {dates}"
    # the range again (airflow backfill create … --reprocess-behavior completed): nothing changes, and the
    # live copy (which the fan-out follows) does not go back to the older date
    live = published.read_bytes()
    again = run_models(warehouse, D1, f"backfill__{D1}", published, dbt_tests=False)
    assert not again.live_updated and published.read_bytes() == live
    assert _files(publish.history_dir(D1, published)) == first_files
    assert run_models(warehouse, d2, f"backfill__{d2}", published, dbt_tests=False).live_updated
    assert _files(publish.history_dir(d2, published)) == second_day
    # history only moves forward: re-running an older date after a newer one left the snapshot alone
    with duckdb.connect(str(warehouse), read_only=True) as con:
        closed = con.execute("select count(*) from snapshots.snap_obligations where dbt_valid_to is not null").fetchall()
    assert closed == [(0,)]


# --- a real scheduler ----------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.scheduler
def test_airflow_backfill_creates_one_run_per_date(tmp_path):
    """`airflow backfill create --dag-id register_models` against scheduler + dag-processor + api-server."""
    airflow = str(Path(sys.executable).with_name("airflow"))
    home, data = tmp_path / "airflow", tmp_path / "data"
    port = _free_port()
    env = dict(
        os.environ,
        AIRFLOW_HOME=str(home), MILESTONES_DATA=str(data), MILESTONES_HOME=str(PROJECT_ROOT),
        AIRFLOW__CORE__DAGS_FOLDER=str(PROJECT_ROOT / "dags"), AIRFLOW__CORE__PLUGINS_FOLDER=str(PROJECT_ROOT / "plugins"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False", AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__API__PORT=str(port), AIRFLOW__API__BASE_URL=f"http://127.0.0.1:{port}",
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
        AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL="5", AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5",
        AIRFLOW__COSMOS__ENABLE_TELEMETRY="False", DO_NOT_TRACK="1", GX_ANALYTICS_ENABLED="False",
    )  # fmt: skip
    env.pop("MILESTONES_WAREHOUSE", None)
    warehouse = data / "warehouse.duckdb"
    days = [dt.date(2026, 11, 20) + dt.timedelta(days=n) for n in range(2)]  # backfills refuse future dates
    load_register(warehouse, sample_records(CONTRACTS, days[0]), days[0])

    def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        for _ in range(30):
            res = subprocess.run([airflow, *args], env=env, capture_output=True, text=True, timeout=600)
            # SQLite allows one writer: a busy scheduler can make a CLI write time out; and the scheduler marks a
            # backfill complete a little after its last run ends, so a new one for the same DAG waits for that
            if "database is locked" not in res.stdout + res.stderr and "AlreadyRunningBackfill" not in res.stderr:
                break
            time.sleep(5)
        assert not check or res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
        return res

    cli("db", "migrate")
    cli("pools", "set", "duckdb_writer", "1", "one DuckDB writer at a time")
    logs = tmp_path / "logs"
    logs.mkdir()
    def start(name: str, *extra: str) -> subprocess.Popen:
        return subprocess.Popen([airflow, name, *extra], env=env, stdout=(logs / f"{name}.log").open("w"),
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip

    procs = [start("dag-processor")]
    try:
        deadline = time.time() + 300
        while "register_models" not in cli("dags", "list", check=False).stdout:
            assert time.time() < deadline, "register_models was not parsed by the dag-processor"
            time.sleep(5)
        cli("dags", "unpause", "register_models")
        # the runs are the 06:00 UTC ticks; --to-date is a timestamp, so the last date is given with its tick
        first, last = days[0].isoformat(), f"{days[-1].isoformat()}T06:00"
        dry = cli("backfill", "create", "--dag-id", "register_models", "--from-date", first, "--to-date", last, "--dry-run")
        assert all(f"{day} 06:00:00" in dry.stdout for day in days)
        assert f"{days[-1] + dt.timedelta(days=1)} 06" not in dry.stdout and f"{days[0] - dt.timedelta(days=1)} 06" not in dry.stdout
        cli("backfill", "create", "--dag-id", "register_models", "--from-date", first, "--to-date", last,
            "--max-active-runs", "1")  # fmt: skip
        procs += [start("api-server", "--port", str(port)), start("scheduler")]
        states = _wait_for_runs(cli, len(days), time.time() + 3600)
        assert states == ["success"] * len(days), states
        published = data / "published" / "warehouse.duckdb"
        folders = {day: _files(publish.history_dir(day, published)) for day in days}
        assert all(folders.values()), folders
        with duckdb.connect(str(warehouse), read_only=True) as con:
            runs = con.execute(
                "select as_of, status from raw.model_runs where run_type = 'backfill' order by as_of"
            ).fetchall()
        assert runs == [(day, "published") for day in days]
        # the same range again: re-runs the completed runs and leaves identical marts
        again = dt.datetime.now(dt.UTC)
        cli("backfill", "create", "--dag-id", "register_models", "--from-date", first, "--to-date", last,
            "--max-active-runs", "1", "--reprocess-behavior", "completed")  # fmt: skip
        states = _wait_for_runs(cli, len(days), time.time() + 3600, started_after=again)
        assert states == ["success"] * len(days), states
        assert {day: _files(publish.history_dir(day, published)) for day in days} == folders
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def _wait_for_runs(cli, n: int, deadline: float, started_after: dt.datetime | None = None) -> list[str]:
    """States of the backfill runs once all n have finished (and, after a re-run, were started again)."""
    while True:
        out = cli("dags", "list-runs", "register_models", "-o", "json", check=False).stdout
        listing = next((line for line in out.splitlines() if line.startswith("[")), "[]")  # warnings come first
        runs = [r for r in json.loads(listing) if r["run_id"].startswith("backfill__")]
        states = sorted(r["state"] for r in runs)
        restarted = started_after is None or all(
            r.get("start_date") and dt.datetime.fromisoformat(r["start_date"]) > started_after for r in runs
        )
        if len(runs) >= n and restarted and all(s in ("success", "failed") for s in states):
            return states
        assert time.time() < deadline, f"backfill did not finish: {runs}"
        time.sleep(10)
