"""Through the real dbt models: a dependency chain gets its dates when the predecessor completes in (fake) Jira.

Design Document (due 2026-12-10) ← Build (10 business days after approval of the Design Document) ← Build fee
(30 days after acceptance of the Build); Alpha step ↔ Beta step wait on each other (a cycle). The Design
Document's issue is marked Done in Jira; the status pull and a rebuild date the Build (a new Jira task and
calendar event with that date); the Build done in Jira dates the fee. While the Design Document is late, the
Build and, down the chain, the fee are at risk with reason predecessor_late. The cycle is reported in
marts.mart_milestone_dependencies and never followed.

Fixture: one hand-written extraction record (a made-up SOW, depends_on texts as the extractor writes them),
loaded with milestones.register like the nightly loader does; development data.
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
MODELS = "+mart_milestone_dependencies +fct_obligations"
RISK = "+mart_at_risk"


def _ms(name: str, text: str, start: int, otype: str = "delivery", **extra: object) -> dict:
    return {"milestone_name": name, "obligation_type": otype, "source_text": text,
            "source_span": {"start": start, "end": start + len(text)}, "confidence": 0.95, "needs_review": False,
            "clause_reference": f"Section {start // 100}", "responsible_party": "Acme Widgets LLC", **extra}  # fmt: skip


RECORD = {
    "contract_id": "sow-acme-2026", "content_hash": "b" * 64, "source": "sow-acme-2026.txt",
    "title": "Statement of Work No. 1", "extractor_version": "test",
    "parties": [{"name": "Northwind Traders, Inc."}, {"name": "Acme Widgets LLC"}],
    "key_dates": {"effective_date": "2026-06-01", "expiration_date": "2027-12-31"},
    "extracted_milestones": [
        _ms("Design Document", "Supplier shall deliver the Design Document by December 10, 2026.", 100,
            deliverable="Design Document", due_date="2026-12-10",
            due_rule={"kind": "absolute", "date": "2026-12-10"}),
        _ms("Build completion", "Supplier shall complete the Build within ten (10) business days after Customer's "
            "approval of the Design Document.", 200, deliverable="Build",
            depends_on="Customer's approval of the Design Document",
            due_rule={"kind": "relative", "amount": 10, "unit": "business_days", "direction": "within",
                      "anchor": "acceptance"}),
        _ms("Build fee", "Customer shall pay the Build Fee within thirty (30) days after acceptance of the Build.",
            300, otype="reporting", deliverable="Build Fee", depends_on="acceptance of the Build",
            due_rule={"kind": "relative", "amount": 30, "unit": "days", "direction": "within", "anchor": "acceptance"}),
        _ms("Alpha step", "Supplier shall start the Alpha step upon completion of the Beta step.", 400,
            depends_on="Beta step", due_rule={"kind": "relative", "direction": "on", "anchor": "completion"}),
        _ms("Beta step", "Supplier shall start the Beta step upon completion of the Alpha step.", 500,
            depends_on="Alpha step", due_rule={"kind": "relative", "direction": "on", "anchor": "completion"}),
    ],
}  # fmt: skip


def _dbt(args: list[str], warehouse: Path, work: Path, as_of: dt.date) -> None:
    """dbt in a subprocess: in-process, `import dbt` would find tests/dbt (pytest puts tests/ on sys.path)."""
    exe = Path(sys.executable).with_name("dbt")
    env = {**os.environ, "MILESTONES_WAREHOUSE": str(warehouse), "DO_NOT_TRACK": "1"}
    cmd = [str(exe), *args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--target-path",
           str(work / "target"), "--log-path", str(work / "logs"), "--vars", f"{{as_of: '{as_of.isoformat()}'}}", "--quiet"]  # fmt: skip
    res = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, f"dbt {' '.join(args)} failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"


def _rebuild(path: Path, work: Path, as_of: dt.date, *extra: str) -> None:
    _dbt(["run", "--select", *MODELS.split(), *extra], path, work, as_of)


@pytest.fixture
def built(tmp_path):
    work = tmp_path / "dbt"
    work.mkdir()
    path = tmp_path / "warehouse.duckdb"
    con = register.connect(path)
    register.start_run(con, RUN_ID, AS_OF, "test", None)
    register.load_extractions(con, RUN_ID, [RECORD], our_parties=["Northwind Traders, Inc."])
    register.write_business_calendar(con, 2025, 2028)
    register.finish_run(con, RUN_ID, "loaded")
    con.close()
    _dbt(["build", "--select", *MODELS.split(), "--resource-type", "model", "--resource-type", "seed"], path, work,
         AS_OF)  # fmt: skip
    return path, work


def _q(path: Path, sql: str) -> list[tuple]:
    con = register.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _by_name(path: Path) -> dict[str, tuple]:
    rows = _q(path, "select milestone_name, obligation_status, due_date, occurrence_id from marts.fct_obligations")
    return {r[0]: r[1:] for r in rows}


def _connectors(jira, sleeps) -> Connectors:  # type: ignore[no-untyped-def]
    return Connectors(jira=JiraBackend(JiraClient(jira.url, email="bot@example.com", api_token="jira-api-token",
                                                  sleep=sleeps), default_project="OBL"))  # fmt: skip


SETTINGS = FanoutSettings(review_base_url="https://milestones.example.com", channels=("email",))


def _first_fanout(path: Path, c: Connectors, clock: Clock, outbox: Path, jira) -> str:  # type: ignore[no-untyped-def]
    """The graph as loaded, and the first fan-out: only the Design Document has a date, so only it gets a task."""
    graph = {r[0]: r[1:] for r in _q(path, "select milestone_name, dependency_status, predecessor_name, problem "
                                           "from marts.mart_milestone_dependencies")}  # fmt: skip
    assert graph["Build completion"] == ("resolved", "Design Document", None)
    assert graph["Build fee"] == ("resolved", "Build completion", None)
    assert graph["Alpha step"][0] == graph["Beta step"][0] == "cycle"
    assert graph["Alpha step"][2] == "dependency cycle through Beta step: not followed"
    before = _by_name(path)
    assert before["Build completion"][:2] == ("awaiting_trigger", None)
    assert before["Build fee"][:2] == ("awaiting_trigger", None)
    assert before["Alpha step"][:2] == before["Beta step"][:2] == ("awaiting_trigger", None)
    first = run_fanout(AS_OF, "fanout-1", path, path, settings=SETTINGS, connectors=c, outbox_dir=outbox, clock=clock)
    assert first.eligible == 1 and first.tasks["jira"]["created"] == 1
    (design_key,) = jira.issues
    return design_key


def _design_done(path: Path, work: Path, c: Connectors, clock: Clock, outbox: Path, jira, design_key: str) -> str:  # type: ignore[no-untyped-def]
    """Approved in Jira on Wednesday 2 December: the Build is due 10 business days later, on 16 December, and
    the next fan-out opens its task and calendar event with that date."""
    jira.set_status(design_key, "Done", at="2026-12-02T10:00:00.000+0000")
    assert pull_status("pull-1", path, connectors=c, clock=clock).tasks_done == 1
    on = dt.date(2026, 12, 3)
    _rebuild(path, work, on)
    after = _by_name(path)
    assert after["Design Document"][0] == "completed"
    assert after["Build completion"] == ("open", dt.date(2026, 12, 16), f"{_mid(path, 'Build completion')}:2026-12-16")
    assert after["Build fee"][:2] == ("awaiting_trigger", None)  # the Build is not done yet
    assert after["Alpha step"][:2] == after["Beta step"][:2] == ("awaiting_trigger", None)  # never followed

    clock.advance(days=2)
    second = run_fanout(on, "fanout-2", path, path, settings=SETTINGS, connectors=c, outbox_dir=outbox, clock=clock)
    assert second.tasks["jira"]["created"] == 1 and len(jira.issues) == 2
    (build_key,) = set(jira.issues) - {design_key}
    assert jira.issues[build_key]["fields"]["duedate"] == "2026-12-16"
    events = _q(path, "select obligation_key, due_date, status from raw.calendar_events")
    assert (_mid(path, "Build completion"), dt.date(2026, 12, 16), "confirmed") in events
    feeds = list((outbox / "calendars").glob("*/*.ics"))
    assert any("DTSTART;VALUE=DATE:20261216" in p.read_text() for p in feeds)
    return build_key


def test_done_in_jira_dates_the_dependent_and_the_cycle_is_reported(built, jira, tmp_path, sleeps):
    path, work = built
    c, clock, outbox = _connectors(jira, sleeps), Clock(), tmp_path / "outbox"
    design_key = _first_fanout(path, c, clock, outbox, jira)
    _design_done(path, work, c, clock, outbox, jira, design_key)


@pytest.mark.slow
def test_lateness_travels_down_the_chain_and_each_completion_dates_the_next(built, jira, tmp_path, sleeps):
    path, work = built
    c, clock, outbox = _connectors(jira, sleeps), Clock(), tmp_path / "outbox"
    design_key = _first_fanout(path, c, clock, outbox, jira)

    # nothing done by 14 December: the Design Document is late, the Build waits on it, the fee on the Build
    _rebuild(path, work, dt.date(2026, 12, 14), RISK)
    risk = _q(path, "select milestone_name, risk_detail from marts.mart_at_risk where risk_reason = 'predecessor_late' "
                    "order by 1")  # fmt: skip
    assert [r[0] for r in risk] == ["Build completion", "Build fee"]
    assert "(overdue, next due 2026-12-10)" in risk[0][1]
    blocked = _q(path, "select milestone_name, blocking_depth from marts.mart_milestone_dependencies "
                       "where is_blocked order by 1")  # fmt: skip
    assert blocked == [("Build completion", 1), ("Build fee", 2)]

    build_key = _design_done(path, work, c, clock, outbox, jira, design_key)

    # the Build accepted in Jira on Friday 11 December: the fee is due 30 days later
    jira.set_status(build_key, "Done", at="2026-12-11T15:30:00.000+0000")
    assert pull_status("pull-2", path, connectors=c, clock=clock).tasks_done == 1
    _rebuild(path, work, dt.date(2026, 12, 12), RISK)
    assert _q(path, "select count(*) from marts.mart_at_risk where risk_reason = 'predecessor_late'") == [(0,)]
    final = _by_name(path)
    assert final["Build completion"][0] == "completed"
    assert final["Build fee"][:2] == ("open", dt.date(2027, 1, 10))
    dated = _q(path, "select milestone_name, anchor_date, due_date, is_dated_by_predecessor "
                     "from marts.mart_milestone_dependencies where dependency_status = 'resolved' order by 1")  # fmt: skip
    assert dated == [("Build completion", dt.date(2026, 12, 2), dt.date(2026, 12, 16), True),
                     ("Build fee", dt.date(2026, 12, 11), dt.date(2027, 1, 10), True)]  # fmt: skip


def _mid(path: Path, name: str) -> str:
    return _q(path, f"select milestone_id from raw.milestones where milestone_name = '{name}'")[0][0]


@pytest.mark.slow
def test_a_reviewer_marking_the_predecessor_done_dates_the_dependent_and_a_correction_moves_it(
    built, jira, tmp_path, sleeps
):
    """A reviewer records the approval (no task in any tool); the Build's task and event get the date. The
    reviewer then corrects the day: the date moves, and the same Jira issue and calendar UID are updated."""
    from milestones.review.completion import mark_completed, reopen

    path, work = built
    c, clock, outbox = _connectors(jira, sleeps), Clock(), tmp_path / "outbox"
    design, build = _mid(path, "Design Document"), _mid(path, "Build completion")

    def record(*steps) -> None:  # type: ignore[no-untyped-def]
        con = register.connect(path)
        try:
            for step in steps:
                step(con)
        finally:
            con.close()

    # approved on Friday 4 December: 10 business days later, weekends skipped, is Friday 18 December
    record(lambda con: mark_completed(con, design, dt.date(2026, 12, 4), "rita", dt.datetime(2026, 12, 5, 9, 0)))
    _rebuild(path, work, dt.date(2026, 12, 5))
    after = _by_name(path)
    assert after["Design Document"][0] == "completed"
    assert after["Build completion"][:2] == ("open", dt.date(2026, 12, 18))
    assert after["Build fee"][:2] == ("awaiting_trigger", None)
    run_fanout(dt.date(2026, 12, 5), "fanout-1", path, path, settings=SETTINGS, connectors=c, outbox_dir=outbox,
               clock=clock)  # fmt: skip
    (key,) = jira.issues  # the Build's task (the Design Document was done before it ever had one)
    assert jira.issues[key]["fields"]["duedate"] == "2026-12-18"
    (uid, seq) = _q(path, f"select uid, sequence from raw.calendar_events where obligation_key = '{build}'")[0]

    # it was really approved on Monday 7 December: the Build moves to 21 December, same task, same event
    record(lambda con: reopen(con, design, "rita", dt.datetime(2026, 12, 8, 9, 0)),
           lambda con: mark_completed(con, design, dt.date(2026, 12, 7), "rita", dt.datetime(2026, 12, 8, 9, 1)))
    _rebuild(path, work, dt.date(2026, 12, 8))
    assert _by_name(path)["Build completion"][:2] == ("open", dt.date(2026, 12, 21))
    clock.advance(days=3)
    moved = run_fanout(dt.date(2026, 12, 8), "fanout-2", path, path, settings=SETTINGS, connectors=c,
                       outbox_dir=outbox, clock=clock)  # fmt: skip
    assert moved.tasks["jira"]["updated"] == 1 and moved.tasks["jira"]["created"] == 0
    assert list(jira.issues) == [key] and jira.issues[key]["fields"]["duedate"] == "2026-12-21"
    assert _q(path, f"select uid, sequence, due_date from raw.calendar_events where obligation_key = '{build}'") == [
        (uid, seq + 1, dt.date(2026, 12, 21))]  # fmt: skip
