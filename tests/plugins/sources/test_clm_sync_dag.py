"""clm_sync: what a run pulls (params, webhook conf, asset events), and one real `airflow dags test` run against
the fake Ironclad (slow: prepares an Airflow home; `make test-slow`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from milestones.sources.runs import PullRequest, clm_run_id, resolve_request

from extractors.errors import MilestonesError

from .fake_ironclad import FakeIronclad

SAMPLES = Path(__file__).resolve().parents[3] / "extractors" / "samples" / "portfolio"
PARAMS = {"source": None, "mode": None, "record_id": None, "reprocess": False, "writeback": True}


@pytest.mark.parametrize(
    "params,conf,events,env,expected",
    [
        pytest.param(PARAMS, {}, None, {}, PullRequest("ironclad", "incremental"), id="schedule-default"),
        pytest.param(PARAMS, {}, None, {"MILESTONES_CLM_SOURCE": "docusign_clm"}, PullRequest("docusign_clm", "incremental"),
                     id="schedule-env-source"),
        pytest.param(PARAMS, {"source": "ironclad", "record_id": "rec-1", "event_id": "e1", "workflow_id": "wf"}, None, {},
                     PullRequest("ironclad", "record", ("rec-1",), (), ("e1",)), id="webhook-dag-run"),
        pytest.param(PARAMS, {"source": "ironclad", "workflow_id": "wf-9", "event_id": "e2"}, None, {},
                     PullRequest("ironclad", "record", (), ("wf-9",), ("e2",)), id="workflow-only"),
        pytest.param(PARAMS, {}, {"asset": [SimpleNamespace(extra={"source": "ironclad", "record_id": "r1", "event_id": "a"}),
                                            SimpleNamespace(extra={"source": "ironclad", "record_id": "r2", "event_id": "b"}),
                                            SimpleNamespace(extra={"source": "ironclad", "record_id": "r1", "event_id": "c"})]},
                     {}, PullRequest("ironclad", "record", ("r1", "r2"), (), ("a", "b", "c")), id="coalesced-asset-events"),
        pytest.param({**PARAMS, "mode": "backlog", "source": "docusign_clm"}, {}, None, {},
                     PullRequest("docusign_clm", "backlog"), id="backlog-param"),
    ],
)  # fmt: skip
def test_resolve_request(params, conf, events, env, expected):
    assert resolve_request(params, conf, events, env) == expected


@pytest.mark.parametrize("conf", [{"source": "icertis"}, {"mode": "record"}, {"mode": "everything"}])
def test_bad_requests_say_what_to_set(conf):
    with pytest.raises(MilestonesError):
        resolve_request(PARAMS, conf, None, {})


def test_run_ids_never_collide_with_the_nightly():
    assert clm_run_id("ironclad", "webhook__ironclad__evt/1 2") == "clm_ironclad__webhook__ironclad__evt-1-2"


@pytest.mark.e2e
@pytest.mark.slow
def test_airflow_dags_test_clm_sync_against_fake_ironclad(tmp_path):
    from milestones.demo import airflow_env, prepare

    with FakeIronclad() as fake:
        fake.add_record("rec-saas", "IC-1", "SaaS", "2026-11-02T10:00:00Z",
                        (SAMPLES / "saas-northwind-quarry-hill-2024.txt").read_bytes(), "text/plain", "saas.txt")
        fake.add_record("rec-amend", "IC-2", "Amendment", "2026-11-06T10:00:00Z",
                        (SAMPLES / "amend1-northwind-quarry-hill-2026.txt").read_bytes(), "text/plain", "a.txt",
                        parent="rec-saas")  # fmt: skip
        conn = {"conn_type": "http", "host": f"127.0.0.1:{fake.port}", "schema": "http", "login": "client-1",
                "password": "secret-1", "extra": {"as_user_email": "bot@example.com"}}  # fmt: skip
        env = airflow_env({"AIRFLOW_HOME": str(tmp_path / "airflow"), "MILESTONES_DATA": str(tmp_path / "data"),
                           "MILESTONES_WAREHOUSE": str(tmp_path / "data" / "warehouse.duckdb"),
                           "AIRFLOW_CONN_IRONCLAD": json.dumps(conn)})  # fmt: skip
        prepare(env)
        airflow = str(Path(sys.executable).with_name("airflow"))
        res = subprocess.run([airflow, "dags", "test", "clm_sync", "2026-12-01", "--conf", json.dumps({"source": "ironclad"})],
                             env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
        assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
        assert [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in fake.log if r["method"] == "PATCH"] == [
            ("PATCH", "rec-saas"), ("PATCH", "rec-amend")]  # fmt: skip
        assert fake.records["rec-saas"]["properties"]["milestonesRenewalNoticeDeadline"]["value"].startswith("2027-02-27")
    import duckdb

    con = duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True)
    assert con.execute("select contract_id, source_system, parent_contract_id from raw.contracts order by 1").fetchall() == [
        ("ironclad-IC-1", "ironclad", None), ("ironclad-IC-2", "ironclad", "ironclad-IC-1")]  # fmt: skip
    assert con.execute("select value from raw.watermarks where source = 'ironclad:updated'").fetchone() == (
        "2026-11-06T10:00:00.000000Z",)  # fmt: skip
