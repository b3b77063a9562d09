"""Amendments reach the marts: a parent's milestone that an amendment replaced is not an obligation any more (no
duplicate deadline, no duplicate alert), and the renewal windows use the key dates in force (raw.effective_key_dates).
Real pipeline (plan → extract → load) over sample contracts with amendments, then dbt in its own process."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.dbt.warehouse_helpers import dbt
from tests.plugins.register_helpers import seed_business_calendar

SAMPLES = Path(__file__).resolve().parents[2] / "extractors" / "samples" / "portfolio"
AS_OF = dt.date(2026, 12, 1)
FILES = ["amend1-northwind-quarry-hill-2026.txt", "saas-northwind-quarry-hill-2024.txt"]


@pytest.mark.slow  # ~70 s: extraction of two contracts and a dbt build of the obligation models
def test_superseded_milestones_leave_the_marts_and_amended_dates_count(tmp_path, monkeypatch):
    from milestones.nightly import extract_batch, load, plan

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for f in FILES:
        shutil.copy(SAMPLES / f, inbox / f)
    monkeypatch.setenv("MILESTONES_DATA", str(tmp_path / "data"))
    wh = tmp_path / "w.duckdb"
    seed_business_calendar(wh, AS_OF.year - 6, AS_OF.year + 6)
    planned = plan(AS_OF, inbox=inbox, warehouse=wh, batch_size=10)
    load(planned.manifest, [extract_batch(b) for b in planned.batches])
    res = dbt(wh, "build", "--select", "+fct_obligations", "+mart_renewal_windows", "--indirect-selection", "cautious",
              "--exclude", "resource_type:unit_test", work=tmp_path / "dbt")  # fmt: skip
    assert res.returncode == 0, res.stdout[-4000:]
    with duckdb.connect(str(wh), read_only=True) as con:
        superseded = {r[0] for r in con.execute(
            "select milestone_id from raw.milestones where superseded_by_contract_id is not null").fetchall()}  # fmt: skip
        assert superseded, "the amendment replaces at least one of the parent's milestones"
        in_marts = {r[0] for r in con.execute("select distinct milestone_id from marts.fct_obligations").fetchall()}
        assert in_marts and not superseded & in_marts
        notices = con.execute(
            "select contract_id, due_date from marts.fct_obligations where obligation_type = 'renewal_notice' "
            "and contract_id like '%quarry-hill%' and due_date is not null order by due_date").fetchall()  # fmt: skip
        upcoming = [n for n in notices if n[1] >= AS_OF]
        # the amended 60-day notice runs on the parent's renewing term; the parent's old 90-day one (2027-01-28) is gone
        assert upcoming[:1] == [("amend1-northwind-quarry-hill-2026", dt.date(2027, 2, 27))]
        assert dt.date(2027, 1, 28) not in {d for _, d in notices}
        assert len({d for _, d in notices}) == len(notices), "one deadline per term, not the old one beside the new"
        eff = con.execute("select next_renewal_notice_deadline from raw.effective_key_dates "
                          "where contract_id = 'saas-northwind-quarry-hill-2024'").fetchone()[0]  # fmt: skip
        window = con.execute(
            "select min(last_notice_business_date) from marts.mart_renewal_windows "
            "where contract_id = 'saas-northwind-quarry-hill-2024' and not is_notice_deadline_passed").fetchone()[0]  # fmt: skip
        assert eff == dt.date(2027, 2, 27)
        assert window is not None and abs((window - eff).days) <= 3  # the same deadline, moved to a business day
