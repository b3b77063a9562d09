"""The Great Expectations gate: extraction output before load, the register, and the marts before publish.

GX validates pandas DataFrames (read from the batch files, or from DuckDB inside the writer pool) — GX cannot
validate DuckDB through duckdb-engine. Every expectation's outcome (warnings and passes too) is stored in
raw.quality_results; a critical failure quarantines the batch (extraction) or stops the run before anything
is published or sent (register, marts). Data Docs are rebuilt after each gate into data/gx/data_docs/
(`docs_index()`); the GX project itself (generated suites, results) lives in data/gx/gx/, never committed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .paths import get_paths

__all__ = [
    "ExpectationOutcome",
    "GateResult",
    "QualityGateError",
    "docs_dir",
    "docs_index",
    "validate_frame",
    "record_results",
    "build_docs",
    "prune_results",
    "extraction_frame",
    "gate_extraction",
    "register_summary_frame",
    "gate_register",
    "enforce_register_gate",
    "mart_frames",
    "gate_marts",
    "enforce_marts_gate",
    "MARTS",
]

log = logging.getLogger(__name__)

# The marts the gate checks and the published copy serves (mart_audit_trail belongs to the review app).
MARTS: tuple[str, ...] = (
    "fct_obligations", "dim_contracts", "dim_counterparties", "mart_upcoming_deadlines", "mart_at_risk",
    "mart_renewal_windows", "mart_sla_performance", "mart_payment_schedule", "mart_obligation_health",
    "mart_payment_months", "mart_obligation_evidence", "mart_milestone_dependencies",
)  # fmt: skip
_EPOCH = dt.date(1970, 1, 1)


class QualityGateError(Exception):
    """A critical expectation failed; the message lists which and where the details are."""


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str
    severity: str  # critical | warning
    success: bool
    observed: str | None


@dataclass
class GateResult:
    suite: str
    batch: str
    success: bool
    evaluated: int
    critical: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    outcomes: list[ExpectationOutcome] = field(default_factory=list)

    def reason(self) -> str:
        return f"{self.suite} [{self.batch}]: " + "; ".join(self.critical)


# --- GX plumbing ---------------------------------------------------------------------------------------------


def docs_dir() -> Path:
    """Where the Data Docs site is built (index.html inside)."""
    return get_paths().data / "gx" / "data_docs"


def docs_index() -> Path:
    return docs_dir() / "index.html"


def _context():
    import great_expectations as gx

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    root = get_paths().data / "gx"
    root.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(root))
    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir())},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    if (context.variables.data_docs_sites or {}) != {"local_site": site}:
        context.variables.data_docs_sites = {"local_site": site}
        context.variables.save()
        context = gx.get_context(mode="file", project_root_dir=str(root))
    return context


def _severity(cfg: Any) -> str:
    raw = getattr(cfg, "severity", None)
    text = str(getattr(raw, "value", raw) or "critical").lower()
    return "warning" if ("warning" in text or "info" in text) else "critical"


def _describe(cfg: Any) -> str:
    kwargs = {k: v for k, v in cfg.kwargs.items() if k not in ("batch_id",)}
    return f"{cfg.type}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"


def _observed(result: dict) -> str | None:
    if not result:
        return None
    if "unexpected_count" in result:
        sample = (result.get("partial_unexpected_list") or [])[:3]
        return f"{result['unexpected_count']} unexpected, e.g. {sample}"
    if "observed_value" in result:
        return f"observed {result['observed_value']}"
    return None


def validate_frame(suite_key: str, df: pd.DataFrame, *, batch: str | None = None, context: Any = None) -> GateResult:
    """Validate one DataFrame against the named suite from `expectations.SUITES` (results are stored in the
    GX project for Data Docs; call build_docs() once after a gate)."""
    import great_expectations as gx

    from expectations import SUITES

    context = context or _context()
    suite = context.suites.add_or_update(SUITES[suite_key]())
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
    run = vd.run(batch_parameters={"dataframe": df}, result_format="SUMMARY")
    result = GateResult(suite.name, batch or suite_key, True, len(df))
    for r in run.results:
        severity = _severity(r.expectation_config)
        described = _describe(r.expectation_config)
        observed = _observed(r.result or {})
        if r.exception_info and r.exception_info.get("raised_exception"):
            observed = f"could not be evaluated: {r.exception_info.get('exception_message')}"
        result.outcomes.append(ExpectationOutcome(described, severity, bool(r.success), observed))
        if r.success:
            continue
        line = described + (f" — {observed}" if observed else "")
        (result.warnings if severity == "warning" else result.critical).append(line)
    result.success = not result.critical
    for w in result.warnings:
        log.warning("GX warning in %s [%s]: %s", result.suite, result.batch, w)
    for c in result.critical:
        log.error("GX CRITICAL in %s [%s]: %s", result.suite, result.batch, c)
    return result


def docs_keep() -> int:
    """How many validation results Data Docs keep (MILESTONES_GX_DOCS_KEEP, default 50)."""
    return max(1, int(os.environ.get("MILESTONES_GX_DOCS_KEEP", "50")))


def prune_results(context: Any, keep: int | None = None) -> int:
    """Delete all but the newest `keep` stored validation results, and their Data Docs pages; returns how many.

    GX re-renders every stored result on each docs build, so without a bound every night's gates get slower
    (250 stored results: ~5 s per build). Every outcome stays in raw.quality_results for good."""
    keep = docs_keep() if keep is None else keep
    store = context.validation_results_store
    keys = sorted(store.list_keys(), key=lambda k: str(k.run_id.run_time))
    old = keys[: max(0, len(keys) - keep)]
    for key in old:
        store.remove_key(key)
        page = docs_dir() / "validations" / Path(*key.to_tuple()).with_suffix(".html")
        page.unlink(missing_ok=True)
    return len(old)


def build_docs(context: Any = None) -> Path:
    """Rebuild the Data Docs site from the newest stored validations (see prune_results); returns index.html."""
    context = context or _context()
    pruned = prune_results(context)
    if pruned:
        log.info("Data Docs: %d older validation results pruned (kept %d; raw.quality_results has all)", pruned,
                 docs_keep())  # fmt: skip
    context.build_data_docs()
    return docs_index()


def record_results(con: Any, run_id: str, results: Sequence[GateResult], at: dt.datetime | None = None) -> int:
    """Store every expectation outcome in raw.quality_results (re-running a gate replaces its rows)."""
    from .register import _Bulk, transaction

    at = at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = []
    for res in results:
        for i, o in enumerate(res.outcomes):
            rid = hashlib.sha1(f"{run_id}|{res.suite}|{res.batch}|{i}|{o.expectation}".encode()).hexdigest()[:24]
            rows.append({"result_id": rid, "run_id": run_id, "suite": res.suite, "batch": res.batch,
                         "expectation": o.expectation, "severity": o.severity, "success": o.success,
                         "observed": o.observed, "rows_evaluated": res.evaluated, "validated_at": at})  # fmt: skip
    with transaction(con):
        bulk = _Bulk(con)
        batches = sorted({(r.suite, r.batch) for r in results})
        for suite, batch in batches:
            con.execute("delete from raw.quality_results where run_id = ? and suite = ? and batch = ?", [run_id, suite, batch])
        bulk.insert("quality_results", list(rows[0]) if rows else [], rows)
    return len(rows)


# --- extraction output ---------------------------------------------------------------------------------------

_MILESTONE_KEYS = {"milestone_name": str, "obligation_type": str, "confidence": (int, float), "source_text": str,
                   "source_span": dict, "due_rule": dict}  # fmt: skip


def _as_date(value: Any) -> dt.date | None:
    if not value or value == "perpetual":
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _schema_problems(rec: dict, m: Any) -> str | None:
    problems = []
    if not isinstance(rec.get("key_dates"), dict):
        problems.append("record has no key_dates object")
    if not isinstance(m, dict):
        return "; ".join(problems + [f"milestone is {type(m).__name__}, not an object"])
    for key, types in _MILESTONE_KEYS.items():
        if key not in m:
            problems.append(f"missing {key}")
        elif m[key] is not None and not isinstance(m[key], types):
            problems.append(f"{key} is {type(m[key]).__name__}")
    return "; ".join(problems) or None


def extraction_frame(records: Iterable[dict], previous_counts: dict[str, int] | None = None) -> pd.DataFrame:
    """One row per extracted milestone, with the derived columns the extraction suite checks."""
    previous_counts = previous_counts or {}
    rows: list[dict[str, Any]] = []
    recs = [r for r in records if r.get("kind", "extraction") == "extraction"]
    counts = Counter(r.get("contract_id") for r in recs for _ in (r.get("extracted_milestones") or []))
    for rec in recs:
        kd = rec.get("key_dates") if isinstance(rec.get("key_dates"), dict) else {}
        start = _as_date(kd.get("effective_date")) or _as_date(kd.get("agreement_date"))
        end = _as_date(kd.get("expiration_date"))
        ms = rec.get("extracted_milestones")
        if not isinstance(ms, list):
            ms = [ms] if ms else []
        prev = previous_counts.get(rec.get("contract_id"))
        for m in ms:
            md = m if isinstance(m, dict) else {}
            raw_due = md.get("due_date")
            due = _as_date(raw_due)
            within = True
            if due is not None and start is not None:
                within = start - dt.timedelta(days=730) <= due <= (end or due) + dt.timedelta(days=730)
            try:
                confidence = float(md.get("confidence")) if md.get("confidence") is not None else None
            except (TypeError, ValueError):
                confidence = math.nan  # not a number: fails the range check with the value shown
            rows.append(
                {
                    "contract_id": rec.get("contract_id"),
                    "schema_problems": _schema_problems(rec, m),
                    "obligation_type": md.get("obligation_type"),
                    "confidence": confidence,
                    "source_text": md.get("source_text") if isinstance(md.get("source_text"), str) else None,
                    "due_date": None if raw_due is None else str(raw_due),
                    "due_date_parseable": raw_due in (None, "") or due is not None,
                    "due_date_days_from_1970": (due - _EPOCH).days if due else None,
                    "due_within_term_window": within,
                    "count_ratio_vs_last_run": (counts[rec.get("contract_id")] / prev) if prev else 1.0,
                }
            )
    columns = ["contract_id", "schema_problems", "obligation_type", "confidence", "source_text", "due_date",
               "due_date_parseable", "due_date_days_from_1970", "due_within_term_window",
               "count_ratio_vs_last_run"]  # fmt: skip
    df = pd.DataFrame(rows, columns=columns)
    df["confidence"] = pd.to_numeric(df["confidence"], errors="coerce").astype("float64")
    df["due_date_days_from_1970"] = pd.to_numeric(df["due_date_days_from_1970"], errors="coerce").astype("Float64")
    df["due_date_parseable"] = df["due_date_parseable"].astype("bool")
    df["due_within_term_window"] = df["due_within_term_window"].astype("bool")
    return df


def gate_extraction(extract_paths: Iterable[str], warehouse: Path | None = None) -> dict[str, str]:
    """Validate each batch file; return {path: reason} for batches with a critical failure.

    Runs inside the writer pool: it reads the previous milestone counts and stores the results in
    raw.quality_results (run id = the batch's run directory, nightly__<date>).
    """
    from .nightly import read_batch_output
    from .register import open_register

    paths = sorted(extract_paths)
    warehouse = Path(warehouse or get_paths().warehouse)
    failed: dict[str, str] = {}
    if not paths:
        return failed
    context = _context()
    results: list[GateResult] = []
    with open_register(warehouse) as con:
        previous = dict(
            con.execute(
                "select contract_id, count(*) from raw.milestones where lifecycle_status <> 'removed' "
                "and origin = 'machine' group by contract_id"
            ).fetchall()
        )
        for path in paths:
            try:
                records = read_batch_output([path])
            except (OSError, ValueError) as exc:  # unreadable or not JSON lines: the batch cannot be trusted
                failed[path] = f"gx_extraction_failed: {Path(path).name} is not readable JSON lines ({exc})"
                continue
            result = validate_frame("extraction", extraction_frame(records, previous), batch=Path(path).name,
                                    context=context)  # fmt: skip
            results.append(result)
            if not result.success:
                failed[path] = f"gx_extraction_failed: {result.reason()}"
        run_id = Path(paths[0]).parent.parent.name
        if results:
            record_results(con, run_id, results)
    report = {r.batch: {"success": r.success, "critical": r.critical, "warnings": r.warnings} for r in results}
    report |= {Path(p).name: {"success": False, "critical": [reason], "warnings": []} for p, reason in failed.items()
               if Path(p).name not in report}  # fmt: skip
    (Path(paths[0]).parent.parent / "gate_extraction.json").write_text(json.dumps(report, indent=1))
    build_docs(context)
    return failed


# --- register ------------------------------------------------------------------------------------------------


def register_summary_frame(con: Any, as_of: dt.date) -> pd.DataFrame:
    """One row describing the register as of `as_of` (the latest load on or before it)."""
    latest = con.execute(
        "select run_id, status from raw.extraction_runs where logical_date <= ? order by logical_date desc, started_at desc limit 1",
        [as_of],
    ).fetchall()
    run_id, status = latest[0] if latest else (None, "none")
    q = lambda sql, params=(): con.execute(sql, list(params)).fetchall()[0][0]  # noqa: E731
    live = q("select count(*) from raw.milestones where lifecycle_status <> 'removed'")
    contracts = q("select count(*) from raw.contracts where status = 'active'")
    deleted_latest = q("select count(*) from raw.audit_log where action = 'soft_delete' and run_id = ?", [run_id]) if run_id else 0
    seen = q("select count(*) from raw.contracts where status = 'active' or deleted_at is not null")
    return pd.DataFrame([{
        "latest_run_id": run_id,
        "latest_run_status": status,
        "unaudited_milestones": q(
            "select count(*) from raw.milestones m where origin = 'machine' and not exists "
            "(select 1 from raw.audit_log a where a.entity = 'milestone' and a.entity_id = m.milestone_id)"
        ),
        "soft_deleted_share_latest_run": (deleted_latest / seen) if seen else 0.0,
        "pending_review_share": (q("select count(*) from raw.milestones where lifecycle_status <> 'removed' "
                                   "and review_status in ('pending', 'rereview')") / live) if live else 0.0,
        "milestones_per_contract": (live / contracts) if contracts else 1.0,
    }])  # fmt: skip


def _milestones_frame(con: Any) -> pd.DataFrame:
    df = con.execute(
        "select milestone_id, confidence, source_text, date_diff('day', date '1970-01-01', due_date) "
        "as due_date_days_from_1970 from raw.milestones where lifecycle_status <> 'removed'"
    ).df()
    df["due_date_days_from_1970"] = pd.to_numeric(df["due_date_days_from_1970"]).astype("Float64")
    return df


def gate_register(as_of: dt.date, warehouse: Path | None = None, *, con: Any = None) -> list[GateResult]:
    from .register import open_register

    warehouse = Path(warehouse or get_paths().warehouse)
    if con is None:
        with open_register(warehouse) as own:
            return gate_register(as_of, warehouse, con=own)
    context = _context()
    return [
        validate_frame("register", register_summary_frame(con, as_of), batch="raw", context=context),
        validate_frame("register_milestones", _milestones_frame(con), batch="raw.milestones", context=context),
    ]


def _enforce(kind: str, run_id: str, results: list[GateResult], con: Any) -> list[dict[str, Any]]:
    from .register import quarantine

    record_results(con, run_id, results)
    failed = [r for r in results if not r.success]
    if failed:
        reason = " | ".join(r.reason() for r in failed)
        quarantine(con, run_id, "gate", f"gx_{kind}_failed", reason, source_path=kind)
        con.execute(
            "update raw.model_runs set status = 'failed', finished_at = ?, message = ? where run_id = ?",
            [dt.datetime.now(dt.UTC).replace(tzinfo=None), f"gx_{kind}_failed: {reason}"[:2000], run_id],
        )
        raise QualityGateError(
            f"the {kind} failed the quality gate, nothing was published or sent: {reason}. "
            f"Details: raw.quality_results / raw.quarantine (run_id {run_id!r}) and Data Docs at {docs_index()}"
        )
    return [{"suite": r.suite, "batch": r.batch, "rows": r.evaluated, "warnings": r.warnings} for r in results]


def enforce_register_gate(run_id: str, as_of: dt.date, warehouse: Path | None = None) -> list[dict[str, Any]]:
    """Validate the register before modelling; on a critical failure quarantine and raise QualityGateError."""
    from .register import open_register

    with open_register(Path(warehouse or get_paths().warehouse)) as con:
        try:
            return _enforce("register", run_id, gate_register(as_of, con=con), con)
        finally:
            build_docs()


# --- marts ---------------------------------------------------------------------------------------------------


def mart_frames(con: Any, as_of: dt.date | None) -> dict[str, pd.DataFrame]:
    """The frames the mart suites check, keyed by suite (derived columns computed in SQL)."""
    frames: dict[str, pd.DataFrame] = {}
    fct = con.execute(
        "select occurrence_id, confidence, obligation_status, due_date, is_default_owner, "
        "date_diff('day', date '1970-01-01', due_date) as due_date_days_from_1970, "
        "coalesce(days_until_due = date_diff('day', as_of_date, due_date), due_date is null) as days_until_due_consistent "
        "from marts.fct_obligations"
    ).df()
    fct["due_date_days_from_1970"] = pd.to_numeric(fct["due_date_days_from_1970"]).astype("Float64")
    frames["fct_obligations"] = fct
    frames["mart_upcoming_deadlines"] = con.execute(
        "select obligation_count, awaiting_review_count from marts.mart_upcoming_deadlines"
    ).df()
    frames["mart_renewal_windows"] = con.execute(
        "select days_until_term_end, coalesce(last_notice_business_date <= term_end_date, true) as notice_not_after_term_end "
        "from marts.mart_renewal_windows"
    ).df()
    frames["mart_payment_schedule"] = con.execute(
        "select cast(amount as double) as amount, cast(percentage as double) as percentage, expected_date "
        "from marts.mart_payment_schedule"
    ).df()
    frames["mart_sla_performance"] = con.execute(
        "select attainment_rate, incident_count, breach_count from marts.mart_sla_performance"
    ).df()
    frames["mart_obligation_health"] = con.execute(
        "select on_track_count + at_risk_count + overdue_count + completed_count + lapsed_count + cancelled_count "
        "+ untracked_count = total_count as parts_sum_to_total from marts.mart_obligation_health"
    ).df()
    deps = con.execute("select count(*) from information_schema.tables where table_schema = 'marts' "
                       "and table_name = 'mart_milestone_dependencies'").fetchone()  # fmt: skip
    if deps and deps[0]:  # links that cannot be followed are reported here (warnings), see the suite
        frames["mart_milestone_dependencies"] = con.execute(
            "select milestone_id, contract_id, dependency_status, problem from marts.mart_milestone_dependencies"
        ).df()
    summary = []
    for mart in MARTS:
        rows, dates = con.execute(
            f"select count(*), list(distinct as_of_date) from marts.{mart}"  # noqa: S608 - names from MARTS
        ).fetchall()[0]
        dates = [d for d in (dates or []) if d is not None]
        summary.append({"mart": mart, "row_count": rows, "as_of_dates": ",".join(map(str, sorted(dates))),
                        "as_of_matches_run": (as_of is None and len(dates) <= 1) or all(d == as_of for d in dates)})  # fmt: skip
    frames["marts"] = pd.DataFrame(summary)
    return frames


def gate_marts(as_of: dt.date | None = None, warehouse: Path | None = None, *, con: Any = None) -> list[GateResult]:
    """Validate the marts (read inside the writer pool with the writer's settings, so an in-process dbt
    connection to the same file is shared rather than refused)."""
    from .register import open_register

    if con is None:
        with open_register(Path(warehouse or get_paths().warehouse)) as own:
            return gate_marts(as_of, warehouse, con=own)
    context = _context()
    return [validate_frame(key, df, batch=f"marts.{key}" if key != "marts" else "marts", context=context)
            for key, df in mart_frames(con, as_of).items()]  # fmt: skip


def enforce_marts_gate(run_id: str, warehouse: Path | None = None, as_of: dt.date | None = None) -> list[dict[str, Any]]:
    """Validate the marts; on a critical failure record it in raw.quarantine and raise QualityGateError."""
    from .register import open_register

    with open_register(Path(warehouse or get_paths().warehouse)) as con:
        try:
            return _enforce("marts", run_id, gate_marts(as_of, con=con), con)
        finally:
            build_docs()
