"""A local CeleryExecutor stack for the same DAGs: PostgreSQL metadata, a Redis broker, two Celery workers.

Why: the embedded default (SQLite, LocalExecutor) cannot show that extraction scales out. This starts what
a production deployment runs — api-server (core + Task Execution API), scheduler, dag-processor and N
`airflow celery worker`s — each in its own process and session, with its own log file, all sharing one
[api_auth] jwt_secret and pointing AIRFLOW__CORE__EXECUTION_API_SERVER_URL at the api-server. Everything
started is stopped by PID (process group), also when something fails; the metadata database is created
at start and dropped at stop; the broker uses an otherwise empty Redis database, flushed at stop.

    python -m milestones.distributed --inbox extractors/samples/portfolio --keep   # start, print URLs, wait

Tests: tests/distributed (make test-distributed).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractors.errors import MilestonesError

from .paths import PROJECT_ROOT

__all__ = ["CeleryStack", "StackError", "worker_hostname", "free_port", "pick_redis_db", "DAGS", "PLACEHOLDER_NOTE"]

DAGS = ("contracts_nightly", "register_models", "obligation_fanout")
WORKER_NAME_ENV = "MILESTONES_WORKER_NAME"
PLACEHOLDER_NOTE = "placeholder: holds the scheduled slot, never executed"
FINISHED_TI_STATES = ("success", "failed", "skipped", "upstream_failed", "removed")


class StackError(MilestonesError):
    """The stack did not come up or a run did not finish; the message names the log to read."""


def worker_hostname() -> str:
    """[core] hostname_callable for workers sharing one machine: the worker's name, so task_instance.hostname
    tells which worker ran a task (on separate machines the default FQDN already does)."""
    return os.environ.get(WORKER_NAME_ENV) or socket.getfqdn()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pick_redis_db(host: str = "127.0.0.1", port: int = 6379) -> int:
    """The highest-numbered Redis database holding no keys (so flushing it at the end touches nobody)."""
    import redis

    used = {int(k[2:]) for k in redis.Redis(host=host, port=port).info("keyspace")}
    for db in range(15, 0, -1):
        if db not in used:
            return db
    raise StackError(f"every Redis database on {host}:{port} holds keys; free one or set redis_db")


def _pg(dsn: str, sql: str) -> None:
    import psycopg2

    con = psycopg2.connect(dsn)
    try:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(sql)
    finally:
        con.close()


@dataclass
class _Proc:
    name: str
    popen: subprocess.Popen
    log: Path


@dataclass
class CeleryStack:
    """Start with ``with CeleryStack(home, inbox=...) as stack:``; every process is stopped on exit."""

    home: Path
    inbox: Path
    workers: int = 2
    worker_concurrency: int = 1
    database: str = "milestones_airflow_test"
    pg_host: str = "127.0.0.1"
    pg_port: int = 5432
    pg_user: str = "postgres"
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    api_port: int = 0
    batch_size: int = 3
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: list[_Proc] = field(default_factory=list, init=False)
    redis_db: int | None = None
    _db_created: bool = field(default=False, init=False)
    _secret: str = field(default_factory=lambda: secrets.token_hex(32), init=False)

    # -- configuration -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def warehouse(self) -> Path:
        return self.home / "data" / "warehouse.duckdb"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    def _sql_conn(self, prefix: str = "postgresql+psycopg2") -> str:
        return f"{prefix}://{self.pg_user}@{self.pg_host}:{self.pg_port}/{self.database}"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment every component gets (workers add their name and hostname callable)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
        env.update(
            AIRFLOW_HOME=str(self.home / "airflow"),
            AIRFLOW__CORE__EXECUTOR="CeleryExecutor",
            AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=self._sql_conn(),
            AIRFLOW__CELERY__BROKER_URL=f"redis://{self.redis_host}:{self.redis_port}/{self.redis_db}",
            AIRFLOW__CELERY__RESULT_BACKEND=self._sql_conn("db+postgresql+psycopg2"),
            AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"{self.base_url}/execution/",
            AIRFLOW__API__BASE_URL=self.base_url,
            AIRFLOW__API__HOST="127.0.0.1",
            AIRFLOW__API__PORT=str(self.api_port),
            AIRFLOW__API_AUTH__JWT_SECRET=self._secret,
            AIRFLOW__API__SECRET_KEY=self._secret,
            AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="True",  # local test stack: no login
            AIRFLOW__CORE__DAGS_FOLDER=str(PROJECT_ROOT / "dags"),
            AIRFLOW__CORE__PLUGINS_FOLDER=str(PROJECT_ROOT / "plugins"),
            AIRFLOW__CORE__LOAD_EXAMPLES="False",
            AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="True",
            AIRFLOW__LOGGING__BASE_LOG_FOLDER=str(self.logs / "tasks"),
            AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC="2",
            AIRFLOW__COSMOS__ENABLE_TELEMETRY="False",
            DO_NOT_TRACK="1",
            GX_ANALYTICS_ENABLED="False",
            MILESTONES_HOME=str(PROJECT_ROOT),
            MILESTONES_DATA=str(self.home / "data"),
            MILESTONES_WAREHOUSE=str(self.warehouse),
            MILESTONES_INBOX=str(self.inbox),
            MILESTONES_BATCH_SIZE=str(self.batch_size),
        )
        env.update(self.extra_env)
        env.update(extra)
        return env

    def _airflow(self, *args: str, timeout: float = 600) -> str:
        exe = str(Path(sys.executable).with_name("airflow"))
        res = subprocess.run([exe, *args], env=self.env(), capture_output=True, text=True, timeout=timeout)
        if res.returncode != 0:
            raise StackError(f"airflow {' '.join(args)} failed (exit {res.returncode}):\n{(res.stdout + res.stderr)[-3000:]}")
        return res.stdout

    # -- lifecycle -----------------------------------------------------------------------------------

    def __enter__(self) -> CeleryStack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 300) -> None:
        """Create the metadata DB, migrate it, create the writer pool, start every process, wait until ready."""
        if not self.inbox.is_dir():
            raise StackError(f"inbox {self.inbox} does not exist")
        self.home.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(parents=True, exist_ok=True)
        self.api_port = self.api_port or free_port()
        self.redis_db = pick_redis_db(self.redis_host, self.redis_port) if self.redis_db is None else self.redis_db
        admin = f"postgresql://{self.pg_user}@{self.pg_host}:{self.pg_port}/postgres"
        _pg(admin, f'drop database if exists "{self.database}" with (force)')
        _pg(admin, f'create database "{self.database}"')
        self._db_created = True
        self._airflow("db", "migrate")
        self._airflow("pools", "set", "duckdb_writer", "1", "one DuckDB writer at a time")
        self._spawn("api-server", ["api-server", "--host", "127.0.0.1", "--port", str(self.api_port), "--workers", "1"])
        self._spawn("scheduler", ["scheduler", "--skip-serve-logs"])
        self._spawn("dag-processor", ["dag-processor"])
        for i in range(1, self.workers + 1):
            name = f"worker-{i}"
            self._spawn(
                name,
                ["celery", "worker", "--celery-hostname", name, "--concurrency", str(self.worker_concurrency),
                 "--skip-serve-logs", "--without-mingle", "--without-gossip"],
                {WORKER_NAME_ENV: name, "AIRFLOW__CORE__HOSTNAME_CALLABLE": "milestones.distributed.worker_hostname"},
            )  # fmt: skip
        self.wait_ready(timeout)

    def _spawn(self, name: str, args: list[str], extra: dict[str, str] | None = None) -> None:
        exe = str(Path(sys.executable).with_name("airflow"))
        log = self.logs / f"{name}.log"
        fh = log.open("ab")
        popen = subprocess.Popen([exe, *args], env=self.env(**(extra or {})), stdout=fh, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True, cwd=str(self.home))  # fmt: skip
        fh.close()
        self.procs.append(_Proc(name, popen, log))

    def _check_alive(self) -> None:
        for p in self.procs:
            if p.popen.poll() is not None:
                tail = "\n".join(p.log.read_text(errors="replace").splitlines()[-30:])
                raise StackError(f"{p.name} exited with {p.popen.returncode}; log {p.log}:\n{tail}")

    def wait_ready(self, timeout: float = 300) -> None:
        """Until the api-server answers, scheduler and dag-processor report healthy, the DAGs are parsed
        without import errors and every worker has logged that it is ready."""
        deadline = time.monotonic() + timeout
        pending = ["health", "dags", *(p.name for p in self.procs if p.name.startswith("worker-"))]
        last = ""
        while pending and time.monotonic() < deadline:
            self._check_alive()
            try:
                if "health" in pending:
                    h = self.api("GET", "/api/v2/monitor/health")
                    last = json.dumps(h)
                    if all((h.get(k) or {}).get("status") == "healthy" for k in ("metadatabase", "scheduler", "dag_processor")):
                        pending.remove("health")
                if "dags" in pending:
                    errors = self.api("GET", "/api/v2/importErrors").get("import_errors") or []
                    if errors:
                        raise StackError(f"DAG import errors: {json.dumps(errors)[:3000]}")
                    got = {d["dag_id"] for d in self.api("GET", "/api/v2/dags?limit=100").get("dags", [])}
                    last = f"dags parsed: {sorted(got)}"
                    if set(DAGS) <= got:
                        pending.remove("dags")
            except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError) as exc:
                last = repr(exc)
            for p in self.procs:
                if p.name in pending and " ready." in p.log.read_text(errors="replace"):
                    pending.remove(p.name)
            time.sleep(2)
        if pending:
            raise StackError(f"not ready after {timeout:.0f} s: waiting for {pending}; last: {last}; logs in {self.logs}")

    def stop(self, grace_s: float = 30) -> None:
        """SIGTERM each started process group (newest first), SIGKILL what is left; drop the DB, flush the broker."""
        for p in reversed(self.procs):
            if p.popen.poll() is None:
                try:
                    os.killpg(p.popen.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace_s
        for p in reversed(self.procs):
            try:
                p.popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            try:  # the group: uvicorn workers, celery pool children, task processes
                os.killpg(p.popen.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            p.popen.wait(10)
        self.procs.clear()
        if self._db_created:
            try:
                _pg(f"postgresql://{self.pg_user}@{self.pg_host}:{self.pg_port}/postgres",
                    f'drop database if exists "{self.database}" with (force)')  # fmt: skip
            finally:
                self._db_created = False
        if self.redis_db is not None:
            import redis

            try:
                redis.Redis(host=self.redis_host, port=self.redis_port, db=self.redis_db).flushdb()
            except redis.RedisError:
                pass

    # -- REST ----------------------------------------------------------------------------------------

    def api(self, method: str, path: str, body: dict[str, Any] | None = None, timeout: float = 30) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", "Accept": "application/json"})  # fmt: skip
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:2000]
            raise StackError(f"{method} {path} → HTTP {exc.code}: {detail}") from exc
        return json.loads(raw) if raw else {}

    def trigger_nightly(self, as_of: str) -> str:
        """Trigger tonight's contracts_nightly run, then unpause the three DAGs; returns the run id.

        Unpausing a DAG with a time schedule and catchup=False makes the scheduler create a run for the latest
        tick at once. So, while the DAGs are still paused, the nightly run is triggered for exactly that logical
        date (the scheduler then skips the slot), and any other DAG's pending slot (register_models also runs
        daily at 06:00) is taken by a placeholder run marked success before anything executes it.
        """
        dag = self.api("GET", "/api/v2/dags/contracts_nightly")
        logical = dag.get("next_dagrun_logical_date")
        if not logical:
            raise StackError(f"contracts_nightly has no next run yet: {dag}")
        run = self.api("POST", "/api/v2/dags/contracts_nightly/dagRuns",
                       {"logical_date": logical, "conf": {"as_of": as_of}, "note": "distributed test"})  # fmt: skip
        for dag_id in DAGS[1:]:
            slot = self.api("GET", f"/api/v2/dags/{dag_id}").get("next_dagrun_logical_date")
            if slot:
                placeholder = self.api("POST", f"/api/v2/dags/{dag_id}/dagRuns",
                                       {"logical_date": slot, "note": PLACEHOLDER_NOTE})  # fmt: skip
                self._mark_done(dag_id, str(placeholder["dag_run_id"]))
        for dag_id in DAGS:
            self.api("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
        return str(run["dag_run_id"])

    def _mark_done(self, dag_id: str, run_id: str) -> None:
        """Mark a not-yet-started run success so that no task of it ever executes (the DAG is still paused).

        Airflow 3 marks the run's pending tasks *skipped* but leaves teardown tasks (register_models'
        finish_run) to run and the run unfinished until they have: those are marked success too, then the run.
        """
        path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}"
        self.api("PATCH", path, {"state": "success"})
        for ti in self.task_instances(dag_id, run_id):
            if ti["state"] not in FINISHED_TI_STATES:
                self.api("PATCH", f"{path}/taskInstances/{ti['task_id']}", {"new_state": "success"})
        state = self.api("GET", path).get("state")
        if state != "success":
            self.api("PATCH", path, {"state": "success"})
            state = self.api("GET", path).get("state")
        if state != "success":
            raise StackError(f"could not mark the {dag_id} placeholder run {run_id} success (state {state})")

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        return list(self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns?limit=50").get("dag_runs", []))

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        return list(self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=500")
                    .get("task_instances", []))  # fmt: skip

    def wait_for_chain(self, run_id: str, timeout: float = 900) -> dict[str, dict[str, Any]]:
        """Until the triggered nightly run and the asset-triggered register_models and obligation_fanout runs
        finish; returns {dag_id: run}. Raises StackError naming the failed tasks and their logs."""
        deadline = time.monotonic() + timeout
        done: dict[str, dict[str, Any]] = {}
        while time.monotonic() < deadline:
            self._check_alive()
            for dag_id in DAGS:
                if dag_id in done:
                    continue
                runs = self.runs(dag_id)
                if dag_id == "contracts_nightly":
                    runs = [r for r in runs if r["dag_run_id"] == run_id]
                else:  # the runs the chain triggered (not placeholders)
                    runs = [r for r in runs if r.get("run_type") == "asset_triggered"]
                finished = [r for r in runs if r["state"] in ("success", "failed")]
                if finished:
                    run = finished[0]
                    if run["state"] == "failed":
                        raise StackError(self._failure_report(dag_id, run["dag_run_id"]))
                    done[dag_id] = run
            if len(done) == len(DAGS):
                return done
            time.sleep(3)
        states = {d: [r["state"] for r in self.runs(d)] for d in DAGS}
        raise StackError(f"the chain did not finish in {timeout:.0f} s: {states}; logs in {self.logs}")

    def _failure_report(self, dag_id: str, run_id: str) -> str:
        lines = [f"{dag_id} run {run_id} failed"]
        for ti in self.task_instances(dag_id, run_id):
            if ti["state"] not in ("success", "skipped"):
                lines.append(f"  {ti['task_id']}[{ti.get('map_index')}] {ti['state']} on {ti.get('hostname')}")
        logs = sorted((self.logs / "tasks").rglob("*.log"), key=lambda p: p.stat().st_mtime)[-3:]
        for log in logs:
            lines.append(f"--- {log}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-25:]))
        return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m milestones.distributed", description=__doc__.splitlines()[0])
    parser.add_argument("--inbox", type=Path, default=PROJECT_ROOT / "extractors" / "samples" / "portfolio")
    parser.add_argument("--home", type=Path, default=None, help="state folder (default: a new temp dir)")
    parser.add_argument("--as-of", default="2026-12-01")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="after the run, keep the stack up until Ctrl-C")
    args = parser.parse_args(argv)
    home = args.home or Path(tempfile.mkdtemp(prefix="milestones-celery-"))
    stack = CeleryStack(home, args.inbox.resolve(), workers=args.workers)
    try:
        with stack:
            print(f"stack up: {stack.base_url} (logs {stack.logs}, broker redis db {stack.redis_db})", flush=True)
            run_id = stack.trigger_nightly(args.as_of)
            started = time.monotonic()
            stack.wait_for_chain(run_id)
            print(f"chain finished in {time.monotonic() - started:.0f} s; warehouse {stack.warehouse}", flush=True)
            if args.keep:
                print("Ctrl-C stops everything", flush=True)
                while True:
                    time.sleep(3600)
    except KeyboardInterrupt:
        pass
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.home is None and not args.keep:
            shutil.rmtree(home / "airflow", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
