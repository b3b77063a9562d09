"""The dbt manifest register_models renders from: rebuilt only when stale, never used stale, never half-written."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from milestones.dbt_manifest import ensure_manifest, fresh_manifest, manifest_path

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    dst = tmp_path / "dbt"
    shutil.copytree(DBT_DIR, dst, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return dst


def _age_project(dbt_dir: Path, seconds: float) -> None:
    """Move every project file's mtime into the past, as after a clone followed by a build."""
    past = time.time() - seconds
    for root, _dirs, files in os.walk(dbt_dir):
        for f in files:
            os.utime(os.path.join(root, f), (past, past))


def test_rebuilt_only_when_missing_or_stale(project: Path):
    assert fresh_manifest(project) is None
    path, rebuilt = ensure_manifest(project)
    assert rebuilt and path == manifest_path(project)
    nodes = json.loads(path.read_text())["nodes"]
    assert "model.milestones.fct_obligations" in nodes
    assert "snapshot.milestones.snap_obligations" in nodes
    assert fresh_manifest(project) == path
    assert ensure_manifest(project) == (path, False)

    # an edited model makes it stale: the DAG falls back to cosmos's own parser until it is rebuilt
    _age_project(project, 60)  # the manifest too
    model = project / "models" / "marts" / "fct_obligations.sql"
    edited = time.time() - 30
    os.utime(model, (edited, edited))
    assert fresh_manifest(project) is None
    _, rebuilt = ensure_manifest(project)
    assert rebuilt and fresh_manifest(project) == path


def test_a_broken_project_keeps_the_last_good_manifest(project: Path):
    path, _ = ensure_manifest(project)
    good = path.read_bytes()
    _age_project(project, 60)
    broken = project / "models" / "marts" / "broken.sql"
    broken.write_text("select {{ ref('no_such_model') }} as x\n")
    with pytest.raises(RuntimeError, match="make dbt-manifest"):
        ensure_manifest(project)
    assert path.read_bytes() == good
    assert [p.name for p in path.parent.iterdir()] == ["manifest.json"]  # the scratch folder is gone
    assert fresh_manifest(project) is None  # still stale: the broken model is newer


def test_snapshot_runs_after_the_models_it_reads():
    """With the manifest or without, the snapshot waits for what it selects from (it used to run right after the
    register gate, snapshotting the previous night's owners)."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DBT_DIR.parent / "dags" / "register_models.py"))
    assert bag.import_errors == {}
    dag = bag.dags["register_models"]
    snapshot = dag.get_task("dbt.snap_obligations_snapshot")
    ancestors = {t.task_id for t in snapshot.get_flat_relatives(upstream=True)}
    assert {"dbt.int_obligations_owned_run", "dbt.stg_register__milestones_run"} <= ancestors
