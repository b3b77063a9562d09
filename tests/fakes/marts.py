"""A small warehouse whose marts.fct_obligations rows follow the mart's contract
(dbt/models/marts/fct_obligations.yml), built by hand so most fan-out tests need no dbt run;
tests/plugins/fanout/test_fanout_status_to_marts.py runs the real dbt models instead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from milestones import register

__all__ = ["AS_OF", "FCT_COLUMNS", "obligation_row", "Warehouse", "Clock"]

AS_OF = dt.date(2026, 12, 1)

FCT_COLUMNS = {
    "occurrence_id": "varchar", "milestone_id": "varchar", "contract_id": "varchar", "counterparty": "varchar",
    "obligation_type": "varchar", "milestone_name": "varchar", "deliverable": "varchar",
    "responsible_party": "varchar", "clause_reference": "varchar", "evidence_text": "varchar",
    "recurrence": "varchar", "owner": "varchar", "owner_kind": "varchar", "owner_email": "varchar",
    "owner_channel": "varchar", "manager": "varchar", "review_status": "varchar", "task_status": "varchar",
    "obligation_status": "varchar", "amount": "decimal(18,2)", "percentage": "decimal(9,4)", "confidence": "double",
    "days_until_due": "integer", "is_recurring": "boolean", "needs_review": "boolean",
    "is_cleared_for_fanout": "boolean", "is_default_owner": "boolean", "due_date": "date", "as_of_date": "date",
    "completed_at": "timestamp",
}  # fmt: skip


def obligation_row(milestone_id: str, due: dt.date, **over: Any) -> dict[str, Any]:
    """One fct_obligations row with sensible defaults (a cleared, open, one-off reporting obligation)."""
    row = {
        "occurrence_id": f"{milestone_id}:{due.isoformat()}", "milestone_id": milestone_id,
        "contract_id": "msa-acme-2026", "counterparty": "Acme Widgets LLC", "obligation_type": "reporting",
        "milestone_name": "Quarterly security report", "deliverable": "security report",
        "responsible_party": "Acme Widgets LLC", "clause_reference": "Section 7.2",
        "evidence_text": "Supplier shall deliver the security report by the due date.", "recurrence": None,
        "owner": "partner-reporting", "owner_kind": "team", "owner_email": "reporting@example.com",
        "owner_channel": "#partner-reporting", "manager": "head-of-legal", "review_status": "not_required",
        "task_status": None, "obligation_status": "open" if due >= AS_OF else "overdue", "amount": None,
        "percentage": None, "confidence": 0.95, "days_until_due": (due - AS_OF).days, "is_recurring": False,
        "needs_review": False, "is_cleared_for_fanout": True, "is_default_owner": False, "due_date": due,
        "as_of_date": AS_OF, "completed_at": None,
    }  # fmt: skip
    row.update(over)
    return row


class Warehouse:
    """A warehouse file with the register schema (migrations) and hand-built marts.

    Holds one connection open for the test's lifetime: DuckDB shares the database instance with the
    fan-out's own `register.connect()` in this process, which saves a re-open (~0.1 s) per query."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.con = con = register.connect(path)
        con.execute("create schema if not exists marts")
        cols = ", ".join(f"{k} {v}" for k, v in FCT_COLUMNS.items())
        con.execute(f"create table marts.fct_obligations ({cols})")
        con.execute(
            "create table marts.dim_contracts (contract_id varchar, contract_title varchar, counterparty varchar, is_deleted boolean)"
        )
        con.execute("create schema if not exists intermediate")
        con.execute("create table intermediate.int_obligations_owned (milestone_id varchar, owner varchar, "
                    "manager_email varchar, jira_project varchar, asana_project varchar)")  # fmt: skip

    def set_obligations(self, rows: list[dict[str, Any]], *, manager_email: str = "legal-lead@example.com",
                        jira_project: str = "OBL", asana_project: str = "contract-ops") -> None:  # fmt: skip
        con = self.con
        con.execute("delete from marts.fct_obligations")
        con.execute("delete from intermediate.int_obligations_owned")
        con.execute("delete from marts.dim_contracts")
        for r in rows:
            full = {k: r.get(k) for k in FCT_COLUMNS}
            con.execute(f"insert into marts.fct_obligations ({', '.join(full)}) values ({', '.join('?' for _ in full)})",
                        list(full.values()))  # fmt: skip
        for mid, owner in {(r["milestone_id"], r["owner"]) for r in rows}:
            con.execute("insert into intermediate.int_obligations_owned values (?, ?, ?, ?, ?)",
                        [mid, owner, manager_email, jira_project, asana_project])  # fmt: skip
        for cid in {r["contract_id"] for r in rows}:
            con.execute(
                "insert into marts.dim_contracts values (?, ?, ?, false)",
                [cid, f"MSA {cid}", "Acme Widgets LLC"],
            )

    @contextmanager
    def released(self) -> Iterator[None]:
        """Close the held connection for a block (a read-only open of the file needs no rw one alive)."""
        self.con.close()
        try:
            yield
        finally:
            self.con = register.connect(self.path)

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def execute(self, sql: str, params: list[Any] | None = None) -> None:
        self.con.execute(sql, params or [])


class Clock:
    """A wall clock the test moves by hand (timestamps and retry times; reminder logic uses as_of)."""

    def __init__(self, start: dt.datetime = dt.datetime(2026, 12, 1, 2, 0)) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += dt.timedelta(**kw)
