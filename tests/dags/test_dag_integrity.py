"""Every DAG file imports cleanly and carries what an on-call data engineer needs (owner, retries, tags, docs)."""

from __future__ import annotations

from pathlib import Path

import pytest

DAG_DIR = Path(__file__).resolve().parents[2] / "dags"
DAG_FILES = sorted(p for p in DAG_DIR.glob("*.py") if not p.name.startswith("_"))


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAG_DIR))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}, "\n".join(f"{k}: {v}" for k, v in dagbag.import_errors.items())


@pytest.mark.parametrize("path", DAG_FILES, ids=[p.name for p in DAG_FILES])
def test_one_dag_per_file_named_after_it(dagbag, path):
    dags = [d for d in dagbag.dags.values() if Path(d.fileloc).resolve() == path.resolve()]
    assert [d.dag_id for d in dags] == [path.stem]


@pytest.mark.parametrize("path", DAG_FILES, ids=[p.name for p in DAG_FILES])
def test_dag_conventions(dagbag, path):
    dag = dagbag.dags[path.stem]
    assert dag.tags and "contract-milestones" in dag.tags
    assert dag.doc_md and ("Writes" in dag.doc_md or "Reads" in dag.doc_md), "doc_md must say what it reads/writes"
    assert dag.start_date is not None and dag.start_date.tzinfo is not None
    assert "catchup=" in path.read_text(), "catchup is chosen on purpose in the file"
    for t in dag.tasks:
        assert t.owner and t.owner != "airflow", f"{t.task_id} has no owner"
        assert t.retries >= 2, f"{t.task_id} retries={t.retries}"


def test_writers_share_the_single_duckdb_pool(dagbag):
    """Every task that writes the warehouse runs in the one-slot pool (DuckDB allows one writer process)."""
    writers = {
        "contracts_nightly": {"plan_ingest", "quality_gate", "load_register"},
        "register_models": {"quality_gate_marts", "publish"},
        "obligation_fanout": {"fan_out", "invoice_requests", "crm_renewals"},
        "status_pullback": {"pull_status"},
        "clm_sync": {"pull_source", "plan_ingest", "quality_gate", "load_register", "write_back_dates"},
    }
    for dag_id, task_ids in writers.items():
        dag = dagbag.dags[dag_id]
        for task_id in task_ids:
            assert dag.get_task(task_id).pool == "duckdb_writer", f"{dag_id}.{task_id}"
    dbt_tasks = [t for t in dagbag.dags["register_models"].tasks if t.task_id.startswith("dbt.")]
    assert dbt_tasks and all(t.pool == "duckdb_writer" for t in dbt_tasks)


def test_asset_chain(dagbag):
    """register_models follows the register; the fan-out follows the published warehouse."""
    nightly = dagbag.dags["contracts_nightly"]
    outlets = {a.name for a in nightly.get_task("load_register").outlets}
    assert outlets == {"obligation_register"}
    assert "name='obligation_register'" in repr(dagbag.dags["register_models"].timetable.asset_condition)
    for dag_id in ("obligation_fanout", "dashboards_refresh"):
        assert "name='published_warehouse'" in repr(dagbag.dags[dag_id].timetable.asset_condition), dag_id
