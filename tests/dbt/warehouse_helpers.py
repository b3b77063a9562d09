"""Shared set-up for the warehouse tests: a register built from real extractions of the sample portfolio,
dbt run as a separate process (as in production), and ordered exports of the marts.

Fixtures come from `extractors/samples/portfolio/` (synthetic contracts generated for this project, ground
truth in extractors/samples/truth/) — development data, not held out.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
from milestones import evidence, publish, quality, register
from milestones.paths import PROJECT_ROOT

PORTFOLIO = PROJECT_ROOT / "extractors" / "samples" / "portfolio"
DBT_DIR = PROJECT_ROOT / "dbt"
AS_OF = dt.date(2026, 12, 1)

# Text contracts (fast to extract) covering renewals, SLAs with priorities, business-day reporting, weekly
# payments, dependencies, a perpetual NDA and an amendment.
SUBSET = (
    "amend1-northwind-quarry-hill-2026", "dist-northwind-acme-2023", "dpa-northwind-cobalt-ridge-2025",
    "lease-northwind-ironwood-2025", "letter-northwind-bluefin-2026", "license-northwind-nightjar-2026",
    "msa-northwind-indigo-bay-2025", "nda-northwind-harborview-2026", "saas-northwind-quarry-hill-2024",
    "services-northwind-meridian-2025", "sla-northwind-hollis-crane-2026", "sow2-northwind-northgate-2026",
)  # fmt: skip


@functools.cache
def _extract(stem: str, as_of: dt.date) -> str:
    from extractors.pipeline import extract_document
    from extractors.text import load_document

    path = next(PORTFOLIO.glob(f"{stem}.*"))
    rec = extract_document(load_document(str(path)), as_of, 0.85).to_dict()
    rec.update(kind="extraction", contract_id=stem, content_hash=hashlib.sha256(path.read_bytes()).hexdigest(),
               source=str(path), size_bytes=path.stat().st_size, mime="text/plain")  # fmt: skip
    return json.dumps(rec)


def sample_records(stems: tuple[str, ...] = SUBSET, as_of: dt.date = AS_OF) -> list[dict]:
    """Extraction records as a nightly batch file holds them (fresh copies each call)."""
    return [json.loads(_extract(s, as_of)) for s in stems]


def load_register(warehouse: Path, records: list[dict], as_of: dt.date = AS_OF, run_id: str | None = None):
    """One nightly load: the run record, the calendar, the merge, then the evidence judgement (no evidence files
    here: obligations that need a certificate or report are judged evidence_missing) — what nightly.load does
    for good batches."""
    run_id = run_id or f"nightly__{as_of.isoformat()}"
    with register.open_register(warehouse) as con:
        with register.transaction(con):
            register.start_run(con, run_id, as_of, "test", None)
            register.write_business_calendar(con, as_of.year - 3, as_of.year + 3)
            stats = register.load_extractions(con, run_id, records)
            register.finish_run(con, run_id, "loaded", contracts_processed=len(records))
        evidence.scan_evidence(con, run_id, as_of, [])
    return stats


def dbt(warehouse: Path, *args: str, as_of: dt.date | None = AS_OF, work: Path | None = None) -> subprocess.CompletedProcess:
    """`dbt <args>` in its own process against `warehouse` (target and logs kept out of the project)."""
    work = work or warehouse.parent
    env = dict(os.environ, MILESTONES_WAREHOUSE=str(warehouse), DBT_LOG_PATH=str(work / "dbt-logs"),
               DBT_TARGET_PATH=str(work / "dbt-target"), DO_NOT_TRACK="1", DBT_SEND_ANONYMOUS_USAGE_STATS="False")  # fmt: skip
    cmd = [str(Path(sys.executable).with_name("dbt")), *args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
    if as_of is not None:
        cmd += ["--vars", json.dumps({"as_of": as_of.isoformat()})]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)


def run_results(warehouse: Path, work: Path | None = None) -> list[dict]:
    work = work or warehouse.parent
    return json.loads((work / "dbt-target" / "run_results.json").read_text())["results"]


def run_models(warehouse: Path, as_of: dt.date, run_id: str, published: Path, dbt_tests: bool = True):
    """The register_models DAG's task sequence, without Airflow: register gate → dbt build → marts gate →
    publish. Raises what the tasks raise (QualityGateError, PublishConflict, RuntimeError for dbt).
    dbt_tests=False skips dbt's data and unit tests (tests/dbt covers them) to keep repeated runs quick."""
    publish.begin_model_run(warehouse, run_id, as_of, "test")
    quality.enforce_register_gate(run_id, as_of, warehouse)
    skip = [] if dbt_tests else ["--exclude", "resource_type:test", "resource_type:unit_test"]
    res = dbt(warehouse, "build", *skip, as_of=as_of)
    if res.returncode != 0:
        raise RuntimeError(f"dbt build failed:\n{res.stdout[-4000:]}")
    quality.enforce_marts_gate(run_id, warehouse, as_of=as_of)
    return publish.publish_run(warehouse, published, as_of=as_of, run_id=run_id)


def ordered_export(path: Path) -> dict[str, bytes]:
    """Every mart as CSV bytes, rows in a total order — the byte-level comparison of two builds."""
    out = {}
    with duckdb.connect(str(path), read_only=True) as con:
        for mart in quality.MARTS:
            df = con.execute(f"select * from marts.{mart} order by all").df()
            out[mart] = df.to_csv(index=False).encode()
    return out
