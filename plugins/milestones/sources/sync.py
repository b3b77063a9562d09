"""Pull contracts from a CLM into a staging inbox, resumable; write extracted dates back, idempotent.

Pull (runs in the DuckDB writer pool — it writes raw.source_items, raw.source_pulls, raw.watermarks):
- incremental: items changed since the scope's watermark (``<source>:updated[:<scope>]``), oldest first; after
  each document lands in the staging inbox (atomic rename) its row is written and the watermark moves to its
  version. A failure stops the pull; the next one starts from the watermark — pages already landed are not
  listed again (Ironclad filters server-side) and nothing landed is downloaded again.
- backlog: every item, page by page; the next page number is checkpointed (``<source>:backlog[:<scope>]``) so a
  long first import resumes where it stopped. At the end the incremental watermark moves to the newest item seen.
- record: specific items (a webhook names one).
The staging inbox (``data/clm/<source>/inbox``, one file per contract, stem = contract id) is a mirror: the
nightly plan skips unchanged files by hash, so a file staged but never loaded is picked up by the next run.
Items without a document, or refused with a 4xx, are recorded as failed (with the reason) and passed: they are
retried when the source reports a newer version.

Write-back: after a load, each staged item's contract gets its effective dates from the register; the payload's
hash is compared with the last accepted one, so a re-run sends nothing new.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from extractors.errors import MilestonesError

from ..paths import get_paths
from ..register import audit, open_register
from .base import Page, Source, SourceItem
from .http import SourceError

__all__ = [
    "PullResult",
    "WritebackResult",
    "staging_inbox",
    "pull",
    "get_watermark",
    "set_watermark",
    "writeback_fields",
    "write_back",
    "MODES",
]

log = logging.getLogger(__name__)
MODES = ("incremental", "backlog", "record")
_SUMMARY_LIMIT = 1000


def staging_inbox(source_name: str) -> Path:
    return get_paths().data / "clm" / source_name / "inbox"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _key(source: str, what: str, scope: str | None) -> str:
    return f"{source}:{what}" + (f":{scope}" if scope else "")


def get_watermark(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    row = con.execute("select value from raw.watermarks where source = ?", [key]).fetchone()
    return row[0] if row else None


def set_watermark(con: duckdb.DuckDBPyConnection, key: str, value: str | None) -> None:
    if value is None:
        con.execute("delete from raw.watermarks where source = ?", [key])
        return
    con.execute(
        "insert into raw.watermarks (source, value, updated_at) values (?, ?, ?) "
        "on conflict (source) do update set value = excluded.value, updated_at = excluded.updated_at",
        [key, value, _now()],
    )


@dataclass
class PullResult:
    source: str
    mode: str
    pull_id: str
    pages: int = 0
    listed: int = 0
    downloaded: int = 0
    skipped: int = 0
    failed: int = 0
    watermarks_before: dict[str, str | None] = field(default_factory=dict)
    watermarks_after: dict[str, str | None] = field(default_factory=dict)
    staged: list[str] = field(default_factory=list)  # contract ids landed in this pull
    failures: list[str] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class _Puller:
    def __init__(self, con, source: Source, staging: Path, result: PullResult) -> None:
        self.con = con
        self.source = source
        self.staging = staging
        self.result = result
        staging.mkdir(parents=True, exist_ok=True)

    def _row(self, item: SourceItem) -> tuple | None:
        return self.con.execute(
            "select source_version, status, staged_path, content_hash from raw.source_items where source = ? and item_id = ?",
            [item.source, item.item_id],
        ).fetchone()

    def _record(self, item: SourceItem, status: str, path: str | None, digest: str | None, size: int | None,
                error: str | None) -> None:  # fmt: skip
        self.con.execute(
            """
            insert into raw.source_items (source, item_id, contract_id, external_ref, name, source_version,
                staged_path, content_hash, size_bytes, parent_ref, status, last_error, pulled_at)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            on conflict (source, item_id) do update set contract_id = excluded.contract_id,
                external_ref = excluded.external_ref, name = excluded.name, source_version = excluded.source_version,
                staged_path = coalesce(excluded.staged_path, raw.source_items.staged_path),
                content_hash = coalesce(excluded.content_hash, raw.source_items.content_hash),
                size_bytes = coalesce(excluded.size_bytes, raw.source_items.size_bytes),
                parent_ref = excluded.parent_ref, status = excluded.status, last_error = excluded.last_error,
                pulled_at = excluded.pulled_at
            """,
            [item.source, item.item_id, item.contract_id, item.external_ref, item.name, item.version, path, digest,
             size, item.parent_ref, status, error, _now()],
        )  # fmt: skip

    def land(self, item: SourceItem) -> bool:
        """Stage one item's document; True when the item is settled (landed, already there, or failed for good)."""
        self.result.listed += 1
        row = self._row(item)
        if row is not None and row[0] == item.version and row[1] in ("staged", "failed"):
            if row[1] == "failed" or (row[2] and Path(row[2]).exists()):
                self.result.skipped += 1
                return True
        if not item.download_ref:
            self._fail(item, "no_document: the record has no signed copy yet; it is pulled again when it changes")
            return True
        try:
            doc = self.source.download(item)
        except SourceError as exc:
            if exc.transient:
                raise
            self._fail(item, f"download refused: {exc}")
            return True
        if not doc.content:
            self._fail(item, "empty_file: the source returned 0 bytes for the signed copy")
            return True
        path = self.staging / f"{item.contract_id}{doc.extension()}"
        tmp = path.with_name(f".{path.name}.part")
        tmp.write_bytes(doc.content)
        os.replace(tmp, path)
        for other in self.staging.glob(f"{item.contract_id}.*"):
            if other != path and other.suffix in (".pdf", ".docx", ".txt"):
                other.unlink()  # the new version changed format: one file per contract
        digest = hashlib.sha256(doc.content).hexdigest()
        self._record(item, "staged", str(path), digest, len(doc.content), None)
        self.result.downloaded += 1
        self.result.staged.append(item.contract_id)
        return True

    def _fail(self, item: SourceItem, why: str) -> None:
        self._record(item, "failed", None, None, None, why)
        self.result.failed += 1
        self.result.failures.append(f"{item.contract_id}: {why}")
        log.warning("%s %s: %s", item.source, item.external_ref or item.item_id, why)


def pull(
    source: Source,
    warehouse: Path | str | None = None,
    *,
    mode: str = "incremental",
    record_ids: Sequence[str] = (),
    staging: Path | None = None,
    raise_on_error: bool = True,
) -> PullResult:
    """Bring the source's changed (or all, or named) contracts into the staging inbox; see the module doc."""
    if mode not in MODES:
        raise MilestonesError(f"pull mode {mode!r}: use one of {', '.join(MODES)}")
    if mode == "record" and not record_ids:
        raise MilestonesError("pull mode 'record' needs record_ids (the webhook's record id)")
    warehouse = Path(warehouse or get_paths().warehouse)
    staging = Path(staging or staging_inbox(source.name))
    started = _now()
    result = PullResult(source.name, mode, f"{source.name}:{mode}:{started.isoformat()}")
    with open_register(warehouse) as con:
        con.execute("insert into raw.source_pulls (pull_id, source, mode, started_at, status) values (?, ?, ?, ?, 'running')",
                    [result.pull_id, source.name, mode, started])  # fmt: skip
        puller = _Puller(con, source, staging, result)
        try:
            if mode == "record":
                for item in source.get_items(list(record_ids)):
                    puller.land(item)
            else:
                for scope in source.scopes():
                    _pull_scope(con, source, puller, scope, mode)
        except SourceError as exc:
            result.error = str(exc)
        result.watermarks_after = {
            k: get_watermark(con, k) for k in result.watermarks_before
        }  # fmt: skip
        con.execute(
            "update raw.source_pulls set finished_at = ?, watermark_before = ?, watermark_after = ?, pages = ?, "
            "listed = ?, downloaded = ?, skipped = ?, failed = ?, status = ?, error = ? where pull_id = ?",
            [_now(), json.dumps(result.watermarks_before), json.dumps(result.watermarks_after), result.pages,
             result.listed, result.downloaded, result.skipped, result.failed,
             "failed" if result.error else "complete", result.error, result.pull_id],
        )  # fmt: skip
    if result.error and raise_on_error:
        raise SourceError(f"{source.name} pull stopped after {result.downloaded} new document(s): {result.error}. "
                          "What landed is kept; the next run resumes from the checkpoint.", transient=True)  # fmt: skip
    return result


def _pull_scope(con, source: Source, puller: _Puller, scope: str | None, mode: str) -> None:
    result = puller.result
    updated_key = _key(source.name, "updated", scope)
    watermark = get_watermark(con, updated_key)
    result.watermarks_before[updated_key] = watermark
    pages: Iterable[Page]
    if mode == "incremental":
        pages = source.changed_since(scope, watermark)
        for page in pages:
            result.pages += 1
            for item in sorted(page.items, key=lambda i: i.version):
                puller.land(item)
                if item.version and (watermark is None or item.version > watermark):
                    watermark = item.version
                    set_watermark(con, updated_key, watermark)
        return
    backlog_key = _key(source.name, "backlog", scope)
    start = int(get_watermark(con, backlog_key) or 0)
    result.watermarks_before[backlog_key] = str(start) if start else None
    newest = watermark
    for page in source.all_items(scope, start):
        result.pages += 1
        for item in page.items:
            puller.land(item)
            if item.version and (newest is None or item.version > newest):
                newest = item.version
        set_watermark(con, backlog_key, None if page.last else str(page.number + 1))
    if newest and (watermark is None or newest > watermark):
        set_watermark(con, updated_key, newest)


# --- write-back -------------------------------------------------------------------------------------------


@dataclass
class WritebackResult:
    source: str
    considered: int = 0
    written: int = 0
    unchanged: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def writeback_fields(con: duckdb.DuckDBPyConnection, contract_id: str, as_of: dt.date) -> dict[str, Any]:
    """What the register says about one contract now: effective key dates and the obligations in force."""
    kd = con.execute(
        "select expiration_date, next_renewal_notice_deadline from raw.effective_key_dates where contract_id = ?",
        [contract_id],
    ).fetchone()
    rows = con.execute(
        """
        select due_date, milestone_name from raw.milestones
        where contract_id = ? and lifecycle_status = 'open' and superseded_by_contract_id is null
          and review_status <> 'rejected'
        order by due_date nulls last, milestone_name
        """,
        [contract_id],
    ).fetchall()
    upcoming = [(d, n) for d, n in rows if d is not None and d >= as_of]
    summary = "; ".join(f"{d.isoformat() if d else 'when triggered'} {n}" for d, n in rows)
    if len(summary) > _SUMMARY_LIMIT:
        summary = summary[: _SUMMARY_LIMIT - 1] + "…"
    return {
        "expiration_date": kd[0].isoformat() if kd and kd[0] else None,
        "next_renewal_notice_deadline": kd[1].isoformat() if kd and kd[1] else None,
        "next_deadline": upcoming[0][0].isoformat() if upcoming else None,
        "next_deadline_name": upcoming[0][1] if upcoming else None,
        "open_milestones": len(rows),
        "milestones_summary": summary or None,
    }


def write_back(
    source: Source,
    warehouse: Path | str | None,
    as_of: dt.date,
    *,
    contract_ids: Iterable[str] | None = None,
    run_id: str | None = None,
) -> WritebackResult:
    """Send each staged contract's dates to its source record; unchanged payloads are not sent again."""
    warehouse = Path(warehouse or get_paths().warehouse)
    result = WritebackResult(source.name)
    wanted = set(contract_ids) if contract_ids is not None else None
    with open_register(warehouse) as con:
        items = con.execute(
            """
            select i.item_id, i.contract_id, i.external_ref, i.name, i.source_version, w.payload_hash, w.status
            from raw.source_items i
            join raw.contracts c on c.contract_id = i.contract_id and c.status = 'active'
            left join raw.source_writebacks w on w.source = i.source and w.item_id = i.item_id
            where i.source = ? and i.status = 'staged'
            order by i.contract_id
            """,
            [source.name],
        ).fetchall()
        for item_id, cid, ref, name, version, last_hash, last_status in items:
            if wanted is not None and cid not in wanted:
                continue
            result.considered += 1
            fields = writeback_fields(con, cid, as_of)
            payload = json.dumps(fields, sort_keys=True)
            digest = hashlib.sha256(payload.encode()).hexdigest()
            if digest == last_hash and last_status == "written":
                result.unchanged += 1
                continue
            item = SourceItem(source.name, item_id, version or "", ref, name)
            status, error = "written", None
            http_status: int | None = 200
            try:
                source.write_back(item, fields)
            except SourceError as exc:
                status, http_status, error = "failed", exc.status, str(exc)
                result.failed += 1
                result.failures.append(f"{cid}: {exc}")
            else:
                result.written += 1
            con.execute(
                """
                insert into raw.source_writebacks (source, item_id, contract_id, payload_hash, payload, status,
                    http_status, last_error, attempts, run_id, written_at)
                values (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
                on conflict (source, item_id) do update set contract_id = excluded.contract_id,
                    payload_hash = case when excluded.status = 'written' then excluded.payload_hash
                                        else raw.source_writebacks.payload_hash end,
                    payload = excluded.payload, status = excluded.status, http_status = excluded.http_status,
                    last_error = excluded.last_error, attempts = raw.source_writebacks.attempts + 1,
                    run_id = excluded.run_id, written_at = excluded.written_at
                """,
                [source.name, item_id, cid, digest if status == "written" else None, payload, status, http_status,
                 error, run_id, _now()],
            )  # fmt: skip
            if status == "written":
                audit(con, f"writeback@{source.name}", "write_back", "contract", cid, run_id, None, fields)
    return result

