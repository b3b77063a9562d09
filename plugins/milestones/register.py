"""The obligation register: the `raw` layer of the DuckDB warehouse, written by one process at a time.

Merge semantics (why this module exists):
- re-extraction updates machine fields; fields a human decided are never overwritten — when the machine
  now proposes something else, the proposal is stored beside the decision and the row goes to re-review;
- machine milestones that disappear from a re-extracted contract are marked `removed`, never deleted;
- a contract that disappears from its source is soft-deleted;
- every change leaves an append-only audit row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb

from .migrations import migrate

__all__ = [
    "connect",
    "open_register",
    "milestone_key",
    "LoadStats",
    "start_run",
    "finish_run",
    "load_extractions",
    "quarantine",
    "soft_delete_missing",
    "known_documents",
    "quarantined_hashes",
    "write_business_calendar",
    "audit",
    "MACHINE_FIELDS",
    "REVIEW_ALLOWS_FANOUT",
]

# Fields the extractor owns; a reviewer may override any of them (then the human value wins).
MACHINE_FIELDS: tuple[str, ...] = (
    "milestone_name", "deliverable", "due_date", "responsible_party", "condition", "clause_reference",
    "obligation_type", "rule_kind", "rule_amount", "rule_unit", "rule_direction", "rule_anchor",
    "rule_frequency", "rule_date", "recurrence", "amount", "currency", "percentage", "depends_on",
    "confidence", "needs_review", "source_text", "span_start", "span_end", "page",
)  # fmt: skip

# Review states in which fan-out may act on a milestone (human values, where present, apply).
REVIEW_ALLOWS_FANOUT: tuple[str, ...] = ("not_required", "approved", "edited", "rereview")


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a read-write open brings the schema up to date first."""
    p = Path(path)
    if read_only:
        return duckdb.connect(str(p), read_only=True)
    p.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(p), config={"storage_compatibility_version": "v1.5.0"})
    con.execute("set autoinstall_known_extensions = false")
    migrate(con)
    return con


@contextmanager
def open_register(path: str | Path, read_only: bool = False):
    con = connect(path, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip().lower()


def milestone_key(contract_id: str, source_text: str, part: int) -> str:
    """Stable id across re-extractions: the contract, the evidence sentence and the part within it.

    The obligation type is deliberately not part of the key, so a re-typed milestone keeps its history and
    the human decisions attached to it.
    """
    raw = f"{contract_id}|{_norm(source_text)}|{part}"
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:20]


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        return None


def _date(value: Any) -> dt.date | None:
    if value in (None, "", "perpetual"):
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def audit(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    run_id: str | None,
    before: dict | None,
    after: dict | None,
    at: dt.datetime | None = None,
) -> None:
    con.execute(
        "insert into raw.audit_log (recorded_at, actor, action, entity, entity_id, run_id, before, after) "
        "values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            at or dt.datetime.now(dt.UTC).replace(tzinfo=None),
            actor,
            action,
            entity,
            entity_id,
            run_id,
            None if before is None else json.dumps({k: _jsonable(v) for k, v in before.items()}, sort_keys=True),
            None if after is None else json.dumps({k: _jsonable(v) for k, v in after.items()}, sort_keys=True),
        ],
    )


@dataclass
class LoadStats:
    contracts: int = 0
    milestones_inserted: int = 0
    milestones_updated: int = 0
    milestones_removed: int = 0
    milestones_unchanged: int = 0
    rereview: int = 0
    pending_review: int = 0
    warnings: list[str] = field(default_factory=list)


def start_run(
    con: duckdb.DuckDBPyConnection, run_id: str, logical_date: dt.date, extractor_version: str, model_version: str | None
) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.execute(
        "insert into raw.extraction_runs (run_id, logical_date, started_at, extractor_version, model_version, status) "
        "values (?, ?, ?, ?, ?, 'running') on conflict (run_id) do update set started_at = excluded.started_at, "
        "extractor_version = excluded.extractor_version, model_version = excluded.model_version, status = 'running'",
        [run_id, logical_date, now, extractor_version, model_version],
    )


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, **counts: int) -> None:
    sets = ", ".join(f"{k} = ?" for k in counts)
    params: list[Any] = [dt.datetime.now(dt.UTC).replace(tzinfo=None), status, *counts.values(), run_id]
    con.execute(
        f"update raw.extraction_runs set finished_at = ?, status = ?{', ' + sets if sets else ''} where run_id = ?",
        params,
    )


def known_documents(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """contract_id → its current document hash and the versions it was extracted with (for skip decisions)."""
    rows = con.execute(
        """
        select c.contract_id, c.current_document_id, d.extractor_version, d.model_version, c.status, d.path
        from raw.contracts c left join raw.documents d on d.document_id = c.current_document_id
        """
    ).fetchall()
    return {
        r[0]: {"document_id": r[1], "extractor_version": r[2], "model_version": r[3], "status": r[4], "path": r[5]}
        for r in rows
    }


def quarantined_hashes(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Hashes of files held in quarantine and not yet fixed: the same bytes are not retried every night."""
    rows = con.execute(
        "select distinct content_hash from raw.quarantine where resolved_at is null "
        "and stage in ('ingest', 'extract') and content_hash is not null and reason <> 'duplicate'"
    ).fetchall()
    return {r[0] for r in rows}


def _milestone_row(contract_id: str, m: dict, part: int, document_id: str | None) -> dict[str, Any]:
    rule = m.get("due_rule") or {}
    span = m.get("source_span") or {}
    return {
        "milestone_id": milestone_key(contract_id, m.get("source_text") or "", part),
        "contract_id": contract_id,
        "milestone_name": m.get("milestone_name"),
        "deliverable": m.get("deliverable"),
        "due_date": _date(m.get("due_date")),
        "responsible_party": m.get("responsible_party"),
        "condition": m.get("condition"),
        "clause_reference": m.get("clause_reference"),
        "obligation_type": m.get("obligation_type") or "other",
        "rule_kind": rule.get("kind"),
        "rule_amount": rule.get("amount"),
        "rule_unit": rule.get("unit"),
        "rule_direction": rule.get("direction"),
        "rule_anchor": rule.get("anchor"),
        "rule_frequency": rule.get("frequency"),
        "rule_date": _date(rule.get("date")),
        "recurrence": m.get("recurrence"),
        "amount": _decimal(m.get("amount")),
        "currency": m.get("currency"),
        "percentage": _decimal(m.get("percentage")),
        "depends_on": m.get("depends_on"),
        "confidence": float(m.get("confidence") or 0.0),
        "needs_review": bool(m.get("needs_review")),
        "source_text": m.get("source_text"),
        "span_start": span.get("start"),
        "span_end": span.get("end"),
        "page": span.get("page"),
        "document_id": document_id,
    }


def _parts(contract_id: str, milestones: Sequence[dict], document_id: str | None) -> list[dict[str, Any]]:
    """Number the milestones that share an evidence sentence (compound clauses) in text order."""
    ordered = sorted(
        milestones,
        key=lambda m: ((m.get("source_span") or {}).get("start") or 0, m.get("milestone_name") or ""),
    )
    seen: dict[str, int] = {}
    rows = []
    for m in ordered:
        n = _norm(m.get("source_text") or "")
        part = seen.get(n, 0)
        seen[n] = part + 1
        rows.append(_milestone_row(contract_id, m, part, document_id))
    return rows


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) < 1e-9
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return _decimal(a) == _decimal(b)
    return a == b


def _coerce_human(fieldname: str, value: Any) -> Any:
    if fieldname in ("due_date", "rule_date"):
        return _date(value)
    if fieldname in ("amount", "percentage"):
        return _decimal(value)
    return value


def load_extractions(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    records: Iterable[dict],
    *,
    always_review_types: Sequence[str] = ("payment", "compliance"),
    source_system: str = "folder",
    our_parties: Sequence[str] = (),
) -> LoadStats:
    """Merge extraction records (ContractExtraction.to_dict() + ingest fields) into the register."""
    stats = LoadStats()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    actor_cache: dict[str, str] = {}
    for rec in records:
        contract_id = rec["contract_id"]
        document_id = rec.get("content_hash")
        actor = actor_cache.setdefault(rec.get("extractor_version") or "", f"extractor@{rec.get('extractor_version')}")
        stats.contracts += 1
        _upsert_contract(con, rec, run_id, now, source_system, our_parties)
        _upsert_document(con, rec, run_id, now)
        _upsert_key_dates(con, rec, run_id, now, actor)
        new_rows = _parts(contract_id, rec.get("extracted_milestones") or [], document_id)
        _merge_milestones(con, contract_id, new_rows, run_id, now, actor, always_review_types, stats)
        con.execute(
            "update raw.quarantine set resolved_at = ?, resolved_by_run = ? "
            "where resolved_at is null and stage in ('ingest', 'extract') and (contract_id = ? or source_path = ?)",
            [now, run_id, contract_id, rec.get("source")],
        )
    return stats


def _counterparty(parties: Sequence[Any], our_parties: Sequence[str]) -> str | None:
    names = [p.get("name") if isinstance(p, dict) else str(p) for p in parties]
    names = [n for n in names if n]
    ours = {_norm(o) for o in our_parties}
    others = [n for n in names if _norm(n) not in ours and not any(o and o in _norm(n) for o in ours)]
    if others:
        return others[-1] if len(others) > 1 and len(others) == len(names) else others[0]
    return None


def _upsert_contract(con, rec: dict, run_id: str, now: dt.datetime, source_system: str, our_parties) -> None:
    contract_id = rec["contract_id"]
    parties = rec.get("parties") or []
    row = {
        "title": rec.get("title"),
        "source_system": rec.get("source_system") or source_system,
        "source_ref": rec.get("source"),
        "counterparty": rec.get("counterparty") or _counterparty(parties, our_parties),
        "parties": json.dumps(parties, sort_keys=True),
        "contract_type": rec.get("contract_type"),
        "parent_contract_id": rec.get("parent_contract_id"),
        "current_document_id": rec.get("content_hash"),
    }
    before = con.execute(
        "select title, source_system, source_ref, counterparty, parties, contract_type, parent_contract_id, "
        "current_document_id, status from raw.contracts where contract_id = ?",
        [contract_id],
    ).fetchone()
    if before is None:
        con.execute(
            "insert into raw.contracts (contract_id, title, source_system, source_ref, counterparty, parties, "
            "contract_type, parent_contract_id, current_document_id, status, first_seen_run, last_seen_run, updated_at) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)",
            [contract_id, *row.values(), run_id, run_id, now],
        )
        audit(con, "loader", "insert", "contract", contract_id, run_id, None, row, now)
        return
    old = dict(zip(list(row) + ["status"], before, strict=True))
    changed = {k: v for k, v in row.items() if not _same(old.get(k), v)}
    if changed or old["status"] != "active":
        sets = ", ".join(f"{k} = ?" for k in changed)
        con.execute(
            f"update raw.contracts set {sets + ', ' if sets else ''}status = 'active', deleted_at = null, "
            "last_seen_run = ?, updated_at = ? where contract_id = ?",
            [*changed.values(), run_id, now, contract_id],
        )
        audit(
            con, "loader", "update", "contract", contract_id, run_id,
            {k: old[k] for k in changed} | {"status": old["status"]}, changed | {"status": "active"}, now,
        )  # fmt: skip
    else:
        con.execute("update raw.contracts set last_seen_run = ? where contract_id = ?", [run_id, contract_id])


def _upsert_document(con, rec: dict, run_id: str, now: dt.datetime) -> None:
    con.execute(
        """
        insert into raw.documents (document_id, contract_id, path, mime, pages, size_bytes, ocr_confidence,
            extractor_version, model_version, warnings, first_seen_run, last_processed_run, processed_at)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        on conflict (document_id) do update set contract_id = excluded.contract_id, path = excluded.path,
            pages = excluded.pages, extractor_version = excluded.extractor_version,
            model_version = excluded.model_version, warnings = excluded.warnings,
            ocr_confidence = excluded.ocr_confidence,
            last_processed_run = excluded.last_processed_run, processed_at = excluded.processed_at
        """,
        [
            rec.get("content_hash"), rec["contract_id"], rec.get("source"), rec.get("mime"), rec.get("pages"),
            rec.get("size_bytes"), rec.get("ocr_confidence"), rec.get("extractor_version"), rec.get("model_version"),
            json.dumps(rec.get("warnings") or []), run_id, run_id, now,
        ],
    )  # fmt: skip


def _upsert_key_dates(con, rec: dict, run_id: str, now: dt.datetime, actor: str) -> None:
    kd = rec.get("key_dates") or {}
    exp = kd.get("expiration_date")
    row = {
        "agreement_date": _date(kd.get("agreement_date")),
        "effective_date": _date(kd.get("effective_date")),
        "expiration_date": _date(exp),
        "is_perpetual": exp == "perpetual",
        "initial_term": kd.get("initial_term"),
        "renewal_term": kd.get("renewal_term"),
        "auto_renewal": kd.get("auto_renewal"),
        "renewal_notice_period": kd.get("renewal_notice_period"),
        "next_renewal_notice_deadline": _date(kd.get("next_renewal_notice_deadline")),
    }
    before = con.execute(
        f"select {', '.join(row)} from raw.key_dates where contract_id = ?", [rec["contract_id"]]
    ).fetchone()
    if before is not None:
        old = dict(zip(row, before, strict=True))
        changed = {k: v for k, v in row.items() if not _same(old[k], v)}
        if not changed:
            return
        audit(con, actor, "update", "key_dates", rec["contract_id"], run_id, {k: old[k] for k in changed}, changed, now)
    else:
        audit(con, actor, "insert", "key_dates", rec["contract_id"], run_id, None, row, now)
    con.execute(
        f"insert or replace into raw.key_dates (contract_id, {', '.join(row)}, run_id, updated_at) "
        f"values (?, {', '.join('?' for _ in row)}, ?, ?)",
        [rec["contract_id"], *row.values(), run_id, now],
    )


def _review_status(row: dict, always_review_types: Sequence[str]) -> str:
    if row["needs_review"] or row["obligation_type"] in always_review_types:
        return "pending"
    return "not_required"


_COLUMNS = (
    "milestone_id", "contract_id", *MACHINE_FIELDS, "document_id", "origin", "lifecycle_status",
    "review_status", "human_fields", "machine_proposal", "first_seen_run", "last_seen_run", "updated_at",
)  # fmt: skip


def _merge_milestones(
    con, contract_id: str, new_rows: list[dict], run_id: str, now: dt.datetime, actor: str,
    always_review_types: Sequence[str], stats: LoadStats,
) -> None:  # fmt: skip
    cur = con.execute(
        f"select milestone_id, {', '.join(MACHINE_FIELDS)}, origin, lifecycle_status, review_status, human_fields "
        "from raw.milestones where contract_id = ?",
        [contract_id],
    )
    names = [d[0] for d in cur.description]
    existing = {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}
    seen: set[str] = set()
    for row in new_rows:
        mid = row["milestone_id"]
        seen.add(mid)
        old = existing.get(mid)
        if old is None:
            status = _review_status(row, always_review_types)
            stats.pending_review += status == "pending"
            values = row | {
                "origin": "machine", "lifecycle_status": "open", "review_status": status, "human_fields": None,
                "machine_proposal": None, "first_seen_run": run_id, "last_seen_run": run_id, "updated_at": now,
            }  # fmt: skip
            con.execute(
                f"insert into raw.milestones ({', '.join(_COLUMNS)}) values ({', '.join('?' for _ in _COLUMNS)})",
                [values[c] for c in _COLUMNS],
            )
            _upsert_evidence(con, row, run_id)
            audit(con, actor, "insert", "milestone", mid, run_id, None, {k: row[k] for k in MACHINE_FIELDS}, now)
            stats.milestones_inserted += 1
            continue
        human = json.loads(old["human_fields"]) if old["human_fields"] else {}
        machine_changes = {
            k: row[k] for k in MACHINE_FIELDS if k not in human and not _same(old[k], row[k])
        }
        disagreements = {
            k: row[k] for k in human if k in row and not _same(_coerce_human(k, human[k]), row[k])
        }
        sets: dict[str, Any] = dict(machine_changes)
        reopened = old["lifecycle_status"] == "removed"
        if reopened:
            sets["lifecycle_status"] = "open"
        if disagreements:
            sets["machine_proposal"] = json.dumps({k: _jsonable(v) for k, v in disagreements.items()}, sort_keys=True)
            if old["review_status"] != "rereview":
                sets["review_status"] = "rereview"
                stats.rereview += 1
        elif old["review_status"] in ("not_required", "pending") and not human:
            status = _review_status({**old, **machine_changes}, always_review_types)
            if status != old["review_status"]:
                sets["review_status"] = status
        if not sets:
            con.execute("update raw.milestones set last_seen_run = ? where milestone_id = ?", [run_id, mid])
            stats.milestones_unchanged += 1
            continue
        sets |= {"last_seen_run": run_id, "document_id": row["document_id"], "updated_at": now}
        con.execute(
            f"update raw.milestones set {', '.join(f'{k} = ?' for k in sets)} where milestone_id = ?",
            [*sets.values(), mid],
        )
        if machine_changes:
            _upsert_evidence(con, row, run_id)
        before = {k: old[k] for k in machine_changes} | ({"lifecycle_status": "removed"} if reopened else {})
        after = dict(machine_changes) | ({"lifecycle_status": "open"} if reopened else {})
        if machine_changes or reopened:
            audit(con, actor, "update", "milestone", mid, run_id, before, after, now)
            stats.milestones_updated += 1
        if disagreements:
            audit(
                con, actor, "machine_disagrees", "milestone", mid, run_id,
                {k: human[k] for k in disagreements}, disagreements, now,
            )  # fmt: skip
    for mid, old in existing.items():
        if mid in seen or old["origin"] != "machine" or old["lifecycle_status"] == "removed":
            continue
        con.execute(
            "update raw.milestones set lifecycle_status = 'removed', last_seen_run = ?, updated_at = ? "
            "where milestone_id = ?",
            [run_id, now, mid],
        )
        audit(con, actor, "remove", "milestone", mid, run_id, {"lifecycle_status": old["lifecycle_status"]},
              {"lifecycle_status": "removed"}, now)  # fmt: skip
        stats.milestones_removed += 1


def _upsert_evidence(con, row: dict, run_id: str) -> None:
    con.execute(
        "insert or replace into raw.evidence (milestone_id, contract_id, document_id, page, span_start, span_end, "
        "text, run_id) values (?, ?, ?, ?, ?, ?, ?, ?)",
        [row["milestone_id"], row["contract_id"], row["document_id"], row["page"], row["span_start"],
         row["span_end"], row["source_text"], run_id],
    )  # fmt: skip


def quarantine(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    stage: str,
    reason: str,
    message: str,
    *,
    contract_id: str | None = None,
    source_path: str | None = None,
    content_hash: str | None = None,
) -> str:
    """Record why something was held back; the same problem in the same run is recorded once."""
    qid = hashlib.sha1(f"{run_id}|{stage}|{contract_id}|{source_path}|{reason}".encode()).hexdigest()[:20]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    exists = con.execute("select 1 from raw.quarantine where quarantine_id = ?", [qid]).fetchone()
    if exists:
        return qid
    con.execute(
        "insert into raw.quarantine (quarantine_id, run_id, stage, contract_id, source_path, content_hash, reason, "
        "message, quarantined_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [qid, run_id, stage, contract_id, source_path, content_hash, reason, message, now],
    )
    audit(con, "loader", "quarantine", "document" if stage != "gate" else "batch", contract_id or source_path or qid,
          run_id, None, {"stage": stage, "reason": reason, "message": message}, now)  # fmt: skip
    return qid


def soft_delete_missing(con: duckdb.DuckDBPyConnection, run_id: str, present: Iterable[str], source_system: str) -> int:
    """Mark contracts of `source_system` that are no longer in the source as deleted (rows stay)."""
    present_set = set(present)
    rows = con.execute(
        "select contract_id from raw.contracts where status = 'active' and source_system = ?", [source_system]
    ).fetchall()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    n = 0
    for (cid,) in rows:
        if cid in present_set:
            continue
        con.execute(
            "update raw.contracts set status = 'deleted', deleted_at = ?, updated_at = ? where contract_id = ?",
            [now, now, cid],
        )
        audit(con, "loader", "soft_delete", "contract", cid, run_id, {"status": "active"}, {"status": "deleted"}, now)
        n += 1
    return n


def write_business_calendar(con: duckdb.DuckDBPyConnection, first_year: int, last_year: int, country: str = "US") -> int:
    """Fill raw.business_calendar (weekends and public holidays) so dbt can do business-day arithmetic."""
    import holidays

    have = con.execute(
        "select count(*) from raw.business_calendar where calendar_date between ? and ?",
        [dt.date(first_year, 1, 1), dt.date(last_year, 12, 31)],
    ).fetchone()
    days = (dt.date(last_year, 12, 31) - dt.date(first_year, 1, 1)).days + 1
    if have and have[0] == days:
        return 0
    cal = holidays.country_holidays(country, years=range(first_year, last_year + 1))
    rows = []
    d = dt.date(first_year, 1, 1)
    while d.year <= last_year:
        name = cal.get(d)
        rows.append((d, d.weekday() < 5 and name is None, name))
        d += dt.timedelta(days=1)
    con.execute("delete from raw.business_calendar where calendar_date between ? and ?",
                [dt.date(first_year, 1, 1), dt.date(last_year, 12, 31)])  # fmt: skip
    con.executemany("insert into raw.business_calendar values (?, ?, ?)", rows)
    return len(rows)
