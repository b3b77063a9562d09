"""The same DAGs under CeleryExecutor: PostgreSQL metadata, Redis broker, api-server, scheduler, dag-processor and
two Celery workers, each its own process (milestones.distributed). `make test-distributed`; needs PostgreSQL on
127.0.0.1:5432 (trust auth) and Redis on 127.0.0.1:6379.

Fixtures: nine contracts of the committed sample portfolio (synthetic, extractors/samples; development data)
and the cut-off PDF tests/fixtures/hostile/truncated.pdf (synthetic, make_hostile.py). Batch size 2, so the
extraction is mapped over five batches that the two workers share.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import pytest
from milestones.distributed import PLACEHOLDER_NOTE

pytestmark = [pytest.mark.distributed, pytest.mark.timeout(1800)]

ROOT = Path(__file__).resolve().parents[2]
PORTFOLIO = ROOT / "extractors" / "samples" / "portfolio"
CONTRACTS = [
    "msa-northwind-alder-creek-2024.pdf",
    "sow6-northwind-health-lakeshore-2026.docx",
    "sla-northwind-hollis-crane-2026.txt",
    "saas-northwind-gullwing-2026.pdf",
    "nda-northwind-harborview-2026.txt",
    "dist-northwind-acme-2023.txt",
    "lease-northwind-ironwood-2025.txt",
    "license-northwind-nightjar-2026.txt",
    "supply-northwind-tidewater-2025.pdf",
]
BAD = "truncated.pdf"
WRITERS = {  # every task that opens the warehouse read-write (pool duckdb_writer)
    "contracts_nightly": {"plan_ingest", "quality_gate", "load_register"},
    "obligation_fanout": {"fan_out"},
}


def _services_up() -> str | None:
    import socket

    for name, port in (("PostgreSQL", 5432), ("Redis", 6379)):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        except OSError:
            return f"{name} is not answering on 127.0.0.1:{port}"
    return None


def _per_worker(tis: dict[str, list[dict]], batches: Path) -> dict[str, dict[str, int]]:
    """{worker: {tasks, extract batches, contracts extracted}} from the task instances of the chain."""
    out: dict[str, dict[str, int]] = {}
    for ti_list in tis.values():
        for ti in ti_list:
            if not ti.get("hostname"):
                continue
            w = out.setdefault(ti["hostname"], {"tasks": 0, "extract_batches": 0, "contracts": 0})
            w["tasks"] += 1
            if ti["task_id"] == "extract":
                w["extract_batches"] += 1
                batch = batches / f"batch-{ti['map_index']:04d}.json"
                w["contracts"] += len(json.loads(batch.read_text())["items"]) if batch.exists() else 0
    return dict(sorted(out.items()))


@pytest.fixture(scope="module")
def chain(request):
    from milestones.distributed import CeleryStack

    problem = _services_up()
    if problem:
        pytest.fail(f"{problem}; start it and rerun make test-distributed")
    # Not tmp_path_factory: another pytest session starting meanwhile may prune old pytest-of-* folders,
    # and this run takes minutes. Kept after a failure (the logs are in it), removed after success.
    base = Path(tempfile.mkdtemp(prefix="milestones-distributed-"))
    inbox = base / "inbox"
    inbox.mkdir()
    for name in CONTRACTS:
        shutil.copy2(PORTFOLIO / name, inbox / name)
    shutil.copy2(ROOT / "tests" / "fixtures" / "hostile" / BAD, inbox / BAD)
    stack = CeleryStack(base / "stack", inbox, workers=2, batch_size=2)
    started = time.monotonic()
    with stack:
        up = time.monotonic()
        run_id = stack.trigger_nightly("2026-12-01")
        runs = stack.wait_for_chain(run_id, timeout=1500)
        finished = time.monotonic()
        tis = {dag_id: stack.task_instances(dag_id, run["dag_run_id"]) for dag_id, run in runs.items()}
        pools = {p["name"]: p for p in stack.api("GET", "/api/v2/pools").get("pools", [])}
        all_runs = {dag_id: stack.runs(dag_id) for dag_id in runs}
        placeholder_tis = {r["dag_run_id"]: stack.task_instances(dag_id, r["dag_run_id"])
                           for dag_id, rs in all_runs.items() for r in rs if r.get("note") == PLACEHOLDER_NOTE}  # fmt: skip
        logs = {p.name: p.log for p in stack.procs}
        pids = [p.popen.pid for p in stack.procs]
        log_text = {name: path.read_text(errors="replace") for name, path in logs.items()}
    stopped = time.monotonic()
    workers = _per_worker(tis, stack.home / "data" / "runs" / "nightly__2026-12-01" / "batches")
    summary = (f"distributed: stack up in {up - started:.0f} s, chain (3 DAG runs) in {finished - up:.0f} s, "
               f"stopped in {stopped - finished:.0f} s; per worker: "
               + "; ".join(f"{w}: {n['tasks']} tasks, {n['extract_batches']} extract batches, {n['contracts']} contracts"
                           for w, n in workers.items()))  # fmt: skip
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter and capture:  # past pytest's output capture, so `make test-distributed` shows it
        with capture.global_and_fixture_disabled():
            reporter.write_line(summary)
    # the stack is stopped: the warehouse has no writer any more
    with duckdb.connect(str(stack.warehouse), read_only=True) as con:
        register = {
            "contracts": dict(con.execute("select contract_id, status from raw.contracts").fetchall()),
            "milestones": con.execute("select count(*) from raw.milestones").fetchone()[0],
            "quarantine": con.execute("select source_path, stage, reason from raw.quarantine").fetchall(),
            "runs": con.execute("select run_id, status, contracts_processed from raw.extraction_runs").fetchall(),
            "occurrences": con.execute("select count(*) from marts.fct_obligations").fetchone()[0],
        }
    yield {"stack": stack, "runs": runs, "tis": tis, "pools": pools, "register": register, "base": base,
           "all_runs": all_runs, "placeholder_tis": placeholder_tis, "log_text": log_text, "inbox": inbox, "pids": pids}  # fmt: skip
    shutil.rmtree(base, ignore_errors=True)


def test_the_asset_chain_ran_to_success(chain):
    assert set(chain["runs"]) == {"contracts_nightly", "register_models", "obligation_fanout"}
    assert all(r["state"] == "success" for r in chain["runs"].values())
    assert chain["runs"]["register_models"]["run_type"] == "asset_triggered"
    assert chain["runs"]["obligation_fanout"]["run_type"] == "asset_triggered"


def test_no_other_run_executed(chain):
    """Only the triggered night and the runs its assets triggered did work: no scheduled run crept in."""
    assert [r["dag_run_id"] for r in chain["all_runs"]["contracts_nightly"]] == [chain["runs"]["contracts_nightly"]["dag_run_id"]]
    for dag_id in ("register_models", "obligation_fanout"):
        real = [r for r in chain["all_runs"][dag_id] if r.get("note") != PLACEHOLDER_NOTE]
        assert [r["dag_run_id"] for r in real] == [chain["runs"][dag_id]["dag_run_id"]]
    for run_id, tis in chain["placeholder_tis"].items():
        # marking a run success skips its tasks (the harness marks teardowns success); only a worker sets hostname and pid
        assert all(not ti["hostname"] and ti["pid"] is None for ti in tis), f"placeholder {run_id} executed a task"


def test_extraction_was_mapped_over_both_workers(chain):
    extract = [ti for ti in chain["tis"]["contracts_nightly"] if ti["task_id"] == "extract"]
    assert len(extract) == 5 and sorted(ti["map_index"] for ti in extract) == [0, 1, 2, 3, 4]
    assert all(ti["state"] == "success" for ti in extract)
    assert {ti["hostname"] for ti in extract} == {"worker-1", "worker-2"}
    assert {ti["queue"] for ti in extract} == {"default"}
    for ti in extract:  # the worker's own log names the mapped task it executed
        log = chain["log_text"][ti["hostname"]]
        assert re.search(rf"Executing workload in Celery:.*task_id='extract', dag_id='contracts_nightly'.*"
                         rf"map_index={ti['map_index']}\b", log), f"extract[{ti['map_index']}] not in {ti['hostname']}'s log"


def test_every_task_ran_on_a_celery_worker(chain):
    hosts = {ti["hostname"] for tis in chain["tis"].values() for ti in tis if ti["state"] == "success"}
    assert hosts <= {"worker-1", "worker-2"}


def test_warehouse_writers_never_overlapped(chain):
    """The single-slot pool held: no two read-write tasks (across the three DAGs) ran at the same time."""
    assert chain["pools"]["duckdb_writer"]["slots"] == 1
    spans = []
    for dag_id, tis in chain["tis"].items():
        for ti in tis:
            if ti.get("pool") == "duckdb_writer" and ti["state"] == "success":
                spans.append((dt.datetime.fromisoformat(ti["start_date"]), dt.datetime.fromisoformat(ti["end_date"]),
                              f"{dag_id}.{ti['task_id']}"))  # fmt: skip
    named = {s[2].split(".", 1)[1] for s in spans}
    for dag_id, tasks in WRITERS.items():
        assert tasks <= named, f"{dag_id}: writer tasks not in the pool: {tasks - named}"
    assert any(s[2].startswith("register_models.dbt.") for s in spans), "dbt tasks must use the writer pool"
    spans.sort()
    for (_s1, e1, a), (s2, _e2, b) in zip(spans, spans[1:], strict=False):
        assert s2 >= e1, f"{a} and {b} wrote at the same time"


def test_the_register_holds_every_good_contract(chain):
    reg = chain["register"]
    stems = {Path(n).stem for n in CONTRACTS}
    assert {c for c, s in reg["contracts"].items() if s == "active"} == stems
    assert reg["milestones"] > 20 and reg["occurrences"] > 0
    assert [(Path(p).name, stage, reason) for p, stage, reason in reg["quarantine"]] == [(BAD, "extract", "pdf_corrupt")]
    (run,) = reg["runs"]
    assert run[1] == "loaded" and run[2] == len(CONTRACTS)


def test_published_copy_and_outbox(chain):
    published = chain["stack"].home / "data" / "published" / "warehouse.duckdb"
    assert published.exists()
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_obligations").fetchone()[0] == chain["register"]["occurrences"]
    summary = json.loads((chain["stack"].home / "data" / "runs" / "nightly__2026-12-01" / "load_summary.json").read_text())
    assert summary["processed"] == len(CONTRACTS) and summary["quarantined"] == 1


def test_everything_started_was_stopped(chain):
    import psycopg2

    assert chain["stack"].procs == [] and len(chain["pids"]) == 5
    alive = [pid for pid in chain["pids"] if os.path.exists(f"/proc/{pid}")]
    assert alive == [], f"still running: {alive}"
    con = psycopg2.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        with con.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", [chain["stack"].database])
            assert cur.fetchone() is None, "the metadata database was not dropped"
    finally:
        con.close()
