"""The obligation register: the `raw` layer of the DuckDB warehouse, written by one process at a time.

Merge semantics (why this module exists):
- re-extraction updates machine fields; fields a human decided are never overwritten — when the machine
  now proposes something else, the proposal is stored beside the decision and the row goes to re-review;
- machine milestones that disappear from a re-extracted contract are marked `removed`, never deleted;
- a contract that disappears from its source is soft-deleted;
- every change leaves an append-only audit row.

A load is one transaction and works in bulk: the current state of every contract in the batch is read with
one query per table, the merge is decided in Python, and the changes are written as set-based statements
from DataFrames (one DuckDB round trip per table, not per row — 50k contracts load in minutes, not hours;
`python -m milestones.register_bench` prints the numbers).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
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
    "transaction",
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

_JSON_COLUMNS = {"parties", "warnings", "human_fields", "machine_proposal", "before", "after"}


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
def open_register(path: str | Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: begin, commit on success, roll back on any error. Inside a transaction the caller
    already opened (DuckDB has no nested transactions) it joins that one, and the caller decides."""
    if _in_transaction(con):
        yield con
        return
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def _in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    # In autocommit mode every statement is its own transaction, inside an explicit one they share an id.
    # (Probing with a second BEGIN would abort the caller's transaction.)
    first = con.execute("select txid_current()").fetchall()
    second = con.execute("select txid_current()").fetchall()
    return first == second


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


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
        d = Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _date(value: Any) -> dt.date | None:
    """An ISO date (or datetime) as a date; None for empty, 'perpetual' and anything unparseable."""
    if value in (None, "", "perpetual"):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _json(value: dict | None) -> str | None:
    return None if value is None else json.dumps({k: _jsonable(v) for k, v in value.items()}, sort_keys=True)


# --- bulk writing -------------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A value as the text DuckDB casts back to the column type (exact for floats and decimals)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, Decimal, int)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, sort_keys=True)
    return str(value)


class _Bulk:
    """Writes rows to a raw.* table through one registered DataFrame per statement."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._types: dict[str, dict[str, str]] = {}

    def types(self, table: str) -> dict[str, str]:
        if table not in self._types:
            rows = self.con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw' and table_name = ?",
                [table],
            ).fetchall()
            self._types[table] = {r[0]: r[1] for r in rows}
        return self._types[table]

    @contextmanager
    def frame(self, table: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> Iterator[str]:
        """Register `rows` as a view of text columns; yield `select <typed columns>` over it."""
        import pandas as pd

        name = f"bulk_{table}_{uuid.uuid4().hex[:8]}"
        data = {c: pd.array([_text(r.get(c)) for r in rows], dtype="string") for c in columns}
        self.con.register(name, pd.DataFrame(data, columns=list(columns)))
        types = self.types(table)
        select = ", ".join(f'cast("{c}" as {types[c]}) as "{c}"' for c in columns)
        try:
            yield f"select {select} from {name}"
        finally:
            self.con.unregister(name)

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[dict[str, Any]], suffix: str = "") -> None:
        if not rows:
            return
        cols = ", ".join(f'"{c}"' for c in columns)
        with self.frame(table, columns, rows) as select:
            self.con.execute(f"insert {suffix} into raw.{table} ({cols}) {select}")

    def update(self, table: str, key: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
        """Set `columns` of the rows whose `key` matches, each to its own new value."""
        if not rows:
            return
        sets = ", ".join(f'"{c}" = s."{c}"' for c in columns if c != key)
        with self.frame(table, [key, *[c for c in columns if c != key]], rows) as select:
            self.con.execute(f'update raw.{table} as t set {sets} from ({select}) as s where t."{key}" = s."{key}"')

    def set_where_in(self, table: str, key: str, keys: Iterable[str], assignments: str, params: list[Any]) -> None:
        """`update raw.<table> set <assignments> where <key> in keys` as one statement."""
        keys = sorted(set(keys))
        if not keys:
            return
        with self.frame(table, [key], [{key: k} for k in keys]) as select:
            self.con.execute(
                f'update raw.{table} set {assignments} where "{key}" in (select "{key}" from ({select}))', params
            )


_AUDIT_COLUMNS = ("recorded_at", "actor", "action", "entity", "entity_id", "run_id", "before", "after")


def _audit_row(
    actor: str, action: str, entity: str, entity_id: str, run_id: str | None,
    before: dict | None, after: dict | None, at: dt.datetime,
) -> dict[str, Any]:  # fmt: skip
    return {"recorded_at": at, "actor": actor, "action": action, "entity": entity, "entity_id": entity_id,
            "run_id": run_id, "before": _json(before), "after": _json(after)}  # fmt: skip


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
    """Append one audit row (for single events: decisions, sends; loads write theirs in bulk)."""
    con.execute(
        f"insert into raw.audit_log ({', '.join(_AUDIT_COLUMNS)}) values (?, ?, ?, ?, ?, ?, ?, ?)",
        [at or _now(), actor, action, entity, entity_id, run_id, _json(before), _json(after)],
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
    con.execute(
        "insert into raw.extraction_runs (run_id, logical_date, started_at, extractor_version, model_version, status) "
        "values (?, ?, ?, ?, ?, 'running') on conflict (run_id) do update set started_at = excluded.started_at, "
        "logical_date = excluded.logical_date, extractor_version = excluded.extractor_version, "
        "model_version = excluded.model_version, status = 'running'",
        [run_id, logical_date, _now(), extractor_version, model_version],
    )


_RUN_COUNTS = ("contracts_seen", "contracts_processed", "contracts_skipped", "contracts_quarantined",
               "milestones_loaded")  # fmt: skip


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, **counts: int) -> None:
    unknown = set(counts) - set(_RUN_COUNTS)
    if unknown:
        raise ValueError(f"finish_run: unknown count(s) {sorted(unknown)}; use {', '.join(_RUN_COUNTS)}")
    sets = "".join(f", {k} = ?" for k in counts)
    con.execute(
        f"update raw.extraction_runs set finished_at = ?, status = ?{sets} where run_id = ?",
        [_now(), status, *counts.values(), run_id],
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


# --- merge --------------------------------------------------------------------------------------------------


def _milestone_row(contract_id: str, m: dict, part: int, document_id: str | None, warnings: list[str]) -> dict[str, Any]:
    rule = m.get("due_rule") or {}
    span = m.get("source_span") or {}
    row: dict[str, Any] = {
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
        "rule_amount": _int(rule.get("amount")),
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
        "confidence": None,
        "needs_review": bool(m.get("needs_review")),
        "source_text": m.get("source_text"),
        "span_start": _int(span.get("start")),
        "span_end": _int(span.get("end")),
        "page": _int(span.get("page")),
        "document_id": document_id,
    }
    # Values that cannot be stored as their type are dropped with a warning and the milestone goes to a
    # reviewer — the quality gate stops such batches first; this keeps a bypassing caller from crashing.
    problems = []
    for name, raw_value in (("due_date", m.get("due_date")), ("rule_date", rule.get("date"))):
        if raw_value not in (None, "", "perpetual") and row[name] is None:
            problems.append(f"{name} {raw_value!r} is not a date")
    for name, raw_value in (("amount", m.get("amount")), ("percentage", m.get("percentage"))):
        if raw_value not in (None, "") and row[name] is None:
            problems.append(f"{name} {raw_value!r} is not a number")
    try:
        confidence = float(m.get("confidence") or 0.0)
    except (TypeError, ValueError):
        confidence = float("nan")
    if not 0.0 <= confidence <= 1.0:  # also catches NaN
        problems.append(f"confidence {m.get('confidence')!r} is outside [0, 1]")
        confidence = 0.0
    row["confidence"] = confidence
    if problems:
        row["needs_review"] = True
        warnings.append(f"{contract_id} {row['milestone_id']}: " + "; ".join(problems) + " — stored empty, sent to review")
    return row


def _parts(contract_id: str, milestones: Sequence[dict], document_id: str | None, warnings: list[str]) -> list[dict[str, Any]]:
    """Number the milestones that share an evidence sentence (compound clauses) in text order."""
    ordered = sorted(
        (m for m in milestones if isinstance(m, dict)),
        key=lambda m: (_int((m.get("source_span") or {}).get("start")) or 0, m.get("milestone_name") or ""),
    )
    seen: dict[str, int] = {}
    rows = []
    for m in ordered:
        n = _norm(m.get("source_text") or "")
        part = seen.get(n, 0)
        seen[n] = part + 1
        rows.append(_milestone_row(contract_id, m, part, document_id, warnings))
    return rows


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) < 1e-9
        except (TypeError, ValueError):
            return False
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return _decimal(a) == _decimal(b)
    if isinstance(a, dt.date) or isinstance(b, dt.date):
        return _date(a) == _date(b)
    return a == b


def _same_json(a: Any, b: Any) -> bool:
    parse = lambda v: json.loads(v) if isinstance(v, str) else v  # noqa: E731
    return parse(a) == parse(b)


def _coerce_human(fieldname: str, value: Any) -> Any:
    if fieldname in ("due_date", "rule_date"):
        return _date(value)
    if fieldname in ("amount", "percentage"):
        return _decimal(value)
    return value


def _review_status(row: dict, always_review_types: Sequence[str]) -> str:
    if row["needs_review"] or row["obligation_type"] in always_review_types:
        return "pending"
    return "not_required"


_MILESTONE_COLUMNS = (
    "milestone_id", "contract_id", *MACHINE_FIELDS, "document_id", "origin", "lifecycle_status",
    "review_status", "human_fields", "machine_proposal", "first_seen_run", "last_seen_run", "updated_at",
)  # fmt: skip
_CONTRACT_FIELDS = ("title", "source_system", "source_ref", "counterparty", "parties", "contract_type",
                    "parent_contract_id", "current_document_id")  # fmt: skip
_KEY_DATE_FIELDS = ("agreement_date", "effective_date", "expiration_date", "is_perpetual", "initial_term",
                    "renewal_term", "auto_renewal", "renewal_notice_period", "next_renewal_notice_deadline")  # fmt: skip
_DOCUMENT_COLUMNS = ("document_id", "contract_id", "path", "mime", "pages", "size_bytes", "ocr_confidence",
                     "extractor_version", "model_version", "warnings", "first_seen_run", "last_processed_run",
                     "processed_at")  # fmt: skip
_EVIDENCE_COLUMNS = ("milestone_id", "contract_id", "document_id", "page", "span_start", "span_end", "text", "run_id")


_ENTITY_SUFFIX = re.compile(
    r"\b(?:incorporated|inc|corporation|corp|company|co|limited|ltd|llc|l l c|llp|lp|plc|gmbh|ag|sa|nv|bv|pty|pte)\b"
)


def company_key(name: str) -> str:
    """A company name without case, punctuation and legal-form suffixes: "NORTHWIND TRADERS" and
    "Northwind Traders, Inc." are the same party."""
    words = re.sub(r"[^a-z0-9&]+", " ", (name or "").lower())
    return re.sub(r"\s+", " ", _ENTITY_SUFFIX.sub(" ", words)).strip()


def _counterparty(parties: Sequence[Any], our_parties: Sequence[str]) -> str | None:
    names = [p.get("name") if isinstance(p, dict) else str(p) for p in parties]
    names = [n for n in names if n]
    ours = {company_key(o) for o in our_parties} - {""}

    def is_ours(name: str) -> bool:
        key = company_key(name)
        return key in ours or any(f" {o} " in f" {key} " for o in ours)

    others = [n for n in names if not is_ours(n)]
    if others:
        return others[-1] if len(others) > 1 and len(others) == len(names) else others[0]
    return None


def _document_id(rec: dict) -> str:
    """The document's sha256; records without one (e.g. from an API) get a stable stand-in."""
    if rec.get("content_hash"):
        return str(rec["content_hash"])
    return "nohash:" + hashlib.sha1(f"{rec['contract_id']}|{rec.get('source')}".encode()).hexdigest()


def _prepare(records: Iterable[dict], stats: LoadStats) -> dict[str, dict]:
    """Usable records by contract id; a contract sent twice in one load keeps its last record."""
    out: dict[str, dict] = {}
    for i, rec in enumerate(records):
        if not isinstance(rec, dict) or not str(rec.get("contract_id") or "").strip():
            stats.warnings.append(f"record {i}: no contract_id — skipped; the extraction output is malformed")
            continue
        cid = str(rec["contract_id"])
        if cid in out:
            stats.warnings.append(f"{cid}: sent twice in one load — the later record was kept")
        out[cid] = rec
    return out


def _fetch(con, bulk: _Bulk, sql: str, contract_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of `sql` (which selects from `ids` and must be filtered by it) for the batch's contracts."""
    with bulk.frame("contracts", ["contract_id"], [{"contract_id": c} for c in contract_ids]) as ids:
        cur = con.execute(sql.replace("{ids}", f"({ids})"))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def load_extractions(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    records: Iterable[dict],
    *,
    always_review_types: Sequence[str] = ("payment", "compliance"),
    source_system: str = "folder",
    our_parties: Sequence[str] = (),
) -> LoadStats:
    """Merge extraction records (ContractExtraction.to_dict() + ingest fields) into the register, atomically.

    Bad values inside a record (an unparseable date, confidence outside [0, 1]) never fail the load: they
    are stored empty, the milestone goes to review and LoadStats.warnings says what happened.
    """
    stats = LoadStats()
    recs = _prepare(records, stats)
    stats.contracts = len(recs)
    if not recs:
        return stats
    now = _now()
    ids = sorted(recs)
    bulk = _Bulk(con)
    with transaction(con):
        old_contracts = {
            r["contract_id"]: r
            for r in _fetch(con, bulk, "select c.* from raw.contracts c where c.contract_id in (select contract_id from {ids})", ids)
        }
        old_key_dates = {
            r["contract_id"]: r
            for r in _fetch(con, bulk, "select k.* from raw.key_dates k where k.contract_id in (select contract_id from {ids})", ids)
        }
        old_milestones: dict[str, dict[str, dict[str, Any]]] = {}
        for r in _fetch(
            con, bulk,
            f"select milestone_id, contract_id, {', '.join(MACHINE_FIELDS)}, origin, lifecycle_status, review_status, "
            "human_fields, machine_proposal from raw.milestones where contract_id in (select contract_id from {ids})",
            ids,
        ):  # fmt: skip
            old_milestones.setdefault(r["contract_id"], {})[r["milestone_id"]] = r

        audits: list[dict[str, Any]] = []
        contract_inserts, contract_updates = [], []
        documents: dict[str, dict[str, Any]] = {}
        key_date_rows, milestone_inserts, milestone_updates, evidence = [], [], [], []
        touched: list[str] = []
        removed: list[str] = []
        for cid in ids:
            rec = recs[cid]
            doc_id = _document_id(rec)
            actor = f"extractor@{rec.get('extractor_version')}"
            _merge_contract(cid, rec, doc_id, old_contracts.get(cid), run_id, now, source_system, our_parties,
                            contract_inserts, contract_updates, audits)  # fmt: skip
            documents[doc_id] = {
                "document_id": doc_id, "contract_id": cid, "path": rec.get("source") or "", "mime": rec.get("mime"),
                "pages": _int(rec.get("pages")), "size_bytes": _int(rec.get("size_bytes")),
                "ocr_confidence": rec.get("ocr_confidence"), "extractor_version": rec.get("extractor_version"),
                "model_version": rec.get("model_version"), "warnings": list(rec.get("warnings") or []),
                "first_seen_run": run_id, "last_processed_run": run_id, "processed_at": now,
            }  # fmt: skip
            _merge_key_dates(cid, rec, old_key_dates.get(cid), run_id, now, actor, key_date_rows, audits)
            new_rows = _parts(cid, rec.get("extracted_milestones") or [], doc_id, stats.warnings)
            _merge_milestones(
                new_rows, old_milestones.get(cid, {}), run_id, now, actor, always_review_types, stats,
                milestone_inserts, milestone_updates, touched, removed, evidence, audits,
            )  # fmt: skip

        bulk.insert("contracts", ["contract_id", *_CONTRACT_FIELDS, "status", "first_seen_run", "last_seen_run",
                                  "updated_at"], contract_inserts)  # fmt: skip
        bulk.set_where_in("contracts", "contract_id", [c for c in ids if c in old_contracts], "last_seen_run = ?", [run_id])
        bulk.update("contracts", "contract_id", ["contract_id", *_CONTRACT_FIELDS, "status", "deleted_at",
                                                 "last_seen_run", "updated_at"], contract_updates)  # fmt: skip
        _upsert_documents(con, bulk, list(documents.values()))
        bulk.insert("key_dates", ["contract_id", *_KEY_DATE_FIELDS, "run_id", "updated_at"], key_date_rows, suffix="or replace")
        bulk.insert("milestones", _MILESTONE_COLUMNS, milestone_inserts)
        bulk.update("milestones", "milestone_id", ["milestone_id", *MACHINE_FIELDS, "document_id", "lifecycle_status",
                                                   "review_status", "machine_proposal", "last_seen_run", "updated_at"],
                    milestone_updates)  # fmt: skip
        bulk.set_where_in("milestones", "milestone_id", touched, "last_seen_run = ?", [run_id])
        bulk.set_where_in("milestones", "milestone_id", removed,
                          "lifecycle_status = 'removed', last_seen_run = ?, updated_at = ?", [run_id, now])  # fmt: skip
        bulk.insert("evidence", _EVIDENCE_COLUMNS, evidence, suffix="or replace")
        bulk.insert("audit_log", _AUDIT_COLUMNS, audits)
        _resolve_quarantine(con, bulk, recs, run_id, now)
    return stats


def _upsert_documents(con, bulk: _Bulk, rows: list[dict[str, Any]]) -> None:
    keep = ("contract_id", "path", "pages", "extractor_version", "model_version", "warnings", "ocr_confidence",
            "last_processed_run", "processed_at")  # fmt: skip
    if not rows:
        return
    cols = ", ".join(_DOCUMENT_COLUMNS)
    sets = ", ".join(f"{c} = excluded.{c}" for c in keep)
    with bulk.frame("documents", _DOCUMENT_COLUMNS, rows) as select:
        con.execute(f"insert into raw.documents ({cols}) {select} on conflict (document_id) do update set {sets}")


def _merge_contract(
    cid: str, rec: dict, doc_id: str, old: dict | None, run_id: str, now: dt.datetime, source_system: str,
    our_parties: Sequence[str], inserts: list, updates: list, audits: list,
) -> None:  # fmt: skip
    parties = rec.get("parties") or []
    row = {
        "title": rec.get("title"),
        "source_system": rec.get("source_system") or source_system,
        "source_ref": rec.get("source"),
        "counterparty": rec.get("counterparty") or _counterparty(parties, our_parties),
        "parties": json.dumps(parties, sort_keys=True),
        "contract_type": rec.get("contract_type"),
        "parent_contract_id": rec.get("parent_contract_id"),
        "current_document_id": doc_id,
    }
    if old is None:
        inserts.append({"contract_id": cid, **row, "status": "active", "first_seen_run": run_id,
                        "last_seen_run": run_id, "updated_at": now})  # fmt: skip
        audits.append(_audit_row("loader", "insert", "contract", cid, run_id, None, row, now))
        return
    changed = {
        k: v for k, v in row.items()
        if not (_same_json(old.get(k), v) if k == "parties" else _same(old.get(k), v))
    }  # fmt: skip
    if changed or old["status"] != "active":
        updates.append({"contract_id": cid, **row, "status": "active", "deleted_at": None, "last_seen_run": run_id,
                        "updated_at": now})  # fmt: skip
        audits.append(_audit_row("loader", "update", "contract", cid, run_id,
                                 {k: old.get(k) for k in changed} | {"status": old["status"]},
                                 changed | {"status": "active"}, now))  # fmt: skip


def _merge_key_dates(cid: str, rec: dict, old: dict | None, run_id: str, now: dt.datetime, actor: str,
                     rows: list, audits: list) -> None:  # fmt: skip
    kd = rec.get("key_dates") or {}
    exp = kd.get("expiration_date")
    auto = kd.get("auto_renewal")
    row = {
        "agreement_date": _date(kd.get("agreement_date")),
        "effective_date": _date(kd.get("effective_date")),
        "expiration_date": _date(exp),
        "is_perpetual": exp == "perpetual",
        "initial_term": kd.get("initial_term"),
        "renewal_term": kd.get("renewal_term"),
        "auto_renewal": auto if isinstance(auto, bool) else None,
        "renewal_notice_period": kd.get("renewal_notice_period"),
        "next_renewal_notice_deadline": _date(kd.get("next_renewal_notice_deadline")),
    }
    if old is not None:
        changed = {k: v for k, v in row.items() if not _same(old.get(k), v)}
        if not changed:
            return
        audits.append(_audit_row(actor, "update", "key_dates", cid, run_id, {k: old.get(k) for k in changed}, changed, now))
    else:
        audits.append(_audit_row(actor, "insert", "key_dates", cid, run_id, None, row, now))
    rows.append({"contract_id": cid, **row, "run_id": run_id, "updated_at": now})


def _merge_milestones(
    new_rows: list[dict], existing: dict[str, dict], run_id: str, now: dt.datetime, actor: str,
    always_review_types: Sequence[str], stats: LoadStats, inserts: list, updates: list, touched: list,
    removed: list, evidence: list, audits: list,
) -> None:  # fmt: skip
    seen: set[str] = set()
    for row in new_rows:
        mid = row["milestone_id"]
        if mid in seen:  # identical evidence and part twice in one record: keep the first
            continue
        seen.add(mid)
        old = existing.get(mid)
        if old is None:
            status = _review_status(row, always_review_types)
            stats.pending_review += status == "pending"
            inserts.append(row | {
                "origin": "machine", "lifecycle_status": "open", "review_status": status, "human_fields": None,
                "machine_proposal": None, "first_seen_run": run_id, "last_seen_run": run_id, "updated_at": now,
            })  # fmt: skip
            evidence.append(_evidence(row, run_id))
            audits.append(_audit_row(actor, "insert", "milestone", mid, run_id, None,
                                     {k: row[k] for k in MACHINE_FIELDS}, now))  # fmt: skip
            stats.milestones_inserted += 1
            continue
        human = json.loads(old["human_fields"]) if old["human_fields"] else {}
        machine_changes = {k: row[k] for k in MACHINE_FIELDS if k not in human and not _same(old[k], row[k])}
        disagreements = {k: row[k] for k in human if k in row and not _same(_coerce_human(k, human[k]), row[k])}
        new = {k: old[k] for k in MACHINE_FIELDS} | machine_changes
        status = old["review_status"]
        # the latest disagreement replaces the stored proposal; without one the stored proposal stands
        # until a reviewer resolves the re-review
        proposal = old["machine_proposal"]
        reopened = old["lifecycle_status"] == "removed"
        new_disagreement = False
        if disagreements:
            # a standing disagreement (same proposal as last night) is not news: no update, no audit row
            new_disagreement = not (proposal and _same_json(proposal, _json(disagreements)) and status == "rereview")
            proposal = _json(disagreements)
            if status != "rereview":
                status = "rereview"
                stats.rereview += 1
        elif status in ("not_required", "pending") and not human:
            status = _review_status(new, always_review_types)
        if not (machine_changes or new_disagreement or reopened or status != old["review_status"]):
            touched.append(mid)
            stats.milestones_unchanged += 1
            continue
        updates.append({
            "milestone_id": mid, **new, "document_id": row["document_id"],
            "lifecycle_status": "open" if reopened else old["lifecycle_status"], "review_status": status,
            "machine_proposal": proposal, "last_seen_run": run_id, "updated_at": now,
        })  # fmt: skip
        if machine_changes:
            evidence.append(_evidence(row, run_id))
        if machine_changes or reopened:
            before = {k: old[k] for k in machine_changes} | ({"lifecycle_status": "removed"} if reopened else {})
            after = dict(machine_changes) | ({"lifecycle_status": "open"} if reopened else {})
            if status != old["review_status"] and not disagreements:
                before["review_status"], after["review_status"] = old["review_status"], status
            audits.append(_audit_row(actor, "update", "milestone", mid, run_id, before, after, now))
            stats.milestones_updated += 1
        if new_disagreement:
            audits.append(_audit_row(actor, "machine_disagrees", "milestone", mid, run_id,
                                     {k: human[k] for k in disagreements}, disagreements, now))  # fmt: skip
        elif status != old["review_status"] and not (machine_changes or reopened):
            audits.append(_audit_row(actor, "update", "milestone", mid, run_id, {"review_status": old["review_status"]},
                                     {"review_status": status}, now))  # fmt: skip
    for mid, old in existing.items():
        if mid in seen or old["origin"] != "machine" or old["lifecycle_status"] == "removed":
            continue
        removed.append(mid)
        audits.append(_audit_row(actor, "remove", "milestone", mid, run_id, {"lifecycle_status": old["lifecycle_status"]},
                                 {"lifecycle_status": "removed"}, now))  # fmt: skip
        stats.milestones_removed += 1


def _evidence(row: dict, run_id: str) -> dict[str, Any]:
    return {"milestone_id": row["milestone_id"], "contract_id": row["contract_id"], "document_id": row["document_id"],
            "page": row["page"], "span_start": row["span_start"], "span_end": row["span_end"],
            "text": row["source_text"], "run_id": run_id}  # fmt: skip


def _resolve_quarantine(con, bulk: _Bulk, recs: dict[str, dict], run_id: str, now: dt.datetime) -> None:
    """A contract that loaded cleanly closes its open ingest/extract quarantine records."""
    rows = [{"contract_id": cid, "source_ref": rec.get("source")} for cid, rec in recs.items()]
    with bulk.frame("contracts", ["contract_id", "source_ref"], rows) as select:
        con.execute(
            f"update raw.quarantine set resolved_at = ?, resolved_by_run = ? "
            f"where resolved_at is null and stage in ('ingest', 'extract') "
            f"and (contract_id in (select contract_id from ({select})) "
            f"or source_path in (select source_ref from ({select}) where source_ref is not null))",
            [now, run_id],
        )


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
    now = _now()
    with transaction(con):
        exists = con.execute("select 1 from raw.quarantine where quarantine_id = ?", [qid]).fetchall()
        if exists:
            return qid
        con.execute(
            "insert into raw.quarantine (quarantine_id, run_id, stage, contract_id, source_path, content_hash, "
            "reason, message, quarantined_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [qid, run_id, stage, contract_id, source_path, content_hash, reason, message, now],
        )
        audit(con, "loader", "quarantine", "document" if stage != "gate" else "batch",
              contract_id or source_path or qid, run_id, None,
              {"stage": stage, "reason": reason, "message": message}, now)  # fmt: skip
    return qid


def soft_delete_missing(con: duckdb.DuckDBPyConnection, run_id: str, present: Iterable[str], source_system: str) -> int:
    """Mark contracts of `source_system` that are no longer in the source as deleted (rows stay)."""
    present_set = set(present)
    rows = con.execute(
        "select contract_id from raw.contracts where status = 'active' and source_system = ? order by contract_id",
        [source_system],
    ).fetchall()
    gone = [cid for (cid,) in rows if cid not in present_set]
    if not gone:
        return 0
    now = _now()
    bulk = _Bulk(con)
    with transaction(con):
        bulk.set_where_in("contracts", "contract_id", gone,
                          "status = 'deleted', deleted_at = ?, updated_at = ?", [now, now])  # fmt: skip
        bulk.insert("audit_log", _AUDIT_COLUMNS,
                    [_audit_row("loader", "soft_delete", "contract", cid, run_id, {"status": "active"},
                                {"status": "deleted"}, now) for cid in gone])  # fmt: skip
    return len(gone)


def write_business_calendar(con: duckdb.DuckDBPyConnection, first_year: int, last_year: int, country: str = "US") -> int:
    """Fill raw.business_calendar (weekends and public holidays) so dbt can do business-day arithmetic."""
    import holidays

    first, last = dt.date(first_year, 1, 1), dt.date(last_year, 12, 31)
    have = con.execute(
        "select count(*) from raw.business_calendar where calendar_date between ? and ?", [first, last]
    ).fetchall()[0][0]
    days = (last - first).days + 1
    if have == days:
        return 0
    cal = holidays.country_holidays(country, years=range(first_year, last_year + 1))
    rows = []
    d = first
    while d <= last:
        name = cal.get(d)
        rows.append({"calendar_date": d, "is_business_day": d.weekday() < 5 and name is None, "holiday_name": name})
        d += dt.timedelta(days=1)
    with transaction(con):
        con.execute("delete from raw.business_calendar where calendar_date between ? and ?", [first, last])
        _Bulk(con).insert("business_calendar", ["calendar_date", "is_business_day", "holiday_name"], rows)
    return len(rows)
