"""One task per approved obligation in Jira or Asana (or the local outbox), kept in step with the register.

Identity: the task belongs to the obligation key (the milestone for one-off obligations, so moving the due
date updates the same task; the occurrence for recurring ones). Before creating, the backend looks the
task up by that key (Jira label `cm-<hash>`, Asana `external:` id), so a retry after a crash between
"created" and "recorded" adopts the existing task instead of creating a second one. The row in
raw.pm_tasks is written as `creating` before the create call for the same reason.

Changes flow one way here (register → tool): due date, owner/assignee, summary and description are
pushed when their hash changes; tasks of cancelled contracts/obligations are closed. Status flows back
the other way in `milestones.fanout.pullback`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb

from ..clients import AsanaClient, JiraClient, adf_doc
from ..clients.http import DeliveryError, RateLimited
from ..register import audit
from .messages import Obligation, task_description
from .outbox import transaction
from .settings import FanoutSettings

__all__ = ["TaskSpec", "RemoteTask", "TaskBackend", "JiraBackend", "AsanaBackend", "LocalTaskBackend", "TaskStats",
           "sync_tasks", "obligation_label"]  # fmt: skip

log = logging.getLogger(__name__)
RECURRING_GRACE_DAYS = 330  # a recurring occurrence older than this left the rolling window; its task stays


def obligation_label(obligation_key: str) -> str:
    """A Jira label (no spaces, short) that finds the task of one obligation."""
    return "cm-" + hashlib.sha1(obligation_key.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class TaskSpec:
    task_key: str
    obligation_key: str
    occurrence_key: str
    milestone_id: str
    contract_id: str
    obligation_type: str
    project: str | None
    summary: str
    paragraphs: tuple[Any, ...]
    due_date: dt.date | None
    owner: str
    owner_email: str | None
    assignee: str | None  # system-specific id (Jira accountId, Asana user gid/email) or None

    @property
    def label(self) -> str:
        return obligation_label(self.obligation_key)

    @property
    def content_hash(self) -> str:
        blob = json.dumps(
            [self.summary, self.paragraphs, str(self.due_date), self.assignee, self.owner], default=str
        )
        return hashlib.sha1(blob.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class RemoteTask:
    external_id: str
    url: str | None
    status: str | None = None  # not_started | in_progress | done


class TaskBackend(Protocol):
    system: str

    def project_for(self, ob: Obligation) -> str | None: ...
    def assignee_for(self, ob: Obligation) -> str | None: ...
    def lookup(self, spec: TaskSpec) -> RemoteTask | None: ...
    def create(self, spec: TaskSpec) -> RemoteTask: ...
    def update(self, external_id: str, spec: TaskSpec) -> None: ...
    def close(self, external_id: str, reason: str) -> None: ...


class JiraBackend:
    system = "jira"

    def __init__(self, client: JiraClient, *, default_project: str = "OBL", issue_type: str = "Task",
                 assignees: dict[str, str] | None = None, lookup_users: bool = True) -> None:  # fmt: skip
        self.client = client
        self.default_project = default_project
        self.issue_type = issue_type
        self.assignees = {k.lower(): v for k, v in (assignees or {}).items()}
        self.lookup_users = lookup_users

    def project_for(self, ob: Obligation) -> str | None:
        return ob.jira_project or self.default_project

    def assignee_for(self, ob: Obligation) -> str | None:
        for key in (ob.owner, ob.owner_email):
            if key and key.lower() in self.assignees:
                return self.assignees[key.lower()]
        return self.client.account_id(ob.owner_email) if self.lookup_users else None

    def _fields(self, spec: TaskSpec) -> dict[str, Any]:
        return {
            "summary": spec.summary,
            "description": adf_doc(list(spec.paragraphs)),
            "duedate": spec.due_date.isoformat() if spec.due_date else None,
            "assignee": {"accountId": spec.assignee} if spec.assignee else None,
        }

    def lookup(self, spec: TaskSpec) -> RemoteTask | None:
        issue = self.client.find_by_label(spec.label)
        if issue is None:
            return None
        cat = (((issue.get("fields") or {}).get("status") or {}).get("statusCategory") or {}).get("key")
        from ..clients.jira import STATUS_CATEGORY

        return RemoteTask(
            issue["key"], self.client.browse_url(issue["key"]), STATUS_CATEGORY.get(cat or "", None)
        )

    def create(self, spec: TaskSpec) -> RemoteTask:
        fields = {
            "project": {"key": spec.project},
            "issuetype": {"name": self.issue_type},
            **self._fields(spec),
            "labels": ["contract-milestone", spec.label, f"obligation-{spec.obligation_type}"],
        }
        if fields["assignee"] is None:
            del fields["assignee"]
        prop = {"key": "contract-milestone", "value": {"obligationKey": spec.obligation_key,
                "occurrenceKey": spec.occurrence_key, "contractId": spec.contract_id}}  # fmt: skip
        created = self.client.create_issue(fields, [prop])
        return RemoteTask(created["key"], self.client.browse_url(created["key"]), "not_started")

    def update(self, external_id: str, spec: TaskSpec) -> None:
        self.client.update_issue(external_id, self._fields(spec))

    def close(self, external_id: str, reason: str) -> None:
        preferred = (
            ("Done", "Close", "Closed") if reason == "done" else ("Won't Do", "Cancel", "Cancelled", "Done")
        )
        self.client.close(external_id, preferred)


class AsanaBackend:
    """`use_external=True` keys tasks by Asana's custom external data (OAuth apps only). With a personal
    access token set it False: the key then lives in the task notes and lookup scans the project's tasks."""

    system = "asana"

    def __init__(self, client: AsanaClient, *, default_project: str | None = None, projects: dict[str, str] | None = None,
                 workspace: str | None = None, assignees: dict[str, str] | None = None,
                 use_external: bool = True) -> None:  # fmt: skip
        self.client = client
        self.default_project = default_project
        self.projects = dict(projects or {})
        self.workspace = workspace
        self.assignees = {k.lower(): v for k, v in (assignees or {}).items()}
        self.use_external = use_external

    @staticmethod
    def external_gid(obligation_key: str) -> str:
        return f"contract-milestones:{obligation_key}"

    def project_for(self, ob: Obligation) -> str | None:
        return self.projects.get(ob.asana_project or "", self.default_project)

    def assignee_for(self, ob: Obligation) -> str | None:
        for key in (ob.owner, ob.owner_email):
            if key and key.lower() in self.assignees:
                return self.assignees[key.lower()]
        return None

    @staticmethod
    def _notes(spec: TaskSpec) -> str:
        lines = []
        for p in spec.paragraphs:
            lines.append(p if isinstance(p, str) else "".join(text for text, _ in p))
        return "\n\n".join(lines)

    def _data(self, spec: TaskSpec) -> dict[str, Any]:
        return {"name": spec.summary, "notes": self._notes(spec),
                "due_on": spec.due_date.isoformat() if spec.due_date else None, "assignee": spec.assignee}  # fmt: skip

    @staticmethod
    def _remote(task: dict[str, Any]) -> RemoteTask:
        return RemoteTask(
            task["gid"], task.get("permalink_url"), "done" if task.get("completed") else "not_started"
        )

    def lookup(self, spec: TaskSpec) -> RemoteTask | None:
        if self.use_external:
            task = self.client.find_by_external(self.external_gid(spec.obligation_key))
            return self._remote(task) if task else None
        if not spec.project:
            return None
        marker = f"key {spec.obligation_key}."
        fields = ("name", "notes", "completed", "permalink_url")
        for task in self.client.project_tasks(spec.project, fields):
            if marker in (task.get("notes") or ""):
                return self._remote(task)
        return None

    def create(self, spec: TaskSpec) -> RemoteTask:
        data = self._data(spec)
        if not spec.assignee:
            del data["assignee"]
        if spec.project:
            data["projects"] = [spec.project]
        if self.workspace:
            data["workspace"] = self.workspace
        if self.use_external:
            data["external"] = {"gid": self.external_gid(spec.obligation_key),
                                "data": json.dumps({"contractId": spec.contract_id, "occurrenceKey": spec.occurrence_key})}  # fmt: skip
        return self._remote(self.client.create_task(data))

    def update(self, external_id: str, spec: TaskSpec) -> None:
        self.client.update_task(external_id, self._data(spec))

    def close(self, external_id: str, reason: str) -> None:
        data: dict[str, Any] = {"completed": True}
        if reason != "done":
            task = self.client.get_task(external_id, ("name",)) or {}
            name = str(task.get("name") or "")
            if not name.startswith("Cancelled: "):
                data["name"] = f"Cancelled: {name}"[:1024]
        self.client.update_task(external_id, data)


class LocalTaskBackend:
    """The embedded default: each task is a JSON file (the Jira-shaped request) under data/outbox/tasks/."""

    system = "outbox"

    def __init__(self, outbox_dir: Path) -> None:
        self.dir = Path(outbox_dir) / "tasks"

    def _path(self, obligation_key: str) -> Path:
        return self.dir / f"{obligation_key.replace(':', '_')}.json"

    def project_for(self, ob: Obligation) -> str | None:
        return ob.jira_project

    def assignee_for(self, ob: Obligation) -> str | None:
        return ob.owner_email

    def _write(self, spec: TaskSpec, status: str) -> RemoteTask:
        path = self._path(spec.obligation_key)
        path.parent.mkdir(parents=True, exist_ok=True)
        body = {"status": status, "system": "outbox", "obligation_key": spec.obligation_key,
                "occurrence_key": spec.occurrence_key, "contract_id": spec.contract_id, "project": spec.project,
                "summary": spec.summary, "description": adf_doc(list(spec.paragraphs)),
                "duedate": spec.due_date.isoformat() if spec.due_date else None, "assignee": spec.assignee,
                "owner": spec.owner, "labels": ["contract-milestone", spec.label]}  # fmt: skip
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(body, indent=1, ensure_ascii=False))
        tmp.replace(path)
        rel = f"file:tasks/{path.name}"
        return RemoteTask(rel, rel, status)

    def lookup(self, spec: TaskSpec) -> RemoteTask | None:
        path = self._path(spec.obligation_key)
        if not path.exists():
            return None
        status = json.loads(path.read_text()).get("status", "not_started")
        return RemoteTask(f"file:tasks/{path.name}", f"file:tasks/{path.name}", status)

    def create(self, spec: TaskSpec) -> RemoteTask:
        return self._write(spec, "not_started")

    def update(self, external_id: str, spec: TaskSpec) -> None:
        self._write(spec, "not_started")

    def close(self, external_id: str, reason: str) -> None:
        path = self.dir / external_id.removeprefix("file:tasks/")
        if path.exists():
            body = json.loads(path.read_text())
            body["status"] = "done" if reason == "done" else "cancelled"
            path.write_text(json.dumps(body, indent=1, ensure_ascii=False))


@dataclass
class TaskStats:
    created: int = 0
    adopted: int = 0  # found by our key instead of created (a retry after a crash, or a re-run)
    updated: int = 0
    unchanged: int = 0
    closed: int = 0
    failed: int = 0
    deferred: int = 0
    by_system: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["errors"] = self.errors[:20]
        return d


_PM_COLS = ("task_key", "occurrence_key", "milestone_id", "system", "external_id", "external_url", "status", "due_date",
            "assignee", "completed_at", "synced_at", "obligation_key", "contract_id", "project", "sync_state",
            "pushed_hash", "external_status", "last_error", "created_at", "updated_at")  # fmt: skip


def _rows(con: duckdb.DuckDBPyConnection, system: str) -> dict[str, dict[str, Any]]:
    cur = con.execute(f"select {', '.join(_PM_COLS)} from raw.pm_tasks where system = ?", [system])
    return {r[0]: dict(zip(_PM_COLS, r, strict=True)) for r in cur.fetchall()}


def _upsert(con: duckdb.DuckDBPyConnection, key: str, values: dict[str, Any]) -> None:
    exists = con.execute("select 1 from raw.pm_tasks where task_key = ?", [key]).fetchone()
    if exists:
        sets = ", ".join(f"{k} = ?" for k in values)
        con.execute(f"update raw.pm_tasks set {sets} where task_key = ?", [*values.values(), key])
    else:
        cols = ["task_key", *values]
        con.execute(f"insert into raw.pm_tasks ({', '.join(cols)}) values ({', '.join('?' for _ in cols)})",
                    [key, *values.values()])  # fmt: skip


def _key_states(
    obligations: Sequence[Obligation], quarantined: set[str]
) -> tuple[dict[str, set[str]], set[str]]:
    from .source import eligibility

    states: dict[str, set[str]] = {}
    for ob in obligations:
        reason = eligibility(ob, quarantined)
        if reason is None:
            state = "eligible"
        elif ob.review_status == "rejected":
            state = "rejected"
        else:
            state = reason
        states.setdefault(ob.obligation_key, set()).add(state)
    return states, {ob.milestone_id for ob in obligations}


def sync_tasks(
    con: duckdb.DuckDBPyConnection,
    obligations: Sequence[Obligation],
    eligible: Sequence[Obligation],
    backend: TaskBackend,
    settings: FanoutSettings,
    *,
    as_of: dt.date,
    run_id: str,
    quarantined: set[str],
    clock: Callable[[], dt.datetime],
    after_accept: Callable[[str], None] | None = None,
) -> tuple[TaskStats, dict[str, str]]:
    """Create/update/close tasks; returns the stats and {occurrence_id: task url} for the alerts."""
    stats = TaskStats()
    rows = _rows(con, backend.system)
    urls: dict[str, str] = {}
    blocked = False
    system = backend.system
    for ob in eligible:
        task_key = f"{system}:{ob.obligation_key}"
        row = rows.get(task_key)
        if row is None and (ob.days_until_due is None or ob.days_until_due > settings.task_horizon_days):
            continue  # not yet: tasks open `task_horizon_days` before the due date
        if row is not None and row["status"] in ("done", "cancelled"):
            if row["external_url"]:
                urls[ob.occurrence_id] = row["external_url"]
            continue
        if blocked:
            stats.deferred += 1
            continue
        summary, paragraphs = task_description(ob, settings)
        try:
            spec = TaskSpec(task_key, ob.obligation_key, ob.occurrence_id, ob.milestone_id, ob.contract_id,
                            ob.obligation_type, backend.project_for(ob), summary, tuple(_freeze(p) for p in paragraphs),
                            ob.due_date, ob.owner, ob.owner_email, backend.assignee_for(ob))  # fmt: skip
            now = clock()
            base = {"occurrence_key": ob.occurrence_id, "milestone_id": ob.milestone_id, "system": system,
                    "obligation_key": ob.obligation_key, "contract_id": ob.contract_id, "project": spec.project,
                    "due_date": ob.due_date, "assignee": spec.assignee or ob.owner, "updated_at": now}  # fmt: skip
            if row is None or not row["external_id"]:
                # intent first: a crash after the create call leaves this row, and the lookup below finds the task
                _upsert(con, task_key, base | {"sync_state": "creating", "created_at": (row or {}).get("created_at") or now,
                                               "status": (row or {}).get("status") or "not_started"})  # fmt: skip
                remote = backend.lookup(spec)
                if remote is None:
                    remote = backend.create(spec)
                    stats.created += 1
                    action = "create"
                else:
                    backend.update(remote.external_id, spec)
                    stats.adopted += 1
                    action = "adopt"
                if after_accept is not None:
                    after_accept(task_key)
                with transaction(con):
                    _upsert(con, task_key, base | {"external_id": remote.external_id, "external_url": remote.url,
                                                   "pushed_hash": spec.content_hash, "sync_state": "synced",
                                                   "synced_at": clock(), "last_error": None})  # fmt: skip
                    audit(con, "fanout", f"task_{action}", "pm_task", task_key, run_id, None,
                          {"system": system, "external_id": remote.external_id, "due_date": ob.due_date}, clock())  # fmt: skip
            elif row["pushed_hash"] != spec.content_hash:
                backend.update(row["external_id"], spec)
                with transaction(con):
                    _upsert(con, task_key, base | {"pushed_hash": spec.content_hash, "sync_state": "synced",
                                                   "synced_at": clock(), "last_error": None})  # fmt: skip
                    audit(con, "fanout", "task_update", "pm_task", task_key, run_id,
                          {"due_date": row["due_date"], "assignee": row["assignee"],
                           "occurrence_key": row["occurrence_key"]},
                          {"due_date": ob.due_date, "assignee": base["assignee"], "occurrence_key": ob.occurrence_id},
                          clock())  # fmt: skip
                stats.updated += 1
            else:
                if row["occurrence_key"] != ob.occurrence_id:
                    _upsert(con, task_key, {"occurrence_key": ob.occurrence_id, "updated_at": now})
                stats.unchanged += 1
            url = (rows.get(task_key) or {}).get("external_url") or _url_of(con, task_key)
            if url:
                urls[ob.occurrence_id] = url
        except DeliveryError as exc:
            stats.failed += 1
            stats.errors.append(f"{task_key}: {exc}")
            _upsert(con, task_key, {"sync_state": "failed", "last_error": str(exc)[:500], "updated_at": clock()}
                    | ({} if row else {"occurrence_key": ob.occurrence_id, "milestone_id": ob.milestone_id,
                                       "system": system, "obligation_key": ob.obligation_key,
                                       "contract_id": ob.contract_id, "status": "not_started"}))  # fmt: skip
            if isinstance(exc, RateLimited) or stats.failed >= 3 and stats.created + stats.updated == 0:
                blocked = True  # rate limited or down: leave the rest for the next run
    stats.closed += _close_stale(
        con, obligations, eligible, backend, rows, as_of, run_id, quarantined, clock, stats
    )
    n = con.execute("select count(*) from raw.pm_tasks where system = ?", [system]).fetchone()
    stats.by_system[system] = int(n[0]) if n else 0
    return stats, urls


def _freeze(p: Any) -> Any:
    return p if isinstance(p, str) else tuple(tuple(x) for x in p)


def _url_of(con: duckdb.DuckDBPyConnection, task_key: str) -> str | None:
    row = con.execute("select external_url from raw.pm_tasks where task_key = ?", [task_key]).fetchone()
    return row[0] if row else None


def _close_stale(con, obligations, eligible, backend, rows, as_of, run_id, quarantined, clock, stats) -> int:  # type: ignore[no-untyped-def]
    """Close tasks whose obligation was completed, cancelled (contract deleted), rejected or removed."""
    states, milestones = _key_states(obligations, quarantined)
    eligible_keys = {ob.obligation_key for ob in eligible}
    closed = 0
    for task_key, row in rows.items():
        if (
            row["status"] in ("done", "cancelled")
            or not row["external_id"]
            or row["obligation_key"] in eligible_keys
        ):
            continue
        st = states.get(row["obligation_key"] or "", set())
        if "completed" in st:
            reason = "done"
        elif st & {"cancelled", "rejected"}:
            reason = "cancelled"
        elif not st:
            recurring = row["obligation_key"] != row["milestone_id"]
            if (
                recurring
                and row["milestone_id"] in milestones
                and row["due_date"] is not None
                and row["due_date"] < as_of - dt.timedelta(days=RECURRING_GRACE_DAYS)
            ):
                continue  # an old occurrence that left the rolling window, not a cancellation
            reason = "cancelled"  # the obligation (or this occurrence) no longer exists
        else:
            continue  # awaiting review, no date yet, quarantined …: leave the task alone
        try:
            backend.close(row["external_id"], reason)
        except DeliveryError as exc:
            stats.failed += 1
            stats.errors.append(f"{task_key}: close: {exc}")
            continue
        now = clock()
        with transaction(con):
            _upsert(con, task_key, {"status": reason, "sync_state": "closed", "synced_at": now, "updated_at": now,
                                    "completed_at": row["completed_at"] or (now if reason == "done" else None)})  # fmt: skip
            audit(con, "fanout", "task_close", "pm_task", task_key, run_id, {"status": row["status"]},
                  {"status": reason}, now)  # fmt: skip
        closed += 1
    return closed
