"""Forced reprocessing end to end (plan → extract → GX gate → load): a reviewer's edit and rejection survive.

Fixtures: two sample-portfolio contracts (development data): the Quarry Hill SaaS agreement and an NDA.
The reviewer's decisions are written as the register documents them (spine: human_fields holds the decided
fields, the main columns hold the effective = human value, review_status edited/rejected).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from milestones.nightly import extract_batch, load, plan
from milestones.register import open_register
from milestones.reprocess import main, reprocess

from .register_helpers import seed_business_calendar

SAMPLES = Path(__file__).resolve().parents[2] / "extractors" / "samples" / "portfolio"
AS_OF = dt.date(2026, 12, 1)
SAAS = "saas-northwind-quarry-hill-2024"


@pytest.fixture
def loaded(tmp_path, monkeypatch):
    monkeypatch.setenv("MILESTONES_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("MILESTONES_WAREHOUSE", str(tmp_path / "w.duckdb"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for f in (f"{SAAS}.txt", "nda-northwind-harborview-2026.txt"):
        shutil.copy(SAMPLES / f, inbox / f)
    monkeypatch.setenv("MILESTONES_INBOX", str(inbox))
    wh = tmp_path / "w.duckdb"
    seed_business_calendar(wh, AS_OF.year - 6, AS_OF.year + 6)
    planned = plan(AS_OF, inbox=inbox, warehouse=wh)
    load(planned.manifest, [extract_batch(b) for b in planned.batches])
    with open_register(wh) as con:
        (edited, machine_due), (rejected,) = (
            con.execute("select milestone_id, due_date from raw.milestones where contract_id = ? and "
                        "obligation_type = 'renewal_notice' and clause_reference = '6'", [SAAS]).fetchone(),
            con.execute("select milestone_id from raw.milestones where contract_id = ? and due_date is null "
                        "order by milestone_id limit 1", [SAAS]).fetchone(),
        )  # fmt: skip
        con.execute("update raw.milestones set due_date = ?, human_fields = ?, review_status = 'edited' where milestone_id = ?",
                    [dt.date(2027, 1, 20), json.dumps({"due_date": "2027-01-20"}), edited])  # fmt: skip
        con.execute("update raw.milestones set review_status = 'rejected' where milestone_id = ?", [rejected])
    return wh, inbox, edited, machine_due, rejected


def test_human_decisions_survive_a_forced_reprocess(loaded):
    wh, inbox, edited, machine_due, rejected = loaded
    summary = reprocess(AS_OF, contracts=[SAAS], inbox=inbox, warehouse=wh, gate=False)  # the GX gate is tested with the DAGs
    assert (summary["processed"], summary["skipped"], summary["gate_failed"]) == (1, 1, {})
    with open_register(wh) as con:
        due, human, proposal, status = con.execute(
            "select due_date, human_fields, machine_proposal, review_status from raw.milestones where milestone_id = ?",
            [edited]).fetchone()  # fmt: skip
        assert due == dt.date(2027, 1, 20) and json.loads(human) == {"due_date": "2027-01-20"}
        assert json.loads(proposal) == {"due_date": machine_due.isoformat()}  # the machine's value, kept beside
        assert status == "rereview"  # the register's rule: a machine value that disagrees asks for a second look
        assert con.execute("select review_status from raw.milestones where milestone_id = ?", [rejected]).fetchone() == (
            "rejected",)  # fmt: skip
        actions = con.execute("select action, before, after from raw.audit_log where run_id = ? and entity_id = ?",
                              [f"reprocess__{AS_OF}", edited]).fetchall()  # fmt: skip
        assert [a[0] for a in actions] == ["machine_disagrees"]
        run = con.execute("select contracts_processed, contracts_skipped, status from raw.extraction_runs "
                          "where run_id = ?", [f"reprocess__{AS_OF}"]).fetchone()  # fmt: skip
        assert run == (1, 1, "loaded")


def test_cli_selects_by_version_and_refuses_unknown_ids(loaded, capsys):
    from milestones.nightly import versions

    current = versions()[0]
    assert main(["--since-version", current, "--dry-run", "--as-of", AS_OF.isoformat()]) == 0
    assert json.loads(capsys.readouterr().out)["selected"] == 2
    assert main(["--since-version", "999.0", "--dry-run"]) == 0  # nothing that new: nothing to do
    assert json.loads(capsys.readouterr().out)["selected"] == 0
    assert main(["--contract", "no-such-contract", "--as-of", AS_OF.isoformat()]) == 2
    assert "unknown contract id" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([])  # no selection: argparse explains what to pass
