"""`make demo`: run the nightly DAGs for one logical date on the embedded default and print a summary.

Embedded default: Airflow metadata in SQLite under .airflow/, the DuckDB warehouse in data/, the bundled
sample portfolio as inbox, and the local outbox instead of SaaS. Each DAG runs with `airflow dags test`
(in-process, no scheduler), in the order the assets would trigger them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from .dbt_manifest import ensure_manifest
from .paths import PROJECT_ROOT, get_paths

__all__ = ["airflow_env", "prepare", "run_dag", "summary", "main", "DAGS"]

DAGS = ("contracts_nightly", "register_models", "obligation_fanout")


def airflow_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for the embedded Airflow: defaults that the caller's environment may override."""
    env = dict(os.environ)
    defaults = {
        "AIRFLOW_HOME": str(PROJECT_ROOT / ".airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "False",
        "MILESTONES_HOME": str(PROJECT_ROOT),
        # The sample portfolio belongs to the fictional Northwind group; the other party is the counterparty.
        "MILESTONES_OUR_PARTIES": "Northwind Traders, Inc.;Northwind Health Services LLC",
    }
    for k, v in defaults.items():
        env.setdefault(k, v)
    env.setdefault("MILESTONES_WAREHOUSE", str(get_paths().warehouse))
    env.update(extra or {})
    return env


def _airflow(args: list[str], env: dict[str, str], log: Path | None = None) -> subprocess.CompletedProcess:
    exe = str(Path(sys.executable).with_name("airflow"))
    if log is None:
        return subprocess.run([exe, *args], env=env, capture_output=True, text=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as fh:
        return subprocess.run([exe, *args], env=env, stdout=fh, stderr=subprocess.STDOUT, text=True)


def prepare(env: dict[str, str]) -> None:
    """Create/upgrade the SQLite metadata DB and the single-slot DuckDB writer pool, and build the dbt manifest
    register_models renders from when it is stale (idempotent)."""
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    ensure_manifest(get_paths().dbt_project)
    for args in (["db", "migrate"], ["pools", "set", "duckdb_writer", "1", "one DuckDB writer at a time"]):
        res = _airflow(args, env)
        if res.returncode != 0:
            raise SystemExit(f"airflow {' '.join(args)} failed:\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}")


def run_dag(dag_id: str, as_of: dt.date, env: dict[str, str], log_dir: Path) -> float:
    started = time.perf_counter()
    log = log_dir / f"{dag_id}.log"
    res = _airflow(["dags", "test", dag_id, as_of.isoformat()], env, log)
    elapsed = time.perf_counter() - started
    if res.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
        raise SystemExit(f"{dag_id} failed after {elapsed:.0f} s; full log: {log}\n--- last lines ---\n{tail}")
    return elapsed


def summary(as_of: dt.date) -> dict:
    """Numbers for the closing summary, read from the published (read-only) warehouse."""
    import duckdb

    paths = get_paths()
    run_dir = paths.runs / f"nightly__{as_of.isoformat()}"
    load = json.loads((run_dir / "load_summary.json").read_text())
    with duckdb.connect(str(paths.published), read_only=True) as con:

        def one(sql: str) -> int:
            row = con.execute(sql).fetchone()
            return int(row[0]) if row and row[0] is not None else 0

        due = {
            n: one(f"select count(*) from marts.fct_obligations where obligation_status = 'open' "
                   f"and days_until_due between 0 and {n}")  # fmt: skip
            for n in (30, 60, 90)
        }
        out = {
            "as_of": as_of.isoformat(),
            "contracts_processed": load["processed"],
            "contracts_skipped": load["skipped"],
            "contracts_quarantined": load["quarantined"] + load["duplicates"],
            "contracts_in_register": one("select count(*) from marts.dim_contracts where not is_deleted"),
            "obligations": one("select count(*) from raw.milestones where lifecycle_status <> 'removed'"),
            "occurrences": one("select count(*) from marts.fct_obligations"),
            "overdue": one("select count(*) from marts.fct_obligations where obligation_status = 'overdue'"),
            "due_30": due[30],
            "due_60": due[60],
            "due_90": due[90],
            "flagged_for_review": one(
                "select count(*) from raw.milestones where review_status in ('pending', 'rereview') "
                "and lifecycle_status <> 'removed' and superseded_by_contract_id is null"
            ),
        }
    # The outbox is written after publishing, so it is read from the warehouse (no writer is running now).
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        out["alerts_queued_total"] = int(con.execute("select count(*) from raw.outbox").fetchone()[0])
        out["quarantine_open"] = int(
            con.execute("select count(*) from raw.quarantine where resolved_at is null").fetchone()[0]
        )

        def grouped(sql: str) -> dict[str, int]:
            try:
                return {str(k): int(n) for k, n in con.execute(sql).fetchall()}
            except duckdb.Error:  # a table of a later migration: absent in an older warehouse
                return {}

        out["finance_crm"] = grouped("select kind, count(*) from raw.finance_crm_outbox where status = 'sent' group by 1")
        out["evidence"] = grouped("select evidence_status, count(*) from raw.obligation_evidence group by 1")
        out["late_risk_high"] = sum(grouped(
            "select 'high', count(*) from raw.obligation_risk where late_risk_score >= 0.5 "
            f"and as_of_date = date '{as_of.isoformat()}'").values())  # fmt: skip
    from .fanout import get_outbox_counts

    out["fanout"] = get_outbox_counts()
    out["warehouse"] = str(paths.warehouse)
    out["published"] = str(paths.published)
    out["outbox"] = str(paths.outbox)
    return out


def print_summary(s: dict, fanout_new: int | None) -> None:
    print()
    print(f"contract-milestones demo — as of {s['as_of']}")
    print(f"  contracts: {s['contracts_processed']} processed, {s['contracts_skipped']} skipped (unchanged), "
          f"{s['contracts_quarantined']} quarantined; {s['contracts_in_register']} in the register")  # fmt: skip
    print(f"  obligations: {s['obligations']} found ({s['occurrences']} occurrences over the 12-month window)")
    print(f"  due: {s['due_30']} within 30 days, {s['due_60']} within 60, {s['due_90']} within 90; "
          f"{s['overdue']} overdue")  # fmt: skip
    print(f"  flagged for review: {s['flagged_for_review']}")
    new = "" if fanout_new is None else f" ({fanout_new} outbox rows new this run)"
    fo = s.get("fanout") or {}
    channels = ", ".join(f"{k} {v}" for k, v in sorted((fo.get("alerts_by_channel") or {}).items())) or "none"
    print(f"  alerts: {fo.get('alerts_sent', 0)} sent to the local outbox ({channels}), "
          f"{fo.get('alerts_waiting', 0)} waiting, {fo.get('alerts_delivery_unknown', 0)} delivery unknown{new}")
    print(f"  tasks: {fo.get('tasks', 0)}; calendar events: {fo.get('calendar_events', 0)} in "
          f"{fo.get('calendar_feeds', 0)} .ics feeds; unmapped obligations: {fo.get('unmapped_obligations', 0)}")
    fc = s.get("finance_crm") or {}
    print(f"  finance/CRM: {fc.get('draft_invoice', 0)} draft invoice requests, {fc.get('opportunity_update', 0)} CRM "
          f"updates, {fc.get('renewal_task', 0)} CRM renewal tasks")  # fmt: skip
    ev = s.get("evidence") or {}
    if ev:
        print("  completion evidence: " + ", ".join(f"{k} {v}" for k, v in sorted(ev.items())))
    print(f"  late-risk model: {s.get('late_risk_high', 0)} open occurrences likely late (score >= 0.5)")
    print(f"  warehouse: {s['warehouse']}")
    print(f"  published (read-only, for analysts/BI): {s['published']}")
    print(f"  outbox files: {s['outbox']}")
    if s["quarantine_open"]:
        print(f"  quarantine: {s['quarantine_open']} open item(s) — select * from raw.quarantine")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m milestones.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", default="2026-12-01", help="logical date of the run (YYYY-MM-DD)")
    parser.add_argument("--prepare-only", action="store_true", help="only set up the embedded Airflow home")
    args = parser.parse_args(argv)
    as_of = dt.date.fromisoformat(args.as_of)
    env = airflow_env()
    print(f"Airflow home: {env['AIRFLOW_HOME']} (SQLite metadata)")
    prepare(env)
    if args.prepare_only:
        return 0
    log_dir = get_paths().data / "logs" / f"demo-{as_of.isoformat()}"
    fanout_before = _outbox_count()
    from .risk_history import load_demo_history  # the late-risk model's past (synthetic, seeded; issue #9)

    print(f"late-risk history: {load_demo_history(get_paths().warehouse, as_of)} completed obligations (synthetic)")
    for i, dag_id in enumerate(DAGS, 1):
        print(f"[{i}/{len(DAGS)}] airflow dags test {dag_id} {as_of} …", flush=True)
        elapsed = run_dag(dag_id, as_of, env, log_dir)
        print(f"      ok in {elapsed:.0f} s (log: {log_dir / (dag_id + '.log')})", flush=True)
    s = summary(as_of)
    print_summary(s, s["alerts_queued_total"] - fanout_before if fanout_before is not None else None)
    _dashboards()
    return 0


def _dashboards() -> None:
    """Load the leadership dashboards onto the published copy (Superset, in its own virtualenv)."""
    from .dashboards import DashboardsNotInstalled, build_dashboards

    try:
        url = build_dashboards(get_paths().published)
    except DashboardsNotInstalled as exc:
        print(f"  dashboards: not built — {exc}")
        return
    print(f"  dashboards: {url} — serve them with `make dashboards` "
          f"(sign in as admin; password in {get_paths().data / 'dashboards' / 'admin_password'})")  # fmt: skip


def _outbox_count() -> int | None:
    import duckdb

    p = get_paths().warehouse
    if not p.exists():
        return 0
    with duckdb.connect(str(p), read_only=True) as con:
        row = con.execute("select count(*) from raw.outbox").fetchone()
    return int(row[0]) if row else 0


if __name__ == "__main__":
    sys.exit(main())
