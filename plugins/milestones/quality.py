"""The Great Expectations gate: extraction output before load, and the marts before publish/fan-out.

GX validates pandas DataFrames (read from the batch files or over a read-only DuckDB connection) — GX
cannot validate DuckDB through duckdb-engine. Results and Data Docs go to data/gx/ (MILESTONES_DATA).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .paths import get_paths

__all__ = [
    "GateResult", "QualityGateError", "validate_frame", "extraction_frame", "gate_extraction", "gate_marts",
    "enforce_marts_gate",
]

log = logging.getLogger(__name__)


@dataclass
class GateResult:
    suite: str
    success: bool
    evaluated: int
    critical: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    docs_index: str | None = None

    def reason(self) -> str:
        return f"{self.suite}: " + "; ".join(self.critical)


def _describe(result: Any) -> str:
    cfg = result.expectation_config
    kwargs = {k: v for k, v in cfg.kwargs.items() if k not in ("batch_id",)}
    res = result.result or {}
    detail = ""
    if "unexpected_count" in res:
        sample = res.get("partial_unexpected_list") or []
        detail = f" — {res['unexpected_count']} unexpected, e.g. {sample[:3]}"
    elif "observed_value" in res:
        detail = f" — observed {res['observed_value']}"
    return f"{cfg.type}({', '.join(f'{k}={v}' for k, v in kwargs.items())}){detail}"


def _context():
    import great_expectations as gx

    root = get_paths().data / "gx"
    root.mkdir(parents=True, exist_ok=True)
    return gx.get_context(mode="file", project_root_dir=str(root))


def validate_frame(suite_key: str, df: pd.DataFrame, build_docs: bool = True) -> GateResult:
    """Validate one DataFrame against the named suite from `expectations.SUITES`."""
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    from expectations import SUITES

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    context = _context()  # must exist before a suite is built
    suite = SUITES[suite_key]()
    suite = context.suites.add_or_update(suite)
    source = context.data_sources.add_or_update_pandas(name="frames")
    try:
        asset = source.get_asset(suite_key)
    except LookupError:
        asset = source.add_dataframe_asset(name=suite_key)
    try:
        batch_def = asset.get_batch_definition("whole")
    except (KeyError, LookupError):
        batch_def = asset.add_batch_definition_whole_dataframe("whole")
    vd = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=f"{suite.name}__vd", data=batch_def, suite=suite)
    )
    actions = [UpdateDataDocsAction(name="update_docs")] if build_docs else []
    cp = context.checkpoints.add_or_update(
        gx.Checkpoint(name=f"{suite.name}__checkpoint", validation_definitions=[vd], actions=actions,
                      result_format={"result_format": "SUMMARY"})  # fmt: skip
    )
    run = cp.run(batch_parameters={"dataframe": df})
    critical: list[str] = []
    warnings: list[str] = []
    for vr in run.run_results.values():
        for r in vr.results:
            if r.success:
                continue
            severity = str(getattr(r.expectation_config, "severity", "critical")).lower()
            (warnings if "warning" in severity or "info" in severity else critical).append(_describe(r))
    docs = None
    if build_docs:
        urls = context.get_docs_sites_urls()
        docs = urls[0]["site_url"] if urls else None
    result = GateResult(suite.name, not critical, len(df), critical, warnings, docs)
    for w in warnings:
        log.warning("GX warning in %s: %s", suite.name, w)
    for c in critical:
        log.error("GX CRITICAL in %s: %s", suite.name, c)
    return result


def extraction_frame(records: Iterable[dict], previous_counts: dict[str, int] | None = None) -> pd.DataFrame:
    """One row per extracted milestone, with the derived columns the extraction suite checks."""
    previous_counts = previous_counts or {}
    rows: list[dict[str, Any]] = []
    epoch = dt.date(1970, 1, 1)
    recs = [r for r in records if r.get("kind") == "extraction"]
    counts = Counter(r["contract_id"] for r in recs for _ in (r.get("extracted_milestones") or []))
    for rec in recs:
        kd = rec.get("key_dates") or {}
        start = _as_date(kd.get("effective_date")) or _as_date(kd.get("agreement_date"))
        exp = kd.get("expiration_date")
        end = _as_date(exp) if exp != "perpetual" else None
        for m in rec.get("extracted_milestones") or []:
            due = _as_date(m.get("due_date"))
            within = True
            if due is not None and start is not None:
                within = start - dt.timedelta(days=730) <= due <= (end or due) + dt.timedelta(days=730)
            prev = previous_counts.get(rec["contract_id"])
            rows.append(
                {
                    "contract_id": rec["contract_id"],
                    "obligation_type": m.get("obligation_type"),
                    "confidence": m.get("confidence"),
                    "source_text": m.get("source_text"),
                    "due_date_days_from_1970": (due - epoch).days if due else None,
                    "due_within_term_window": within,
                    "count_ratio_vs_last_run": (counts[rec["contract_id"]] / prev) if prev else 1.0,
                }
            )
    columns = ["contract_id", "obligation_type", "confidence", "source_text", "due_date_days_from_1970",
               "due_within_term_window", "count_ratio_vs_last_run"]  # fmt: skip
    df = pd.DataFrame(rows, columns=columns)
    df["confidence"] = pd.to_numeric(df["confidence"], errors="coerce").astype("float64")
    df["due_date_days_from_1970"] = pd.to_numeric(df["due_date_days_from_1970"], errors="coerce").astype("Float64")
    return df


def _as_date(value: Any) -> dt.date | None:
    if not value or value == "perpetual":
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def gate_extraction(extract_paths: Iterable[str], warehouse: Path | None = None) -> dict[str, str]:
    """Validate each batch file; return {path: reason} for batches with a critical failure."""
    from .nightly import read_batch_output
    from .register import open_register

    warehouse = Path(warehouse or get_paths().warehouse)
    previous: dict[str, int] = {}
    if warehouse.exists():
        with open_register(warehouse) as con:
            previous = dict(
                con.execute(
                    "select contract_id, count(*) from raw.milestones where lifecycle_status <> 'removed' "
                    "and origin = 'machine' group by contract_id"
                ).fetchall()
            )
    failed: dict[str, str] = {}
    report: dict[str, Any] = {}
    for path in sorted(extract_paths):
        df = extraction_frame(read_batch_output([path]), previous)
        result = validate_frame("extraction", df)
        report[path] = {"success": result.success, "critical": result.critical, "warnings": result.warnings}
        if not result.success:
            failed[path] = f"gx_extraction_failed: {result.reason()}"
    if extract_paths:
        out = Path(sorted(extract_paths)[0]).parent.parent / "gate_extraction.json"
        out.write_text(json.dumps(report, indent=1))
    return failed


def gate_marts(warehouse: Path | None = None) -> list[GateResult]:
    """Validate the marts (read inside the writer pool with the writer's settings, so an in-process dbt
    connection to the same file is shared rather than refused)."""
    from .register import open_register

    warehouse = Path(warehouse or get_paths().warehouse)
    with open_register(warehouse) as con:
        frames = {
            "fct_obligations": con.execute("select * from marts.fct_obligations").df(),
            "mart_upcoming_deadlines": con.execute("select * from marts.mart_upcoming_deadlines").df(),
        }
    return [validate_frame(name, df) for name, df in frames.items()]


class QualityGateError(Exception):
    """A critical expectation failed; the message lists which and where the details are."""


def enforce_marts_gate(run_id: str, warehouse: Path | None = None) -> list[dict[str, Any]]:
    """Validate the marts; on a critical failure record it in raw.quarantine and raise QualityGateError."""
    from .register import open_register, quarantine

    warehouse = Path(warehouse or get_paths().warehouse)
    results = gate_marts(warehouse)
    failed = [r for r in results if not r.success]
    if failed:
        reason = " | ".join(r.reason() for r in failed)
        with open_register(warehouse) as con:
            quarantine(con, run_id, "gate", "gx_marts_failed", reason, source_path="marts")
        raise QualityGateError(
            f"marts failed the quality gate, nothing was published or sent: {reason}. "
            f"Details: raw.quarantine and Data Docs at {failed[0].docs_index}"
        )
    return [{"suite": r.suite, "rows": r.evaluated, "warnings": r.warnings} for r in results]
