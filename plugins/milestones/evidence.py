"""Completion evidence in the register: find evidence files, read them once, judge every obligation that needs proof.

Folder convention (the inbox share, or MILESTONES_EVIDENCE)::

    <inbox>/evidence/<contract_id>/<milestone_id>/<file>       evidence for one obligation
    <inbox>/evidence/<contract_id>/<obligation_type>/<file>    for every obligation of that type (insurance, audit…)
    <inbox>/evidence/<contract_id>/<file>                      for the obligations its kind proves (a certificate of
                                                               insurance -> insurance, an audit report -> audit,
                                                               another report -> reporting)

Uploads through the review API land in ``<data>/evidence/uploads/<contract_id>/[<target>/]<sha12>-<name>``
(write-once) and follow the same layout. Files are read with :func:`extractors.text.load_document` in a guarded
child; a file that cannot be read is quarantined (``raw.quarantine``, stage ``evidence``) and kept where it is.
Facts are cached per (contract, target, sha256): a file is read again only when its bytes or the reader change.
Each scan re-judges the obligations of the contracts it covers (term ends and the reference date move).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from extractors.evidence import READER_VERSION

from .register import audit, quarantine, transaction

__all__ = [
    "EVIDENCE_DIRNAME", "evidence_folder", "upload_folder", "EvidenceFile", "list_evidence", "scan_evidence",
    "ScanSummary", "store_upload", "contract_evidence", "attach_to_milestones", "READER_VERSION",
]  # fmt: skip

EVIDENCE_DIRNAME = "evidence"
ACTOR = "evidence"
_log = logging.getLogger(__name__)


def evidence_folder(inbox: str | Path) -> Path:
    """Where evidence files are dropped: MILESTONES_EVIDENCE, else ``<inbox>/evidence`` (never read as contracts)."""
    env = os.environ.get("MILESTONES_EVIDENCE")
    return Path(env) if env else Path(inbox) / EVIDENCE_DIRNAME


def upload_folder(warehouse: str | Path) -> Path:
    """Where API uploads are kept: beside the warehouse, ``<data>/evidence/uploads``."""
    return Path(warehouse).parent / EVIDENCE_DIRNAME / "uploads"


def _sha256(path: Path) -> str:
    from extractors.text import file_sha256

    return file_sha256(path)


@dataclass(frozen=True)
class EvidenceFile:
    path: Path
    contract_id: str | None
    target: str | None
    source: str  # folder | upload
    content_hash: str
    size_bytes: int

    @property
    def evidence_id(self) -> str:
        return hashlib.sha256(f"{self.contract_id}|{self.target or ''}|{self.content_hash}".encode()).hexdigest()[:24]


def list_evidence(roots: Iterable[tuple[Path, str]], contract_ids: Collection[str] | None = None) -> list[EvidenceFile]:
    """Every evidence file under the (root, source) pairs; contract_id None for a file outside a contract folder."""
    out: list[EvidenceFile] = []
    for root, source in roots:
        if not root.is_dir():
            continue
        for p in sorted(root.rglob("*")):
            if not p.is_file() or any(part.startswith(".") for part in p.relative_to(root).parts):
                continue
            parts = p.relative_to(root).parts
            contract_id = parts[0] if len(parts) > 1 else None
            if contract_ids is not None and contract_id not in contract_ids:
                continue
            target = parts[1] if len(parts) > 2 else None
            out.append(EvidenceFile(p, contract_id, target, source, _sha256(p), p.stat().st_size))
    return out


# -- reading --------------------------------------------------------------------------------------------------


def _load_guarded(path: str | Path) -> Any:
    """load_document in a child under the nightly's time and memory limits (see nightly.doc_limits)."""
    import multiprocessing

    from extractors.guard import load_document_guarded

    from .nightly import doc_limits

    # Celery prefork workers are daemonic and may not fork the guard's child (same fix as nightly.extract_batch)
    multiprocessing.current_process()._config.pop("daemon", None)  # type: ignore[attr-defined]
    timeout_s, memory_mb = doc_limits()
    return load_document_guarded(path, timeout_s=timeout_s, max_memory_mb=memory_mb)  # scans are OCR'd if tesseract is there


def _read_facts(path: Path) -> tuple[str, str, dict[str, Any]]:
    """(mime, kind, facts) of one evidence file; DocumentError if it cannot be read."""
    from extractors import evidence as ev

    doc = _load_guarded(path)
    kind = ev.detect_kind(doc.text)
    facts: dict[str, Any]
    if kind == "insurance_certificate":
        facts = {"issued_date": ev.get_certificate_date(doc.text),
                 "policies": [{k: v for k, v in p.__dict__.items() if k not in ("start", "end", "text")}
                              for p in ev.get_policies(doc.text)]}  # fmt: skip
    else:
        r = ev.get_report_facts(doc.text)
        facts = dict(r.__dict__)
    if not doc.text.strip():
        facts["empty_text"] = True
    return doc.mime, kind, ev.to_jsonable(facts)


def _policies(facts: dict[str, Any]) -> list[Any]:
    from extractors.evidence import Policy

    out = []
    for p in facts.get("policies") or []:
        out.append(Policy(0, 0, "", p["coverage"], p.get("insurer"), p.get("policy_number"),
                          Decimal(p["each_occurrence"]) if p.get("each_occurrence") else None,
                          Decimal(p["aggregate"]) if p.get("aggregate") else None,
                          _date(p.get("effective_date")), _date(p.get("expiration_date"))))  # fmt: skip
    return out


def _date(v: Any) -> dt.date | None:
    if v is None or isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def _requirements(con: duckdb.DuckDBPyConnection, contract_id: str) -> tuple[list[Any], str | None]:
    """The contract's minimum coverages, read from its current document once per document version."""
    from extractors.evidence import InsuranceRequirement, get_insurance_requirements, to_jsonable

    row = con.execute(
        "select c.current_document_id, d.path from raw.contracts c left join raw.documents d "
        "on d.document_id = c.current_document_id where c.contract_id = ?", [contract_id]).fetchone()  # fmt: skip
    if row is None:
        return [], "contract not in the register"
    doc_id, path = row
    cached = con.execute("select document_id, requirements, problem from raw.evidence_requirements where contract_id = ?",
                         [contract_id]).fetchone()  # fmt: skip
    if cached is not None and cached[0] == doc_id:
        reqs = [InsuranceRequirement(**(r | {k: Decimal(r[k]) if r[k] is not None else None
                                             for k in ("each_occurrence", "aggregate")}))
                for r in json.loads(cached[1] or "[]")]  # fmt: skip
        return reqs, cached[2]
    problem = None
    reqs = []
    try:
        reqs = list(get_insurance_requirements(_load_guarded(path).text)) if path else []
        if not path:
            problem = "the contract document is not in the register"
    except Exception as exc:  # the contract cannot be re-read: judge dates only, and say so
        problem = f"contract document could not be read for its insurance minimums: {exc}"
    con.execute("insert or replace into raw.evidence_requirements values (?, ?, ?, ?, ?)",
                [contract_id, doc_id, json.dumps([to_jsonable(r.__dict__) for r in reqs]), problem, _now()])  # fmt: skip
    return reqs, problem


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# -- scanning ---------------------------------------------------------------------------------------------------


@dataclass
class ScanSummary:
    files: int = 0
    read: int = 0
    cached: int = 0
    quarantined: int = 0
    gone: int = 0
    statuses: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _upsert_document(con: duckdb.DuckDBPyConnection, f: EvidenceFile, run_id: str, *, status: str, kind: str | None,
                     mime: str | None, facts: dict[str, Any] | None, problem: str | None, read: bool,
                     uploaded_by: str | None = None) -> None:  # fmt: skip
    now = _now()
    con.execute(
        """
        insert into raw.evidence_documents (evidence_id, contract_id, target, content_hash, path, file_name, size_bytes,
            mime, source, uploaded_by, evidence_kind, facts, status, problem, reader_version, first_seen_run,
            last_seen_run, read_at, updated_at)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        on conflict (evidence_id) do update set path = excluded.path, file_name = excluded.file_name,
            mime = coalesce(excluded.mime, raw.evidence_documents.mime),
            uploaded_by = coalesce(raw.evidence_documents.uploaded_by, excluded.uploaded_by),
            evidence_kind = excluded.evidence_kind, facts = excluded.facts, status = excluded.status,
            problem = excluded.problem, reader_version = excluded.reader_version, last_seen_run = excluded.last_seen_run,
            read_at = case when ? then excluded.read_at else raw.evidence_documents.read_at end,
            updated_at = excluded.updated_at
        """,
        [f.evidence_id, f.contract_id, f.target, f.content_hash, str(f.path), f.path.name, f.size_bytes, mime, f.source,
         uploaded_by, kind, json.dumps(facts) if facts is not None else None, status, problem, READER_VERSION, run_id,
         run_id, now, now, read],
    )  # fmt: skip


def scan_evidence(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    as_of: dt.date,
    roots: Iterable[tuple[Path, str]],
    *,
    contract_ids: Collection[str] | None = None,
    uploaded_by: dict[str, str] | None = None,
) -> ScanSummary:
    """Read new evidence files, quarantine unreadable ones, and set every obligation's evidence status.

    contract_ids limits the scan to those contracts (an upload re-judges its own contract only)."""
    from extractors.errors import DocumentError

    roots = list(roots)
    files = list_evidence(roots, contract_ids)
    summary = ScanSummary(files=len(files))
    known_contracts = {r[0] for r in con.execute("select contract_id from raw.contracts where status = 'active'").fetchall()}
    seen: set[str] = set()
    with transaction(con):
        for f in files:
            if f.contract_id is None or f.contract_id not in known_contracts:
                why = ("is not inside a contract folder; move it to evidence/<contract_id>/[<obligation type or milestone "
                       "id>/]" if f.contract_id is None else f"is in folder {f.contract_id!r}, which is not an active "
                       "contract id; move it to the folder of the contract it proves")  # fmt: skip
                quarantine(con, run_id, "evidence", "unknown_contract", f"{f.path.name} {why}",
                           contract_id=f.contract_id, source_path=str(f.path), content_hash=f.content_hash)  # fmt: skip
                summary.quarantined += 1
                continue
            seen.add(f.evidence_id)
            prior = con.execute("select status, reader_version, evidence_kind, mime, facts, problem "
                                "from raw.evidence_documents where evidence_id = ?", [f.evidence_id]).fetchone()  # fmt: skip
            if prior is not None and prior[1] == READER_VERSION and prior[0] in ("read", "quarantined", "gone"):
                status = "quarantined" if prior[0] == "quarantined" or prior[5] else "read"
                facts = json.loads(prior[4]) if prior[4] else None
                _upsert_document(con, f, run_id, status=status, kind=prior[2], mime=prior[3], facts=facts,
                                 problem=prior[5], read=False)  # fmt: skip
                summary.cached += 1
                continue
            try:
                mime, kind, facts = _read_facts(f.path)
            except DocumentError as exc:
                message = str(exc) if f.path.name in str(exc) else f"{f.path.name}: {exc}"
                _quarantine_file(con, run_id, f, exc.reason, message, summary)
                continue
            except Exception as exc:  # a reader bug must not stop the night; the file is kept and reported
                _quarantine_file(con, run_id, f, "extractor_error",
                                 f"{f.path.name}: {type(exc).__name__}: {exc}; the file is kept, report it", summary)
                continue
            _upsert_document(con, f, run_id, status="read", kind=kind, mime=mime, facts=facts, problem=None, read=True,
                             uploaded_by=(uploaded_by or {}).get(str(f.path)))  # fmt: skip
            summary.read += 1
        # files gone from every root: keep the row (and the judgement history), mark it gone
        scope = "" if contract_ids is None else f"and contract_id in ({', '.join('?' * len(contract_ids))})"
        params: list[Any] = [] if contract_ids is None else list(contract_ids)
        stale = con.execute(f"select evidence_id from raw.evidence_documents where status <> 'gone' {scope}",
                            params).fetchall()  # fmt: skip
        gone = [r[0] for r in stale if r[0] not in seen]
        for eid in gone:
            con.execute("update raw.evidence_documents set status = 'gone', updated_at = ? where evidence_id = ?",
                        [_now(), eid])  # fmt: skip
        summary.gone = len(gone)
        summary.statuses = _judge(con, run_id, as_of, contract_ids)
    return summary


def _quarantine_file(con: duckdb.DuckDBPyConnection, run_id: str, f: EvidenceFile, reason: str, message: str,
                     summary: ScanSummary) -> None:  # fmt: skip
    _log.warning("quarantined evidence %s (%s): %s", f.path, reason, message)
    quarantine(con, run_id, "evidence", reason, message, contract_id=f.contract_id, source_path=str(f.path),
               content_hash=f.content_hash)  # fmt: skip
    _upsert_document(con, f, run_id, status="quarantined", kind=None, mime=None, facts=None,
                     problem=f"{reason}: {message}", read=True)  # fmt: skip
    summary.quarantined += 1


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _canon(values: Iterable[Any]) -> list[Any]:
    """Values with JSON text normalised, to tell an unchanged judgement from a new one."""
    return [json.dumps(json.loads(v), sort_keys=True) if isinstance(v, str) and v[:1] in "[{" else v for v in values]


def _judge(con: duckdb.DuckDBPyConnection, run_id: str, as_of: dt.date, contract_ids: Collection[str] | None) -> dict[str, int]:
    from extractors.evidence import EVIDENCE_TYPES, to_jsonable

    scope = "" if contract_ids is None else f"and m.contract_id in ({', '.join('?' * len(contract_ids))})"
    params: list[Any] = [] if contract_ids is None else list(contract_ids)
    obligations = _rows(con, f"""
        select m.milestone_id, m.contract_id, m.obligation_type, m.due_date, m.recurrence, m.rule_frequency,
               m.rule_anchor, m.milestone_name
        from raw.milestones m join raw.contracts c on c.contract_id = m.contract_id and c.status = 'active'
        where m.lifecycle_status not in ('removed', 'cancelled') and m.review_status <> 'rejected' {scope}
        order by m.contract_id, m.milestone_id""", params)  # fmt: skip
    docs = _rows(con, f"""
        select evidence_id, contract_id, target, file_name, evidence_kind, facts, status, problem
        from raw.evidence_documents m where status <> 'gone' {scope} order by file_name, evidence_id""", params)
    keys = {r["contract_id"]: r for r in _rows(con, "select * from raw.key_dates")}
    docs_of: dict[str, list[dict[str, Any]]] = {}
    for d in docs:
        docs_of.setdefault(d["contract_id"], []).append(d)
    # one read of the earlier judgements, not one query per obligation (a 10k-contract register has ~13k duties)
    priors = {r[0]: tuple(r[1:]) for r in con.execute(
        f"select milestone_id, evidence_status, reason, evidence_id, evidence_ids, required, found, as_of "
        f"from raw.obligation_evidence m where true {scope}", params).fetchall()}  # fmt: skip
    counts: dict[str, int] = {}
    judged: set[str] = set()
    upserts: list[tuple[Any, ...]] = []
    def expects(ob: dict[str, Any]) -> bool:
        return ob["obligation_type"] in EVIDENCE_TYPES and (ob["due_date"] is not None or bool(ob["recurrence"]))

    # a type folder (or a file routed by its kind) proves the dated duties of that type when the contract has
    # any ("audit/" holds the annual audit report, not proof of record retention), else every duty of the type
    dated_types = {(ob["contract_id"], ob["obligation_type"]) for ob in obligations if expects(ob)}
    for ob in obligations:
        by_type = expects(ob) or (ob["contract_id"], ob["obligation_type"]) not in dated_types
        attached = [d for d in docs_of.get(ob["contract_id"], ()) if (
            d["target"] == ob["milestone_id"]
            or (by_type and d["target"] == ob["obligation_type"])
            or (by_type and d["target"] is None and d["evidence_kind"] is not None
                and EVIDENCE_TYPES.get(ob["obligation_type"]) == d["evidence_kind"]))]  # fmt: skip
        if not attached and not expects(ob):
            continue
        verdict: tuple[str, str | None, str | None, dict[str, Any], dict[str, Any]]
        if not attached:
            kind = EVIDENCE_TYPES[ob["obligation_type"]].replace("_", " ")
            verdict = ("evidence_missing", f"no {kind} attached", None, {}, {})
        else:
            verdict = _verdict(con, ob, attached, keys.get(ob["contract_id"]) or {}, as_of)
        status, reason, evidence_id, required, found = verdict
        judged.add(ob["milestone_id"])
        counts[status] = counts.get(status, 0) + 1
        row = [status, reason, evidence_id, json.dumps([d["evidence_id"] for d in attached]),
               json.dumps(to_jsonable(required)), json.dumps(to_jsonable(found)), as_of]
        prior = priors.get(ob["milestone_id"])
        before = prior[:2] if prior else None
        if prior is not None and _canon(prior) == _canon(row):
            continue  # unchanged: a rerun of the same date rewrites nothing
        upserts.append((ob["milestone_id"], ob["contract_id"], ob["obligation_type"], *row, run_id, _now()))
        if before is None or tuple(before) != (status, reason):
            audit(con, ACTOR, "evidence", "milestone", ob["milestone_id"], run_id,
                  {"evidence_status": before[0], "reason": before[1]} if before else None,
                  {"evidence_status": status, "reason": reason, "evidence_id": evidence_id,
                   "contract_id": ob["contract_id"]})  # fmt: skip
    gone = [mid for mid in priors if mid not in judged]
    _write_judgements(con, upserts, gone)
    return counts


def _write_judgements(con: duckdb.DuckDBPyConnection, upserts: list[tuple[Any, ...]], gone: list[str]) -> None:
    """Replace the changed judgements and drop those of obligations no longer judged — set-based: one statement
    each, whatever the register's size (a row-by-row write took a minute a night on 10k contracts)."""
    import pandas as pd

    cols = ["milestone_id", "contract_id", "obligation_type", "evidence_status", "reason", "evidence_id",
            "evidence_ids", "required", "found", "as_of", "assessed_run", "assessed_at"]  # fmt: skip
    drop = [*gone, *(u[0] for u in upserts)]
    if drop:
        con.register("_evidence_drop", pd.DataFrame({"milestone_id": pd.Series(drop, dtype="object")}))
        con.execute("delete from raw.obligation_evidence where milestone_id in (select milestone_id from _evidence_drop)")
        con.unregister("_evidence_drop")
    if upserts:
        con.register("_evidence_new", pd.DataFrame(upserts, columns=cols).astype({"as_of": "object"}))
        con.execute(f"insert into raw.obligation_evidence ({', '.join(cols)}) select "
                    f"{', '.join(cols[:9])}, cast(as_of as date), assessed_run, assessed_at from _evidence_new")  # fmt: skip
        con.unregister("_evidence_new")


def _verdict(con: duckdb.DuckDBPyConnection, ob: dict[str, Any], attached: list[dict[str, Any]], keys: dict[str, Any],
             as_of: dt.date) -> tuple[str, str | None, str | None, dict[str, Any], dict[str, Any]]:  # fmt: skip
    """(status, reason, deciding evidence_id, required, found) over the documents attached to one obligation."""
    from extractors import evidence as ev

    results: list[tuple[dict[str, Any], ev.Assessment]] = []
    for d in attached:
        facts = json.loads(d["facts"]) if d["facts"] else {}
        if d["status"] == "quarantined":
            results.append((d, ev.Assessment("evidence_insufficient", (
                f"{d['file_name']} could not be read and is quarantined ({d['problem']})",))))  # fmt: skip
            continue
        expected = ev.EVIDENCE_TYPES.get(ob["obligation_type"])
        if ob["obligation_type"] == "insurance" or (expected is None and d["evidence_kind"] == "insurance_certificate"):
            if d["evidence_kind"] != "insurance_certificate":
                results.append((d, ev.Assessment("evidence_insufficient", (
                    f"{d['file_name']} is not a certificate of insurance",))))  # fmt: skip
                continue
            reqs, problem = _requirements(con, ob["contract_id"])
            term_end = ev.current_term_end(_date(keys.get("expiration_date")), as_of,
                                           auto_renewal=keys.get("auto_renewal"), renewal_term=keys.get("renewal_term"),
                                           is_perpetual=keys.get("is_perpetual"))  # fmt: skip
            a = ev.assess_insurance(_policies(facts), reqs, as_of, term_end)
            if problem:
                a = ev.Assessment(a.status, a.reasons, a.checked | {"requirements_problem": problem})
            results.append((d, a))
            continue
        if d["evidence_kind"] == "insurance_certificate":
            results.append((d, ev.Assessment("evidence_insufficient", (
                f"{d['file_name']} is a certificate of insurance, not a report",))))  # fmt: skip
            continue
        report = ev.ReportFacts(_date(facts.get("period_start")), _date(facts.get("period_end")),
                                _date(facts.get("issued_date")), facts.get("period_text"))  # fmt: skip
        anniversary = _date(keys.get("effective_date")) if ob.get("rule_anchor") == "effective_date" else None
        periods = ev.required_report_periods(_date(ob["due_date"]), ob["recurrence"] or ob["rule_frequency"], as_of,
                                             anniversary)  # fmt: skip
        results.append((d, ev.assess_report(report, periods, as_of, _date(ob["due_date"]))))
    oks = [(d, a) for d, a in results if a.status == "evidence_ok"]
    if oks:
        d, a = oks[-1]
        return "evidence_ok", None, d["evidence_id"], a.checked, json.loads(d["facts"] or "{}")
    reasons = [f"{d['file_name']}: {a.reason}" if not a.reason.startswith(d["file_name"]) else a.reason
               for d, a in results]  # fmt: skip
    d, a = results[-1]
    return "evidence_insufficient", "; ".join(reasons), d["evidence_id"], a.checked, json.loads(d["facts"] or "{}")


# -- entry points for the nightly load and the review app -----------------------------------------------------


def scan_for_run(con: duckdb.DuckDBPyConnection, run_id: str, as_of: dt.date, inbox: str | Path,
                 warehouse: str | Path) -> ScanSummary:  # fmt: skip
    """The nightly scan: the evidence folder of the inbox and the review app's uploads, every contract."""
    return scan_evidence(con, run_id, as_of, [(evidence_folder(inbox), "folder"), (upload_folder(warehouse), "upload")])


def store_upload(warehouse: str | Path, contract_id: str, target: str | None, name: str, data: bytes) -> tuple[Path, bool]:
    """Keep an uploaded file write-once under the uploads folder; (path, created). The same bytes under the
    same target are stored once."""
    digest = hashlib.sha256(data).hexdigest()
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in Path(name).name)[-120:] or "evidence"
    folder = upload_folder(warehouse) / contract_id
    if target:
        folder = folder / target
    folder.mkdir(parents=True, exist_ok=True)
    existing = sorted(folder.glob(f"{digest[:12]}-*"))
    if existing:
        return existing[0], False
    path = folder / f"{digest[:12]}-{safe}"
    tmp = path.with_name("." + path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    os.chmod(path, 0o444)
    return path, True


def contract_evidence(con: duckdb.DuckDBPyConnection, contract_id: str) -> dict[str, Any]:
    """Obligation statuses and documents of one contract (empty when the register predates migration 0520)."""
    has = con.execute("select count(*) from information_schema.tables where table_schema = 'raw' "
                      "and table_name = 'obligation_evidence'").fetchone()  # fmt: skip
    if not has or not has[0]:
        return {"obligations": [], "documents": []}
    obligations = _rows(con, "select e.*, m.milestone_name from raw.obligation_evidence e left join raw.milestones m "
                             "using (milestone_id) where e.contract_id = ? order by e.obligation_type, m.milestone_name",
                        [contract_id])  # fmt: skip
    documents = _rows(con, "select evidence_id, target, content_hash, file_name, size_bytes, mime, source, uploaded_by, "
                           "evidence_kind, facts, status, problem, read_at from raw.evidence_documents "
                           "where contract_id = ? order by file_name", [contract_id])  # fmt: skip
    for r in obligations:
        for k in ("evidence_ids", "required", "found"):
            r[k] = json.loads(r[k]) if isinstance(r[k], str) else r[k]
    for r in documents:
        r["facts"] = json.loads(r["facts"]) if isinstance(r["facts"], str) else r["facts"]
    return {"obligations": obligations, "documents": documents}


def attach_to_milestones(con: duckdb.DuckDBPyConnection, contract_id: str, milestones: list[dict[str, Any]]) -> None:
    """Give each milestone dict its evidence (status, reason, file names) for the contract page."""
    found = contract_evidence(con, contract_id)
    names = {d["evidence_id"]: d["file_name"] for d in found["documents"]}
    by_id = {o["milestone_id"]: o for o in found["obligations"]}
    for m in milestones:
        o = by_id.get(m["milestone_id"])
        m["evidence"] = None if o is None else {
            "status": o["evidence_status"], "reason": o["reason"],
            "files": [names.get(e, e) for e in (o["evidence_ids"] or [])],
        }  # fmt: skip
