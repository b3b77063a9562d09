"""The nightly loader applies the review rule an admin set in the review app (raw.review_settings), not the
extraction default: a changed threshold or always-review list decides which new milestones wait for review."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from milestones.register import open_register
from milestones.review.settings import update_review_settings

from .register_helpers import seed_business_calendar

SAMPLES = Path(__file__).resolve().parents[2] / "extractors" / "samples" / "portfolio"
AS_OF = dt.date(2026, 12, 1)
FILES = ["sla-northwind-hollis-crane-2026.txt", "nda-northwind-harborview-2026.txt", "saas-northwind-gullwing-2026.pdf"]


def _night(tmp_path: Path, monkeypatch, name: str, settings: dict | None) -> list[tuple]:
    from milestones.nightly import extract_batch, load, plan

    base = tmp_path / name
    inbox = base / "inbox"
    inbox.mkdir(parents=True)
    for f in FILES:
        shutil.copy(SAMPLES / f, inbox / f)
    monkeypatch.setenv("MILESTONES_DATA", str(base / "data"))
    wh = base / "w.duckdb"
    seed_business_calendar(wh, AS_OF.year - 6, AS_OF.year + 6)
    if settings:
        with open_register(wh) as con:
            update_review_settings(con, "admin-test", settings, dt.datetime(2026, 11, 30, 9))
    planned = plan(AS_OF, inbox=inbox, warehouse=wh, batch_size=10)
    load(planned.manifest, [extract_batch(b) for b in planned.batches])
    with open_register(wh, read_only=True) as con:
        return con.execute("select milestone_id, obligation_type, confidence, review_status from raw.milestones "
                           "order by milestone_id").fetchall()  # fmt: skip


def test_loader_uses_the_admin_threshold_and_always_review_types(tmp_path, monkeypatch):
    default = _night(tmp_path, monkeypatch, "default", None)
    strict = _night(tmp_path, monkeypatch, "strict", {"review_threshold": 0.99, "always_review_types": ["sla"]})
    assert [r[:3] for r in default] == [r[:3] for r in strict]  # same extraction either way
    for _, otype, conf, status in default:
        want = "pending" if conf < 0.85 or otype in ("payment", "compliance") else "not_required"
        assert status == want, (otype, conf, status)
    assert any(s == "not_required" for *_, s in default), "the default rule clears confident milestones"
    for _, otype, conf, status in strict:
        want = "pending" if conf < 0.99 or otype == "sla" else "not_required"
        assert status == want, (otype, conf, status)
    cleared_by_default = {r[0] for r in default if r[3] == "not_required"}
    assert any(r[0] in cleared_by_default and r[3] == "pending" for r in strict), "a stricter rule queues more"
