"""Status pull-back: task status from Jira/Asana into raw.pm_tasks, ITSM incidents from ServiceNow into
raw.itsm_incidents. Nightly, before the models are rebuilt: a task marked done in the tool makes its
obligation `completed` in marts.fct_obligations (the join is on occurrence key); overdue stays computed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ..clients.http import DeliveryError
from ..clients.jira import STATUS_CATEGORY
from ..paths import get_paths
from ..register import audit, open_register
from .connectors import Connectors
from .outbox import utcnow

__all__ = ["PullSummary", "pull_status", "pull_task_status", "pull_itsm"]

log = logging.getLogger(__name__)
WATERMARK = "servicenow:incident"


@dataclass
class PullSummary:
    run_id: str
    tasks_seen: int = 0
    tasks_changed: int = 0
    tasks_done: int = 0
    incidents_upserted: int = 0
    sla_rows: int = 0
    watermark: str | None = None
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _parse_ts(value: Any) -> dt.datetime | None:
    """Jira `2026-12-02T10:00:00.000+0000`, Asana `…Z`, ServiceNow `2026-03-01 08:00:00` (UTC) → naive UTC."""
    if not value:
        return None
    text = str(value).strip().replace("Z", "+00:00")
    if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    try:
        ts = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if ts.tzinfo is not None:
        ts = ts.astimezone(dt.UTC).replace(tzinfo=None)
    return ts


def _apply(con: duckdb.DuckDBPyConnection, row: tuple, status: str, external_status: str | None,
           completed_at: dt.datetime | None, run_id: str, now: dt.datetime, summary: PullSummary) -> None:  # fmt: skip
    task_key, old_status, old_completed = row
    summary.tasks_seen += 1
    completed_at = completed_at if status == "done" else None
    if status == "done" and completed_at is None:
        completed_at = old_completed or now
    if old_status == "cancelled":
        status = (
            "cancelled"  # we closed it because the obligation was cancelled; the tool's "done" means that
        )
    if status == old_status and (completed_at == old_completed):
        con.execute("update raw.pm_tasks set synced_at = ?, external_status = ? where task_key = ?",
                    [now, external_status, task_key])  # fmt: skip
        return
    con.execute(
        "update raw.pm_tasks set status = ?, completed_at = ?, external_status = ?, synced_at = ?, updated_at = ? "
        "where task_key = ?",
        [status, completed_at, external_status, now, now, task_key],
    )
    audit(con, "status_pull", "task_status", "pm_task", task_key, run_id,
          {"status": old_status, "completed_at": old_completed}, {"status": status, "completed_at": completed_at}, now)  # fmt: skip
    summary.tasks_changed += 1
    summary.tasks_done += status == "done"


def pull_task_status(con: duckdb.DuckDBPyConnection, connectors: Connectors, run_id: str, summary: PullSummary,
                     clock: Callable[[], dt.datetime] = utcnow) -> None:  # fmt: skip
    if connectors.jira is not None:
        jira = connectors.jira.client
        ours = {r[0]: r[1:] for r in con.execute(
            "select external_id, task_key, status, completed_at from raw.pm_tasks where system = 'jira' "
            "and external_id is not null").fetchall()}  # fmt: skip
        projects = sorted({r[0] for r in con.execute(
            "select distinct project from raw.pm_tasks where system = 'jira' and project is not null").fetchall()})  # fmt: skip
        if ours:
            jql = 'labels = "contract-milestone"' + (
                f" AND project in ({', '.join(projects)})" if projects else ""
            )
            try:
                for issue in jira.search(
                    jql, ["status", "resolutiondate", "statuscategorychangedate", "duedate"]
                ):
                    row = ours.get(issue["key"])
                    if row is None:
                        continue
                    st = (issue.get("fields") or {}).get("status") or {}
                    status = STATUS_CATEGORY.get(
                        ((st.get("statusCategory") or {}).get("key")) or "", "not_started"
                    )
                    f = issue.get("fields") or {}
                    done_at = _parse_ts(f.get("resolutiondate") or f.get("statuscategorychangedate"))
                    _apply(
                        con,
                        (row[0], row[1], row[2]),
                        status,
                        st.get("name"),
                        done_at,
                        run_id,
                        clock(),
                        summary,
                    )
            except DeliveryError as exc:
                summary.errors.append(f"jira: {exc}")
    if connectors.asana is not None:
        asana = connectors.asana.client
        rows = con.execute("select external_id, task_key, status, completed_at, project from raw.pm_tasks "
                           "where system = 'asana' and external_id is not null").fetchall()  # fmt: skip
        ours = {r[0]: r[1:4] for r in rows}
        try:
            for project in sorted({r[4] for r in rows if r[4]}):
                for task in asana.project_tasks(project, ("completed", "completed_at", "due_on", "name")):
                    row = ours.pop(task["gid"], None)
                    if row is None:
                        continue
                    status = "done" if task.get("completed") else "not_started"
                    _apply(con, row, status, "completed" if task.get("completed") else "incomplete",
                           _parse_ts(task.get("completed_at")), run_id, clock(), summary)  # fmt: skip
            for gid, row in ours.items():  # tasks outside any project we list: one by one
                single = asana.get_task(gid, ("completed", "completed_at"))
                if single is not None:
                    status = "done" if single.get("completed") else "not_started"
                    _apply(con, row, status, "completed" if single.get("completed") else "incomplete",
                           _parse_ts(single.get("completed_at")), run_id, clock(), summary)  # fmt: skip
        except DeliveryError as exc:
            summary.errors.append(f"asana: {exc}")


def pull_itsm(con: duckdb.DuckDBPyConnection, connectors: Connectors, run_id: str, summary: PullSummary,
              clock: Callable[[], dt.datetime] = utcnow) -> None:  # fmt: skip
    sn = connectors.servicenow
    if sn is None:
        return
    opts = connectors.servicenow_options
    wm_row = con.execute("select value from raw.watermarks where source = ?", [WATERMARK]).fetchone()
    watermark = wm_row[0] if wm_row else None
    query = "^".join(
        q
        for q in (opts.query, f"sys_updated_on>={watermark}" if watermark else "", "ORDERBYsys_updated_on")
        if q
    )
    fields = ["sys_id", "number", "priority", "state", "opened_at", "resolved_at", "sys_updated_on",
              opts.contract_field, opts.service_field]  # fmt: skip
    now = clock()
    incidents: dict[str, dict[str, Any]] = {}
    try:
        for r in sn.rows("incident", query, fields, opts.page_size):
            incidents[r["sys_id"]] = r
        breaches: dict[str, dict[str, bool]] = {}
        ids = list(incidents)
        for i in range(0, len(ids), 50):
            chunk = ids[i : i + 50]
            for s in sn.rows("task_sla", f"taskIN{','.join(chunk)}", ["task", "sla.target", "has_breached", "stage"],
                             opts.page_size):  # fmt: skip
                summary.sla_rows += 1
                target = (s.get("sla.target") or "").lower()
                flags = breaches.setdefault(s.get("task", ""), {"response": False, "resolution": False})
                if str(s.get("has_breached")).lower() == "true" and target in flags:
                    flags[target] = True
    except DeliveryError as exc:
        summary.errors.append(f"servicenow: {exc}")
        return  # nothing written: the watermark stays, the next run repeats the window
    newest = watermark
    for sys_id, r in incidents.items():
        flags = breaches.get(sys_id, {"response": False, "resolution": False})
        con.execute(
            """
            insert into raw.itsm_incidents (incident_id, contract_id, service, priority, opened_at, resolved_at,
                response_breached, resolution_breached, pulled_at, number, state, source, source_updated_at)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'servicenow', ?)
            on conflict (incident_id) do update set contract_id = excluded.contract_id, service = excluded.service,
                priority = excluded.priority, opened_at = excluded.opened_at, resolved_at = excluded.resolved_at,
                response_breached = excluded.response_breached, resolution_breached = excluded.resolution_breached,
                pulled_at = excluded.pulled_at, number = excluded.number, state = excluded.state,
                source_updated_at = excluded.source_updated_at
            """,
            [r.get("number") or sys_id, r.get(opts.contract_field) or None, r.get(opts.service_field) or None,
             r.get("priority") or None, _parse_ts(r.get("opened_at")), _parse_ts(r.get("resolved_at")),
             flags["response"], flags["resolution"], now, r.get("number"), r.get("state"),
             _parse_ts(r.get("sys_updated_on"))],
        )  # fmt: skip
        summary.incidents_upserted += 1
        if r.get("sys_updated_on") and (newest is None or r["sys_updated_on"] > newest):
            newest = r["sys_updated_on"]
    if newest and newest != watermark:
        con.execute("insert or replace into raw.watermarks (source, value, updated_at) values (?, ?, ?)",
                    [WATERMARK, newest, now])  # fmt: skip
    summary.watermark = newest


def pull_status(run_id: str, warehouse: Path | None = None, *, connectors: Connectors | None = None,
                clock: Callable[[], dt.datetime] = utcnow, as_of: dt.date | None = None) -> PullSummary:  # fmt: skip
    """Both pulls in one writer session; each system's failure is reported, not raised."""
    warehouse = Path(warehouse or get_paths().warehouse)
    if connectors is None:
        from ..hooks import get_connectors

        connectors = get_connectors()
    summary = PullSummary(run_id)
    with open_register(warehouse) as con:
        con.execute("insert or replace into raw.fanout_runs (run_id, job, as_of, started_at) values (?, 'status_pull', ?, ?)",
                    [run_id, as_of, clock()])  # fmt: skip
        pull_task_status(con, connectors, run_id, summary, clock)
        pull_itsm(con, connectors, run_id, summary, clock)
        con.execute("update raw.fanout_runs set finished_at = ?, counts = ? where run_id = ? and job = 'status_pull'",
                    [clock(), json.dumps(summary.to_dict(), default=str), run_id])  # fmt: skip
    return summary
