"""Helpers for the review-app tests (see conftest.py for the fixtures that use them)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
PORTFOLIO = ROOT / "extractors" / "samples" / "portfolio"
AS_OF = dt.date(2026, 12, 1)
RUN_ID = f"nightly__{AS_OF}"
CONTRACTS = (
    "msa-northwind-alder-creek-2024.pdf",
    "sla-northwind-hollis-crane-2026.txt",
    "saas-northwind-quarry-hill-2024.txt",
)
PASSWORDS = {"vera": "viewer-pass-1", "rita": "reviewer-pass-2", "adam": "admin-pass-3"}
ROLES = {"vera": "viewer", "rita": "reviewer", "adam": "admin"}
TOKENS = {"viewer": "tok-viewer-0123456789", "reviewer": "tok-reviewer-0123456789", "admin": "tok-admin-0123456789"}


def extract_records(names: tuple[str, ...] = CONTRACTS, as_of: dt.date = AS_OF) -> list[dict[str, Any]]:
    from extractors.pipeline import extract_document
    from extractors.text import load_document

    out = []
    for name in names:
        doc = load_document(PORTFOLIO / name)
        rec = extract_document(doc, as_of).to_dict()
        rec |= {"content_hash": doc.content_hash, "source": str(PORTFOLIO / name), "mime": doc.mime}
        out.append(rec)
    return out


def load(warehouse: Path, records: list[dict[str, Any]], run_id: str = RUN_ID, as_of: dt.date = AS_OF) -> Any:
    from milestones import register

    with register.open_register(warehouse) as con:
        register.start_run(con, run_id, as_of, "test", None)
        stats = register.load_extractions(con, run_id, records)
        register.finish_run(con, run_id, "loaded")
    return stats


def dbt_build(warehouse: Path, work: Path, as_of: dt.date = AS_OF) -> None:
    """Models (and the seed) behind fct_obligations and mart_audit_trail; their data tests run in tests/dbt."""
    exe = Path(sys.executable).with_name("dbt")
    env = dict(os.environ, MILESTONES_WAREHOUSE=str(warehouse), DO_NOT_TRACK="1")
    res = subprocess.run(
        [str(exe), "build", "--project-dir", str(ROOT / "dbt"), "--profiles-dir", str(ROOT / "dbt"),
         "--vars", f'{{"as_of": "{as_of}"}}', "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
         "--select", "+fct_obligations", "+mart_audit_trail", "--resource-type", "seed", "model"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout[-3000:]


def bearer(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def basic(user: str) -> dict[str, str]:
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{PASSWORDS[user]}".encode()).decode()}


def query(warehouse: Path, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


SAMPLE_TEXT = (PORTFOLIO / "sla-northwind-hollis-crane-2026.txt").read_text(encoding="utf-8")
