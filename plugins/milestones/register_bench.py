"""`python -m milestones.register_bench --contracts 50000 [--dbt]`: register load (and dbt build) at scale.

The sample portfolio is extracted once (36 contracts, ~6 obligations each) and replicated under new contract
ids and hashes into N synthetic contracts. Timed steps: first load, unchanged reload, reload with 10% of the
contracts changed (one due date moved, one milestone dropped), soft-delete of 1%, and optionally
`dbt build` over the result. Everything runs in a throwaway directory; numbers are printed, not asserted.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .paths import PROJECT_ROOT
from .register import load_extractions, open_register, soft_delete_missing, start_run, write_business_calendar

__all__ = ["sample_records", "synthetic_records", "main"]


def sample_records(as_of: dt.date) -> list[dict]:
    """Extraction records of the bundled sample portfolio (what a nightly batch file holds)."""
    from extractors.pipeline import extract_document
    from extractors.text import load_document

    inbox = PROJECT_ROOT / "extractors" / "samples" / "portfolio"
    out = []
    for path in sorted(p for p in inbox.iterdir() if p.is_file()):
        rec = extract_document(load_document(str(path)), as_of, 0.85).to_dict()
        rec.update(kind="extraction", contract_id=path.stem, content_hash=hashlib.sha256(path.read_bytes()).hexdigest())
        out.append(rec)
    return out


def synthetic_records(templates: list[dict], n: int, generation: int = 0) -> list[dict]:
    """n records cycling through the templates under new ids; `generation` > 0 changes every 10th one."""
    recs = []
    for i in range(n):
        rec = copy.deepcopy(templates[i % len(templates)])
        rec["contract_id"] = f"{rec['contract_id']}-{i:06d}"
        rec["content_hash"] = hashlib.sha256(f"{rec['contract_id']}|{generation if i % 10 == 0 else 0}".encode()).hexdigest()
        if generation and i % 10 == 0 and rec["extracted_milestones"]:
            ms = rec["extracted_milestones"]
            for m in ms:
                if m.get("due_date"):
                    m["due_date"] = (dt.date.fromisoformat(m["due_date"]) + dt.timedelta(days=generation)).isoformat()
                    break
            rec["extracted_milestones"] = ms[:-1]
        recs.append(rec)
    return recs


def _timed(label: str, fn, results: list) -> object:
    started = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - started
    results.append((label, seconds))
    print(f"  {label:<44} {seconds:8.1f} s", flush=True)
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m milestones.register_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=50_000)
    parser.add_argument("--as-of", default="2026-12-01")
    parser.add_argument("--dbt", action="store_true", help="also time `dbt build` on the loaded warehouse")
    parser.add_argument("--keep", action="store_true", help="keep the warehouse and print its path")
    args = parser.parse_args(argv)
    as_of = dt.date.fromisoformat(args.as_of)
    work = Path(tempfile.mkdtemp(prefix="register-bench-"))
    warehouse = work / "warehouse.duckdb"
    results: list[tuple[str, float]] = []
    print(f"register bench: {args.contracts} contracts, warehouse {warehouse}")
    templates = _timed("extract the 36 sample contracts (templates)", lambda: sample_records(as_of), results)
    recs = synthetic_records(templates, args.contracts)  # type: ignore[arg-type]
    n_ms = sum(len(r["extracted_milestones"]) for r in recs)
    print(f"  {args.contracts} contracts, {n_ms} milestones")
    with open_register(warehouse) as con:
        _timed("business calendar (13 years)", lambda: write_business_calendar(con, as_of.year - 6, as_of.year + 6), results)

        def load(run: str, records: list[dict]):
            start_run(con, run, as_of, "bench", None)
            return load_extractions(con, run, records)

        _timed("first load (all new)", lambda: load("bench-1", recs), results)
        _timed("reload, nothing changed", lambda: load("bench-2", recs), results)
        changed = synthetic_records(templates, args.contracts, generation=1)  # type: ignore[arg-type]
        _timed("reload, 10% of contracts changed", lambda: load("bench-3", changed), results)
        keep = [r["contract_id"] for r in changed][: int(args.contracts * 0.99)]
        _timed("soft-delete 1% missing from the source", lambda: soft_delete_missing(con, "bench-3", keep, "folder"), results)
        counts = con.execute(
            "select (select count(*) from raw.milestones), (select count(*) from raw.audit_log)"
        ).fetchall()[0]
        print(f"  register: {counts[0]} milestones, {counts[1]} audit rows")
    if args.dbt:
        env = dict(os.environ, MILESTONES_WAREHOUSE=str(warehouse), DBT_LOG_PATH=str(work / "dbt-logs"),
                   DBT_TARGET_PATH=str(work / "dbt-target"), DO_NOT_TRACK="1")  # fmt: skip
        dbt = [str(Path(sys.executable).with_name("dbt")), "build", "--project-dir", str(PROJECT_ROOT / "dbt"),
               "--profiles-dir", str(PROJECT_ROOT / "dbt"), "--vars", json.dumps({"as_of": as_of.isoformat()}),
               "--quiet"]  # fmt: skip
        res = _timed("dbt build (models, snapshot, tests)", lambda: subprocess.run(dbt, env=env, capture_output=True, text=True), results)
        if res.returncode != 0:  # type: ignore[union-attr]
            print(res.stdout[-3000:], res.stderr[-2000:])  # type: ignore[union-attr]
            return 1
        import duckdb

        with duckdb.connect(str(warehouse), read_only=True) as con:
            rows = con.execute(
                "select table_name, estimated_size from duckdb_tables() where schema_name = 'marts' order by 1"
            ).fetchall()
        for name, size in rows:
            print(f"    marts.{name:<28} {size:>10} rows")
    if not args.keep:
        for p in work.glob("warehouse.duckdb*"):
            p.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
