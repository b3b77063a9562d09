"""Read queries of the review app (queue, contracts, timeline, audit, calendar) — SQL in one place."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import duckdb

from .store import has_table, latest_logical_date, rows

__all__ = [
    "QueueFilter",
    "QUEUE_STATUSES",
    "get_queue",
    "get_contracts",
    "get_contract",
    "get_contract_milestones",
    "get_milestone",
    "get_contract_audit",
    "get_timeline",
    "is_known_owner",
    "get_filter_options",
    "AUDIT_CONTRACT_SQL",
]

QUEUE_STATUSES = ("pending", "rereview")
ALL_STATUSES = ("not_required", "pending", "approved", "rejected", "edited", "rereview")

_MILESTONE_COLUMNS = """
    m.milestone_id, m.contract_id, c.counterparty, c.title as contract_title, m.obligation_type, m.milestone_name,
    m.deliverable, m.due_date, m.responsible_party, m.condition, m.clause_reference, m.rule_kind, m.rule_amount,
    m.rule_unit, m.rule_direction, m.rule_anchor, m.rule_frequency, m.rule_date, m.recurrence, m.amount,
    m.currency, m.percentage, m.confidence, m.needs_review, m.source_text, m.span_start, m.span_end, m.page,
    m.document_id, m.origin, m.lifecycle_status, m.review_status, m.human_fields, m.machine_proposal,
    m.updated_at
"""

# The contract an audit row belongs to: direct for contract-level entities, through the milestone (or the
# outbox message's milestone) otherwise, else whatever the row's JSON names. Same rule as mart_audit_trail.
AUDIT_CONTRACT_SQL = """
    select a.*,
        coalesce(
            case when a.entity in ('contract', 'key_dates', 'document', 'api_extraction') then a.entity_id end,
            m.contract_id,
            om.contract_id,
            json_extract_string(a.after, '$.contract_id'),
            jm.contract_id
        ) as contract_id,
        coalesce(m.milestone_id, o.milestone_id, json_extract_string(a.after, '$.milestone_id')) as milestone_id
    from raw.audit_log as a
    left join raw.milestones as m on a.entity = 'milestone' and a.entity_id = m.milestone_id
    left join raw.outbox as o on a.entity = 'outbox' and a.entity_id = o.message_id
    left join raw.milestones as om on o.milestone_id = om.milestone_id
    left join raw.milestones as jm on json_extract_string(a.after, '$.milestone_id') = jm.milestone_id
"""


@dataclass(frozen=True)
class QueueFilter:
    contract_id: str | None = None
    obligation_type: str | None = None
    max_confidence: float | None = None
    due_within_days: int | None = None
    statuses: tuple[str, ...] = QUEUE_STATUSES
    limit: int = 200
    offset: int = 0


def _decode(r: dict[str, Any]) -> dict[str, Any]:
    for k in ("human_fields", "machine_proposal", "before", "after", "parties"):
        if k in r and isinstance(r[k], str):
            try:
                r[k] = json.loads(r[k])
            except ValueError:
                pass
    return r


def get_queue(con: duckdb.DuckDBPyConnection, f: QueueFilter) -> tuple[list[dict[str, Any]], int, dt.date | None]:
    """Milestones waiting for a human (pending, rereview), most urgent first; (rows, total, as_of)."""
    as_of = latest_logical_date(con)
    where = ["m.lifecycle_status <> 'removed'", "m.superseded_by_contract_id is null", "c.status = 'active'",
             f"m.review_status in ({', '.join('?' for _ in f.statuses)})"]  # fmt: skip
    params: list[Any] = list(f.statuses)
    if f.contract_id:
        where.append("m.contract_id = ?")
        params.append(f.contract_id)
    if f.obligation_type:
        where.append("m.obligation_type = ?")
        params.append(f.obligation_type)
    if f.max_confidence is not None:
        where.append("m.confidence <= ?")
        params.append(f.max_confidence)
    if f.due_within_days is not None and as_of is not None:
        where.append("m.due_date <= ?")  # overdue counts as due soon
        params.append(as_of + dt.timedelta(days=f.due_within_days))
    sql_where = " and ".join(where)
    base = f"from raw.milestones as m join raw.contracts as c on m.contract_id = c.contract_id where {sql_where}"
    total = con.execute(f"select count(*) {base}", params).fetchone()
    found = rows(
        con,
        f"select {_MILESTONE_COLUMNS} {base} order by m.due_date nulls last, m.confidence, m.milestone_id "
        "limit ? offset ?",
        [*params, f.limit, f.offset],
    )
    return [_decode(r) for r in found], int(total[0]) if total else 0, as_of


def get_filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    return {
        "contracts": [r[0] for r in con.execute(
            "select contract_id from raw.contracts where status = 'active' order by contract_id").fetchall()],
        "types": [r[0] for r in con.execute(
            "select distinct obligation_type from raw.milestones order by 1").fetchall()],
    }  # fmt: skip


def get_contracts(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return rows(
        con,
        """
        select c.contract_id, c.title, c.counterparty, c.status, c.source_system,
               count(m.milestone_id) filter (where m.lifecycle_status <> 'removed') as milestones,
               count(m.milestone_id) filter (where m.lifecycle_status <> 'removed'
                                             and m.review_status in ('pending', 'rereview')) as to_review,
               min(m.due_date) filter (where m.lifecycle_status <> 'removed' and m.review_status
                                       in ('pending', 'rereview')) as next_due_to_review
        from raw.contracts as c left join raw.milestones as m on m.contract_id = c.contract_id
        group by all order by to_review desc, c.contract_id
        """,
    )


def get_contract(con: duckdb.DuckDBPyConnection, contract_id: str) -> dict[str, Any] | None:
    found = rows(
        con,
        """
        select c.*, d.path as document_path, d.mime, d.pages, d.warnings as document_warnings,
               k.agreement_date, k.effective_date, k.expiration_date, k.is_perpetual, k.initial_term,
               k.renewal_term, k.auto_renewal, k.renewal_notice_period, k.next_renewal_notice_deadline
        from raw.contracts as c
        left join raw.documents as d on d.document_id = c.current_document_id
        left join raw.key_dates as k on k.contract_id = c.contract_id
        where c.contract_id = ?
        """,
        [contract_id],
    )
    return _decode(found[0]) if found else None


def get_contract_milestones(
    con: duckdb.DuckDBPyConnection, contract_id: str, *, include_removed: bool = False
) -> list[dict[str, Any]]:
    removed = "" if include_removed else "and m.lifecycle_status <> 'removed'"
    return [_decode(r) for r in rows(
        con,
        f"select {_MILESTONE_COLUMNS} from raw.milestones as m join raw.contracts as c on m.contract_id = c.contract_id "
        f"where m.contract_id = ? {removed} order by m.span_start nulls last, m.milestone_name",
        [contract_id],
    )]  # fmt: skip


def get_milestone(con: duckdb.DuckDBPyConnection, milestone_id: str) -> dict[str, Any] | None:
    found = rows(
        con,
        f"select {_MILESTONE_COLUMNS} from raw.milestones as m join raw.contracts as c on m.contract_id = c.contract_id "
        "where m.milestone_id = ?",
        [milestone_id],
    )
    return _decode(found[0]) if found else None


def get_contract_audit(con: duckdb.DuckDBPyConnection, contract_id: str, limit: int = 500) -> list[dict[str, Any]]:
    return [_decode(r) for r in rows(
        con,
        f"select * from ({AUDIT_CONTRACT_SQL}) where contract_id = ? order by recorded_at desc, audit_id desc limit ?",
        [contract_id, limit],
    )]  # fmt: skip


def get_timeline(con: duckdb.DuckDBPyConnection, contract_id: str) -> tuple[list[dict[str, Any]], str]:
    """Occurrences of the contract's obligations, by due date: from the marts if built, else the register."""
    if has_table(con, "marts.fct_obligations"):
        return rows(
            con,
            """
            select occurrence_id, milestone_id, obligation_type, milestone_name, due_date, days_until_due,
                   obligation_status, review_status, is_cleared_for_fanout, owner, is_recurring, as_of_date
            from marts.fct_obligations where contract_id = ?
            order by due_date nulls last, milestone_name
            """,
            [contract_id],
        ), "marts.fct_obligations"
    return rows(
        con,
        "select milestone_id as occurrence_id, milestone_id, obligation_type, milestone_name, due_date, "
        "review_status, recurrence is not null as is_recurring from raw.milestones "
        "where contract_id = ? and lifecycle_status <> 'removed' order by due_date nulls last, milestone_name",
        [contract_id],
    ), "raw.milestones"


def is_known_owner(con: duckdb.DuckDBPyConnection, owner: str) -> bool:
    for table in ("marts.fct_obligations", "reference.owner_map", "raw.owner_rules"):
        if has_table(con, table) and con.execute(f"select 1 from {table} where owner = ? limit 1", [owner]).fetchone():
            return True
    return False
