"""Read the obligations to fan out from the published warehouse, defensively.

The marts are owned and reworked by the warehouse side; this module asks only for columns that exist
(missing optional ones read as NULL) and takes owner-map extras (manager email, Jira/Asana project) from
`intermediate.int_obligations_owned` when it has them, else from the `reference.owner_map` seed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from ..register import REVIEW_ALLOWS_FANOUT
from .messages import Obligation

__all__ = ["read_obligations", "eligibility", "quarantined_contracts"]

REQUIRED = (
    "occurrence_id",
    "milestone_id",
    "contract_id",
    "obligation_status",
    "is_cleared_for_fanout",
    "owner",
    "due_date",
)
OPTIONAL = ("obligation_type", "milestone_name", "deliverable", "responsible_party", "clause_reference", "evidence_text",
            "counterparty", "owner_email", "owner_channel", "manager", "manager_email", "jira_project", "asana_project",
            "days_until_due", "is_recurring", "review_status", "needs_review", "is_default_owner")  # fmt: skip


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return {r[0] for r in rows}


def read_obligations(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> list[Obligation]:
    """Every occurrence in marts.fct_obligations (all statuses: cancellations matter too)."""
    fct = _columns(con, "marts", "fct_obligations")
    missing = [c for c in REQUIRED if c not in fct]
    if missing:
        raise RuntimeError(
            f"marts.fct_obligations lacks {missing}; rebuild the marts (dbt build) before the fan-out runs"
        )
    owned = _columns(con, "intermediate", "int_obligations_owned")
    seed = _columns(con, "reference", "owner_map")
    dim = _columns(con, "marts", "dim_contracts")
    extras = ("manager_email", "jira_project", "asana_project")
    use_owned = "milestone_id" in owned and bool(owned & set(extras))
    use_seed = {"owner", *extras} <= seed
    select = [f"f.{c}" for c in REQUIRED]
    for c in OPTIONAL:
        sources = [f"f.{c}"] if c in fct else []
        if c in extras and use_owned and c in owned:
            sources.append(f"o.{c}")
        if c in extras and use_seed:
            sources.append(f"s.{c}")
        select.append(f"coalesce({', '.join(sources)}) as {c}" if sources else f"null as {c}")
    title = "d.contract_title" if "contract_title" in dim else "null"
    joins = []
    if use_owned:
        joins.append("left join intermediate.int_obligations_owned o on o.milestone_id = f.milestone_id")
    if use_seed:
        joins.append(
            "left join (select owner, any_value(manager_email) as manager_email, any_value(jira_project) as jira_project,"
            " any_value(asana_project) as asana_project from reference.owner_map group by owner) s on s.owner = f.owner"
        )
    if "contract_id" in dim:
        joins.append("left join marts.dim_contracts d on d.contract_id = f.contract_id")
    sql = f"select {', '.join(select)}, {title} as contract_title from marts.fct_obligations f {' '.join(joins)} order by f.occurrence_id"
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    out = []
    for raw in cur.fetchall():
        r: dict[str, Any] = dict(zip(names, raw, strict=True))
        due = r["due_date"]
        if isinstance(due, dt.datetime):
            due = due.date()
        days = r["days_until_due"]
        if days is None and due is not None:
            days = (due - as_of).days
        out.append(
            Obligation(
                occurrence_id=r["occurrence_id"], milestone_id=r["milestone_id"], contract_id=r["contract_id"],
                obligation_type=r["obligation_type"] or "other", milestone_name=r["milestone_name"],
                deliverable=r["deliverable"], responsible_party=r["responsible_party"],
                clause_reference=r["clause_reference"], evidence_text=r["evidence_text"],
                counterparty=r["counterparty"], contract_title=r["contract_title"], owner=r["owner"] or "unassigned",
                owner_email=r["owner_email"], owner_channel=r["owner_channel"], manager=r["manager"],
                manager_email=r["manager_email"], jira_project=r["jira_project"], asana_project=r["asana_project"],
                due_date=due, days_until_due=None if days is None else int(days),
                is_recurring=bool(r["is_recurring"]), obligation_status=r["obligation_status"],
                review_status=r["review_status"], is_cleared_for_fanout=bool(r["is_cleared_for_fanout"]),
                needs_review=bool(r["needs_review"]), is_default_owner=bool(r["is_default_owner"]),
            )
        )  # fmt: skip
    return out


def quarantined_contracts(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select distinct contract_id from raw.quarantine where resolved_at is null and contract_id is not null"
    ).fetchall()
    return {r[0] for r in rows}


def eligibility(ob: Obligation, quarantined: set[str]) -> str | None:
    """None when fan-out may act on the occurrence, else the reason it may not."""
    if ob.obligation_status not in ("open", "overdue"):
        return ob.obligation_status  # completed | cancelled | awaiting_trigger
    if not ob.is_cleared_for_fanout or (
        ob.review_status is not None and ob.review_status not in REVIEW_ALLOWS_FANOUT
    ):
        return "not_cleared"
    if ob.review_status == "not_required" and ob.needs_review:
        return "needs_review"
    if ob.contract_id in quarantined:
        return "quarantined"
    if ob.due_date is None:
        return "no_due_date"
    return None


def open_published(path: Path) -> duckdb.DuckDBPyConnection:
    if not Path(path).exists():
        raise FileNotFoundError(f"{path}: no published warehouse yet; run register_models (make demo) first")
    return duckdb.connect(str(path), read_only=True)
