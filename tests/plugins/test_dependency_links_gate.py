"""The marts quality gate reports dependency links that cannot be followed (warnings, never a stop): a cycle or
a self-reference, and dangling or ambiguous names. Frames written here (development data)."""

from __future__ import annotations

import pandas as pd
from milestones.quality import validate_frame


def _frame(statuses: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"milestone_id": [f"m{i}" for i in range(len(statuses))], "contract_id": "c1",
                         "dependency_status": statuses, "problem": None})  # fmt: skip


def test_cycles_and_dangling_links_are_warnings_with_counts():
    r = validate_frame("mart_milestone_dependencies", _frame(["resolved", "cycle", "cycle", "dangling"]), batch="t")
    assert r.success and not r.critical  # reported, the run goes on
    assert len(r.warnings) == 2
    cyc = next(w for w in r.warnings if "cycle" in w)
    dang = next(w for w in r.warnings if "dangling" in w and "cycle" not in w)
    assert "2 unexpected" in cyc and "1 unexpected" in dang


def test_a_clean_graph_passes_without_warnings():
    r = validate_frame("mart_milestone_dependencies", _frame(["resolved", "resolved"]), batch="t")
    assert r.success and r.warnings == [] and all(o.success for o in r.outcomes)
