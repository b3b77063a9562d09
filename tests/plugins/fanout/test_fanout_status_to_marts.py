"""Through the real dbt models: an issue marked Done in (fake) Jira makes its obligation `completed` in
marts.fct_obligations after the status pull and a rebuild — and the next fan-out leaves it alone.

Fixture: one hand-written extraction record (a made-up MSA with one reporting obligation due
2026-12-15), loaded with milestones.register like the nightly loader does; development data.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fakes.marts import AS_OF, Clock
from milestones import register
from milestones.clients import JiraClient
from milestones.fanout import Connectors, FanoutSettings, run_fanout
from milestones.fanout.pullback import pull_status
from milestones.fanout.tasks import JiraBackend

DBT_DIR = Path(__file__).resolve().parents[3] / "dbt"
RUN_ID = "nightly__2026-12-01"
RECORD = {
    "contract_id": "msa-acme-2026", "content_hash": "a" * 64, "source": "msa-acme-2026.txt",
    "title": "Master Services Agreement", "extractor_version": "test",
    "parties": [{"name": "Northwind Traders, Inc."}, {"name": "Acme Widgets LLC"}],
    "key_dates": {"effective_date": "2026-01-01", "expiration_date": "2027-12-31"},
    "extracted_milestones": [{
        "milestone_name": "Security report", "due_date": "2026-12-15", "obligation_type": "reporting",
        "source_text": "Supplier shall deliver the security report to Customer by December 15, 2026.",
        "source_span": {"start": 100, "end": 176}, "confidence": 0.95, "needs_review": False,
        "clause_reference": "Section 7.2", "responsible_party": "Acme Widgets LLC",
    }],
}  # fmt: skip


def _dbt(args: list[str], warehouse: Path, work: Path) -> None:
    """dbt in a subprocess: in-process, `import dbt` would find tests/dbt (pytest puts tests/ on sys.path)."""
    exe = Path(sys.executable).with_name("dbt")
    env = {**os.environ, "MILESTONES_WAREHOUSE": str(warehouse), "DO_NOT_TRACK": "1"}
    cmd = [str(exe), *args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--target-path",
           str(work / "target"), "--log-path", str(work / "logs"), "--vars", f"{{as_of: '{AS_OF.isoformat()}'}}", "--quiet"]  # fmt: skip
    res = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, f"dbt {' '.join(args)} failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    work = tmp_path_factory.mktemp("status-to-marts")
    path = work / "warehouse.duckdb"
    con = register.connect(path)
    register.start_run(con, RUN_ID, AS_OF, "test", None)
    register.load_extractions(con, RUN_ID, [RECORD], our_parties=["Northwind Traders, Inc."])
    register.write_business_calendar(con, 2025, 2028)
    register.finish_run(con, RUN_ID, "loaded")
    con.close()
    _dbt(
        ["build", "--select", "+fct_obligations", "--resource-type", "model", "--resource-type", "seed"],
        path,
        work,
    )
    return path, work


def _fct(path: Path) -> list[tuple]:
    con = register.connect(path)
    try:
        return con.execute(
            "select obligation_status, completed_at, owner from marts.fct_obligations"
        ).fetchall()
    finally:
        con.close()


def test_done_in_jira_completes_the_obligation_in_the_marts(built, jira, tmp_path, sleeps):
    path, work = built
    settings = FanoutSettings(review_base_url="https://milestones.example.com", channels=("email",))
    c = Connectors(jira=JiraBackend(JiraClient(jira.url, email="bot@example.com", api_token="jira-api-token",
                                               sleep=sleeps), default_project="OBL"))  # fmt: skip
    clock = Clock()
    first = run_fanout(AS_OF, "fanout-1", path, path, settings=settings, connectors=c, outbox_dir=tmp_path / "outbox",
                       clock=clock)  # fmt: skip
    assert first.eligible == 1 and first.tasks["jira"]["created"] == 1 and first.alerts["sent"] == 1
    assert _fct(path) == [("open", None, "partner-reporting")]  # owner from dbt/seeds/owner_map.csv
    (key,) = jira.issues
    assert jira.issues[key]["fields"]["project"] == {"key": "OBL"}

    jira.set_status(key, "Done", at="2026-12-02T10:00:00.000+0000")
    pulled = pull_status("pull-1", path, connectors=c, clock=clock)
    assert pulled.tasks_done == 1
    # rebuild what lies between the task table and the fact (whatever the warehouse side puts there)
    _dbt(["run", "--select", "stg_register__pm_tasks+,+fct_obligations"], path, work)
    assert _fct(path) == [("completed", dt.datetime(2026, 12, 2, 10, 0), "partner-reporting")]

    clock.advance(days=1)
    later = run_fanout(AS_OF + dt.timedelta(days=7), "fanout-2", path, path, settings=settings, connectors=c,
                       outbox_dir=tmp_path / "outbox", clock=clock)  # fmt: skip
    assert later.eligible == 0 and later.alerts["sent"] == 0  # no reminder for a completed obligation
    assert later.calendars["cancelled"] == 1 and later.tasks["jira"]["closed"] == 0  # done stays done
    assert len(jira.issues) == 1
