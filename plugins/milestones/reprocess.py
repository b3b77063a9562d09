"""Re-extract contracts on purpose: after a new extractor or model version, or to redo chosen contracts.

    python -m milestones.reprocess --all                      # every contract in the inbox
    python -m milestones.reprocess --contract ID [--contract ID2 …]
    python -m milestones.reprocess --since-version 0.2.0      # extracted with extractor version >= 0.2.0
    python -m milestones.reprocess --version 0.1.0            # extracted with exactly this extractor/model version
    python -m milestones.reprocess --outdated                 # extracted with any version but the current one
      [--source folder|ironclad|docusign_clm] [--as-of YYYY-MM-DD] [--no-gate] [--dry-run]

The nightly run already re-extracts a document whose extractor or model version changed (plan compares
both); this command is the backfill for when that is not enough — a fix shipped without a version bump, one
contract a reviewer flagged, or a bounded batch instead of the whole portfolio overnight. It runs the same
steps as the DAG (plan → extract → GX gate → load) in this process, so the register merge applies: fields a
reviewer decided (``human_fields``) are never overwritten — a machine value that disagrees is kept beside the
decision (``machine_proposal``) and the milestone goes to re-review; rejected milestones stay rejected.

It writes the warehouse: run it when no DAG is writing (DuckDB allows one writer), or trigger the DAG
instead (clm_sync has a ``reprocess`` param).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from extractors.errors import MilestonesError

from .nightly import extract_batch, load, plan, versions
from .paths import get_paths
from .register import known_documents, open_register

__all__ = ["select_contracts", "reprocess", "main"]


def _version_key(v: str | None) -> Any:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(v or "0")
    except InvalidVersion:
        return None


def select_contracts(
    known: dict[str, dict[str, Any]],
    *,
    contracts: Sequence[str] = (),
    since_version: str | None = None,
    version: str | None = None,
    outdated: bool = False,
    current: tuple[str, str | None] | None = None,
) -> set[str]:
    """Contract ids (active ones) matching the selection; several criteria add up."""
    chosen: set[str] = set()
    active = {cid: k for cid, k in known.items() if k.get("status") == "active"}
    missing = [c for c in contracts if c not in known]
    if missing:
        raise MilestonesError(f"unknown contract id(s) {missing}; list them with: select contract_id from raw.contracts")
    chosen.update(contracts)
    if since_version:
        floor = _version_key(since_version)
        if floor is None:
            raise MilestonesError(f"--since-version {since_version!r} is not a version like 0.2.0")
        for cid, k in active.items():
            v = _version_key(k.get("extractor_version"))
            if v is not None and v >= floor:
                chosen.add(cid)
    if version:
        chosen.update(cid for cid, k in active.items() if version in (k.get("extractor_version"), k.get("model_version")))
    if outdated and current is not None:
        chosen.update(cid for cid, k in active.items()
                      if (k.get("extractor_version"), k.get("model_version")) != current)  # fmt: skip
    return chosen


def reprocess(
    as_of: dt.date,
    *,
    everything: bool = False,
    contracts: Sequence[str] = (),
    since_version: str | None = None,
    version: str | None = None,
    outdated: bool = False,
    source_system: str = "folder",
    inbox: Path | None = None,
    warehouse: Path | None = None,
    gate: bool = True,
    dry_run: bool = False,
) -> dict[str, Any]:
    paths = get_paths()
    warehouse = Path(warehouse or paths.warehouse)
    if inbox is None:
        if source_system == "folder":
            inbox = paths.inbox
        else:
            from .sources.sync import staging_inbox

            inbox = staging_inbox(source_system)
    if not warehouse.exists():
        raise MilestonesError(f"no warehouse at {warehouse}; run the nightly DAG (make demo) first")
    try:
        with open_register(warehouse) as con:
            known = known_documents(con)
    except Exception as exc:  # duckdb.IOException when another process holds the write lock
        if "lock" in str(exc).lower():
            raise MilestonesError(f"the warehouse {warehouse} is in use by another process (a running DAG?); run "
                                  "this when it is idle, or trigger the DAG with reprocess=true") from exc  # fmt: skip
        raise
    if source_system != "folder":
        known = {cid: k for cid, k in known.items() if cid.startswith(f"{source_system}-")}
    selected: set[str] | None = None  # None = every contract
    if not everything:
        selected = select_contracts(known, contracts=contracts, since_version=since_version, version=version,
                                    outdated=outdated, current=versions())  # fmt: skip
        if not selected:
            return {"selected": 0, "message": "no contract matches the selection; nothing to do"}
    if dry_run:
        ids = sorted(known) if selected is None else sorted(selected)
        return {"selected": len(ids), "contracts": ids}
    run_id = f"reprocess__{as_of.isoformat()}"
    planned = plan(as_of, inbox=inbox, warehouse=warehouse, reprocess=True if selected is None else selected,
                   source_system=source_system, run_id=run_id, complete_listing=source_system == "folder")  # fmt: skip
    outputs = [extract_batch(b) for b in planned.batches]
    failed: dict[str, str] = {}
    if gate and outputs:
        from .quality import gate_extraction

        failed = gate_extraction(outputs, warehouse)
    summary = load(planned.manifest, outputs, failed).to_dict()
    summary["selected"] = summary["processed"] if selected is None else len(selected)
    summary["gate_failed"] = failed
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m milestones.reprocess", description=__doc__.split("\n\n")[0])
    sel = ap.add_argument_group("what to re-extract (at least one)")
    sel.add_argument("--all", action="store_true", dest="everything", help="every contract in the inbox")
    sel.add_argument("--contract", action="append", default=[], metavar="ID", help="a contract id (repeatable)")
    sel.add_argument("--since-version", help="contracts extracted with extractor version >= this")
    sel.add_argument("--version", help="contracts extracted with exactly this extractor or model version")
    sel.add_argument("--outdated", action="store_true", help="contracts extracted with other versions than now")
    ap.add_argument("--source", default="folder", choices=["folder", "ironclad", "docusign_clm"])
    ap.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                    help="reference date (default: the last run's logical date)")  # fmt: skip
    ap.add_argument("--no-gate", action="store_true", help="skip the Great Expectations gate")
    ap.add_argument("--dry-run", action="store_true", help="list what would be re-extracted")
    args = ap.parse_args(argv)
    if not (args.everything or args.contract or args.since_version or args.version or args.outdated):
        ap.error("say what to re-extract: --all, --contract ID, --since-version X, --version X or --outdated")
    as_of = args.as_of
    try:
        if as_of is None:
            as_of = _last_logical_date()
        result = reprocess(as_of, everything=args.everything, contracts=args.contract,
                           since_version=args.since_version, version=args.version, outdated=args.outdated,
                           source_system=args.source, gate=not args.no_gate, dry_run=args.dry_run)  # fmt: skip
    except MilestonesError as exc:
        print(f"reprocess: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=1, default=str))
    return 1 if result.get("gate_failed") else 0


def _last_logical_date() -> dt.date:
    wh = get_paths().warehouse
    if wh.exists():
        with open_register(wh) as con:
            row = con.execute("select max(logical_date) from raw.extraction_runs").fetchone()
        if row and row[0]:
            return row[0]
    raise MilestonesError("no previous run to take the reference date from; pass --as-of YYYY-MM-DD")


if __name__ == "__main__":
    raise SystemExit(main())
