"""Task bodies of the nightly run, free of Airflow so tests, the benchmark and the DAGs share them.

plan → extract (one call per batch, in parallel) → gate → load. Work files live under
data/runs/<run_id>/ and are overwritten when the same logical date runs again (idempotent).
XCom carries only paths.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import multiprocessing
import os
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .paths import get_paths
from .register import (
    finish_run,
    known_documents,
    load_extractions,
    open_register,
    quarantine,
    quarantined_hashes,
    soft_delete_missing,
    start_run,
    write_business_calendar,
)

__all__ = ["run_id_for", "versions", "plan", "extract_batch", "load", "PlanResult", "RunSummary"]

BATCH_SIZE = int(os.environ.get("MILESTONES_BATCH_SIZE", "25"))


def run_id_for(logical_date: dt.date) -> str:
    return f"nightly__{logical_date.isoformat()}"


def versions() -> tuple[str, str | None]:
    """(extractor version, model version) — a change in either reprocesses unchanged documents."""
    from extractors import EXTRACTOR_VERSION

    try:
        from extractors.classifier import model_version
    except ImportError:
        return EXTRACTOR_VERSION, None
    return EXTRACTOR_VERSION, model_version()


def _sha256(path: Path) -> str:
    from extractors.text import file_sha256

    return file_sha256(path)


@dataclass(frozen=True)
class PlanResult:
    manifest: str
    batches: list[str]


def _run_dir(run_id: str) -> Path:
    return get_paths().runs / run_id


def plan(
    logical_date: dt.date,
    inbox: Path | None = None,
    warehouse: Path | None = None,
    batch_size: int = BATCH_SIZE,
    reprocess: bool | Collection[str] = False,
    *,
    source_system: str = "folder",
    run_id: str | None = None,
    complete_listing: bool = True,
) -> PlanResult:
    """List the inbox, skip contracts whose bytes and extractor/model versions are unchanged, split the rest.

    reprocess: True re-extracts everything, a collection of contract ids only those (see milestones.reprocess).
    source_system: what the inbox mirrors (folder, or a CLM staging inbox: ironclad, docusign_clm);
    complete_listing: whether the inbox holds every live contract of that system (then missing ones are
    soft-deleted at load; a CLM staging inbox after an incremental pull is not a complete listing).
    """
    paths = get_paths()
    inbox = Path(inbox or paths.inbox)
    warehouse = Path(warehouse or paths.warehouse)
    run_id = run_id or run_id_for(logical_date)
    if not inbox.is_dir():
        raise FileNotFoundError(f"inbox {inbox} does not exist; set MILESTONES_INBOX to the contracts folder")
    extractor_version, model_version = versions()
    known: dict[str, dict[str, Any]] = {}
    held: set[str] = set()
    if warehouse.exists():
        with open_register(warehouse) as con:  # read-write open also migrates; runs in the writer pool
            known = known_documents(con)
            held = quarantined_hashes(con)
    from .evidence import evidence_folder

    evidence_dir = evidence_folder(inbox)  # completion evidence lives beside the contracts, never read as one
    files = sorted(p for p in inbox.rglob("*")
                   if p.is_file() and not p.name.startswith(".") and evidence_dir not in p.parents)  # fmt: skip
    first_by_hash: dict[str, str] = {}
    todo: list[dict[str, Any]] = []
    skipped: list[str] = []
    duplicates: list[dict[str, Any]] = []
    present: list[str] = []
    known_hashes = {v["document_id"]: cid for cid, v in known.items() if v.get("status") == "active"}
    path_by_id: dict[str, str] = {}
    clashes: list[dict[str, Any]] = []
    for f in files:
        cid = f.stem
        digest = _sha256(f)
        if cid in path_by_id:  # contract id = file stem: "x.pdf" and "x.docx" cannot both be contract "x"
            clashes.append({"contract_id": cid, "path": str(f), "hash": digest, "other": path_by_id[cid]})
            continue
        path_by_id[cid] = str(f)
        other = first_by_hash.get(digest) or (known_hashes.get(digest) if known_hashes.get(digest) != cid else None)
        if other and other != cid:
            duplicates.append({"contract_id": cid, "path": str(f), "hash": digest, "duplicate_of": other})
            continue
        first_by_hash[digest] = cid
        present.append(cid)
        k = known.get(cid)
        unchanged = (
            k is not None
            and k["document_id"] == digest
            and k["extractor_version"] == extractor_version
            and k["model_version"] == model_version
            and k["status"] == "active"
        )
        forced = reprocess is True or (not isinstance(reprocess, bool) and cid in reprocess)
        if (unchanged or digest in held) and not forced:
            skipped.append(cid)
        else:
            todo.append({"contract_id": cid, "path": str(f), "hash": digest, "size_bytes": f.stat().st_size})
    run_dir = _run_dir(run_id)
    (run_dir / "batches").mkdir(parents=True, exist_ok=True)
    (run_dir / "extract").mkdir(parents=True, exist_ok=True)
    for old in list((run_dir / "batches").glob("*.json")) + list((run_dir / "extract").glob("*.jsonl")):
        old.unlink()
    batches = []
    for i in range(0, len(todo), batch_size):
        bp = run_dir / "batches" / f"batch-{i // batch_size:04d}.json"
        bp.write_text(json.dumps({"run_id": run_id, "logical_date": logical_date.isoformat(),
                                  "items": todo[i : i + batch_size]}, indent=1))  # fmt: skip
        batches.append(str(bp))
    manifest = run_dir / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "run_id": run_id,
                "logical_date": logical_date.isoformat(),
                "inbox": str(inbox),
                "warehouse": str(warehouse),
                "source_system": source_system,
                "complete_listing": complete_listing,
                "extractor_version": extractor_version,
                "model_version": model_version,
                "seen": len(files),
                "to_process": len(todo),
                "skipped": skipped,
                "duplicates": duplicates,
                "clashes": clashes,
                "present": present,
                "batches": batches,
            },
            indent=1,
        )
    )
    return PlanResult(str(manifest), batches)


def doc_limits(env: dict[str, str] | None = None) -> tuple[float, float]:
    """(timeout_s, max_memory_mb) for reading one document, from MILESTONES_DOC_TIMEOUT_S (default 60) and
    MILESTONES_DOC_MAX_MEMORY_MB (default 1024, 0 = no cap): one bad file cannot stall or sink a batch."""
    from extractors.errors import MilestonesError

    env = dict(os.environ) if env is None else env
    out = []
    for name, default in (("MILESTONES_DOC_TIMEOUT_S", 60.0), ("MILESTONES_DOC_MAX_MEMORY_MB", 1024.0)):
        raw = env.get(name) or str(default)
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if value < 0 or (value == 0 and name.endswith("TIMEOUT_S")):
            raise MilestonesError(f"{name}={raw!r}: set it to a positive number of seconds/MB (default {default:g})")
        out.append(value)
    return out[0], out[1]


def _load_document(path: str, timeout_s: float, max_memory_mb: float):
    from extractors.guard import load_document_guarded

    return load_document_guarded(path, timeout_s=timeout_s, max_memory_mb=max_memory_mb)


def extract_batch(
    batch_path: str,
    review_threshold: float = 0.85,
    timeout_s: float | None = None,
    max_memory_mb: float | None = None,
) -> str:
    """Extract every contract of one batch; unreadable files become quarantine records, never exceptions.

    Each file is read in a child process under a time and memory limit (see doc_limits)."""
    from extractors.amendments import describe_amendment
    from extractors.errors import DocumentError
    from extractors.pipeline import extract_document
    from extractors.text import warm_up

    log = logging.getLogger(__name__)
    env_timeout, env_memory = doc_limits()
    timeout_s = env_timeout if timeout_s is None else timeout_s
    max_memory_mb = env_memory if max_memory_mb is None else max_memory_mb
    warm_up()  # import the readers once here: every guarded child is forked from this process (~0.3 s each)
    # Celery's prefork pool (billiard) marks its workers, and so the task processes forked from them, as
    # daemonic, and a daemonic process may not start children: the guard could not fork and every file was
    # quarantined as extractor_error. The guard joins or kills its own child, so nothing is orphaned.
    multiprocessing.current_process()._config.pop("daemon", None)
    batch = json.loads(Path(batch_path).read_text())
    as_of = dt.date.fromisoformat(batch["logical_date"])
    out = Path(batch_path).parent.parent / "extract" / (Path(batch_path).stem + ".jsonl")
    tmp = out.with_suffix(".jsonl.tmp")
    with tmp.open("w") as fh:
        for item in batch["items"]:
            started = time.perf_counter()
            try:
                doc = _load_document(item["path"], timeout_s, max_memory_mb)
                rec = extract_document(doc, as_of, review_threshold).to_dict()
                rec.update(
                    kind="extraction",
                    contract_id=item["contract_id"],
                    content_hash=item["hash"],
                    size_bytes=item["size_bytes"],
                    mime=doc.mime,
                    ocr_confidence=doc.ocr_confidence,
                    amendment=describe_amendment(doc.text),
                    seconds=round(time.perf_counter() - started, 4),
                )
            except DocumentError as exc:
                rec = {"kind": "quarantine", "stage": "extract", "contract_id": item["contract_id"],
                       "source": item["path"], "content_hash": item["hash"], "reason": exc.reason,
                       "message": str(exc) if Path(item["path"]).name in str(exc)
                                  else f"{Path(item['path']).name}: {exc}"}  # fmt: skip
            except Exception as exc:  # an extractor bug must not stop the night; it is quarantined with its type
                rec = {"kind": "quarantine", "stage": "extract", "contract_id": item["contract_id"],
                       "source": item["path"], "content_hash": item["hash"], "reason": "extractor_error",
                       "message": f"{Path(item['path']).name}: {type(exc).__name__}: {exc}; the file is kept, "
                                  "report it with this message"}  # fmt: skip
            if rec["kind"] == "quarantine":
                log.warning("quarantined %s (%s): %s", item["path"], rec["reason"], rec["message"])
            fh.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
    os.replace(tmp, out)
    return str(out)


def read_batch_output(paths: Iterable[str]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for p in sorted(paths):
        with open(p) as fh:
            records.extend(json.loads(line) for line in fh if line.strip())
    return records


@dataclass
class RunSummary:
    run_id: str
    logical_date: str
    seen: int
    processed: int
    skipped: int
    quarantined: int
    duplicates: int
    milestones_inserted: int
    milestones_updated: int
    milestones_removed: int
    soft_deleted: int
    gate_failed_batches: int
    amendments: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def load(
    manifest_path: str,
    extract_paths: Iterable[str],
    failed_batches: dict[str, str] | None = None,
    always_review_types: tuple[str, ...] | None = None,
    our_parties: tuple[str, ...] | None = None,
    review_threshold: float | None = None,
) -> RunSummary:
    """The single writer: merge passing batches into the register and record quarantine and run stats.

    failed_batches maps an extract output path to the reason the quality gate rejected it; those records are
    quarantined as a batch and not loaded. The review rule (threshold, always-review types) is the one an admin
    set in the review app (raw.review_settings, defaults 0.85 and payment + compliance) unless given here:
    a milestone needs review when its confidence is below the threshold, whatever threshold extraction used.
    """
    manifest = json.loads(Path(manifest_path).read_text())
    run_id = manifest["run_id"]
    logical_date = dt.date.fromisoformat(manifest["logical_date"])
    failed_batches = failed_batches or {}
    if our_parties is None:  # names of the company running the pipeline, so the other party is the counterparty
        our_parties = tuple(p.strip() for p in os.environ.get("MILESTONES_OUR_PARTIES", "").split(";") if p.strip())
    records = read_batch_output(p for p in extract_paths if p not in failed_batches)
    extractions = [r for r in records if r.get("kind") == "extraction"]
    bad_docs = [r for r in records if r.get("kind") == "quarantine"]
    source_system = manifest.get("source_system", "folder")
    with open_register(manifest["warehouse"]) as con:
        from .amendments import apply_amendments, carry_parent_links
        from .review.settings import review_settings_for_loader

        configured = review_settings_for_loader(con)
        if always_review_types is None:
            always_review_types = tuple(configured["always_review_types"])
        threshold = configured["review_threshold"] if review_threshold is None else review_threshold
        for rec in extractions:
            for m in rec.get("extracted_milestones") or ():
                if isinstance(m.get("confidence"), (int, float)):
                    m["needs_review"] = m["confidence"] < threshold

        con.execute("begin transaction")
        start_run(con, run_id, logical_date, manifest["extractor_version"], manifest["model_version"])
        write_business_calendar(con, logical_date.year - 6, logical_date.year + 6)
        for path, reason in sorted(failed_batches.items()):
            for rec in read_batch_output([path]):
                quarantine(con, run_id, "gate", reason.split(":", 1)[0], reason,
                           contract_id=rec.get("contract_id"), source_path=rec.get("source"),
                           content_hash=rec.get("content_hash"))  # fmt: skip
        for d in manifest["duplicates"]:
            logging.getLogger(__name__).warning(
                "quarantined %s (duplicate): same bytes as contract %s; remove the copy", d["path"], d["duplicate_of"]
            )
            quarantine(con, run_id, "ingest", "duplicate",
                       f"{Path(d['path']).name} has the same content as contract {d['duplicate_of']}; "
                       "remove the copy or, if it is a different contract, fix the file",
                       contract_id=d["contract_id"], source_path=d["path"], content_hash=d["hash"])  # fmt: skip
        for c in manifest.get("clashes", []):
            logging.getLogger(__name__).warning(
                "quarantined %s (contract_id_clash): same name as %s; rename one of them", c["path"], c["other"]
            )
            quarantine(con, run_id, "ingest", "contract_id_clash",
                       f"{Path(c['path']).name} has the same name as {Path(c['other']).name}, so both would be "
                       f"contract {c['contract_id']!r}; rename one of them",
                       source_path=c["path"], content_hash=c["hash"])  # fmt: skip
        for r in bad_docs:
            quarantine(con, run_id, r["stage"], r["reason"], r["message"], contract_id=r["contract_id"],
                       source_path=r["source"], content_hash=r["content_hash"])  # fmt: skip
        carry_parent_links(con, extractions, source_system)
        stats = load_extractions(con, run_id, extractions, always_review_types=always_review_types,
                                 source_system=source_system, our_parties=our_parties)  # fmt: skip
        deleted = 0
        if manifest.get("complete_listing", True):
            deleted = soft_delete_missing(con, run_id, manifest["present"], source_system)
        amended = apply_amendments(con, run_id, logical_date, extractions)
        status = "gate_failed" if failed_batches else "loaded"
        finish_run(
            con, run_id, status,
            contracts_seen=manifest["seen"], contracts_processed=len(extractions),
            contracts_skipped=len(manifest["skipped"]), contracts_quarantined=len(bad_docs) + len(manifest["duplicates"]) + len(manifest.get("clashes", [])),
            milestones_loaded=stats.milestones_inserted + stats.milestones_updated,
        )  # fmt: skip
        con.execute("commit")
        from .evidence import scan_for_run  # own transaction: evidence files read, obligations judged

        evidence = scan_for_run(con, run_id, logical_date, manifest["inbox"], manifest["warehouse"]).to_dict()
    summary = RunSummary(
        run_id=run_id, logical_date=logical_date.isoformat(), seen=manifest["seen"], processed=len(extractions),
        skipped=len(manifest["skipped"]), quarantined=len(bad_docs), duplicates=len(manifest["duplicates"]),
        milestones_inserted=stats.milestones_inserted, milestones_updated=stats.milestones_updated,
        milestones_removed=stats.milestones_removed, soft_deleted=deleted, gate_failed_batches=len(failed_batches),
        amendments={k: v for k, v in amended.__dict__.items() if k != "notes"} | {"notes": amended.notes[:20]},
        evidence=evidence,
    )  # fmt: skip
    (Path(manifest_path).parent / "load_summary.json").write_text(json.dumps(summary.to_dict(), indent=1))
    return summary
