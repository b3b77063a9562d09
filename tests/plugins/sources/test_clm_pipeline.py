"""A CLM run end to end without Airflow: Ironclad (fake, 127.0.0.1) → staging inbox → plan/extract/load with
source_system 'ironclad' → write-back of the extracted dates, twice (the second sends nothing).

Documents: the sample portfolio's Quarry Hill SaaS agreement and its amendment (development data), served as
the signed copies of two Ironclad records; the amendment's record names the agreement as its parent.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from milestones.nightly import extract_batch, load, plan
from milestones.register import load_extractions, open_register
from milestones.sources import IroncladConfig, IroncladSource, RetryPolicy, pull, write_back
from milestones.sources.folder import FolderSource
from milestones.sources.ironclad import DEFAULT_PROPERTIES

from ..register_helpers import seed_business_calendar

SAMPLES = Path(__file__).resolve().parents[3] / "extractors" / "samples"
AS_OF = dt.date(2026, 12, 1)


def _run(staging: Path, wh: Path, run_id: str):
    planned = plan(AS_OF, inbox=staging, warehouse=wh, source_system="ironclad", run_id=run_id, complete_listing=False)
    return load(planned.manifest, [extract_batch(b) for b in planned.batches])


def test_ironclad_contracts_flow_into_the_register_and_back(ironclad, sleeps, tmp_path, monkeypatch):
    monkeypatch.setenv("MILESTONES_DATA", str(tmp_path / "data"))
    wh, staging = tmp_path / "w.duckdb", tmp_path / "staging"
    seed_business_calendar(wh, AS_OF.year - 6, AS_OF.year + 6)
    truth = json.loads((SAMPLES / "truth" / "nda-northwind-harborview-2026.json").read_text())
    with open_register(wh) as con:  # a contract from the folder inbox, already in the register
        load_extractions(con, "nightly__2026-11-30", [{"contract_id": truth["contract_id"], "key_dates": truth["key_dates"],
                                                        "content_hash": "folder-doc", "source": "inbox/nda.txt"}])  # fmt: skip
    ironclad.properties = set(DEFAULT_PROPERTIES.values()) - {"milestonesSummary"}  # not yet created in Ironclad
    ironclad.add_record("rec-saas", "IC-1", "SaaS Subscription Agreement", "2026-11-02T10:00:00Z",
                        (SAMPLES / "portfolio" / "saas-northwind-quarry-hill-2024.txt").read_bytes(), "text/plain",
                        "saas.txt")  # fmt: skip
    ironclad.add_record("rec-amend", "IC-2", "Amendment No. 1", "2026-11-06T10:00:00Z",
                        (SAMPLES / "portfolio" / "amend1-northwind-quarry-hill-2026.txt").read_bytes(), "text/plain",
                        "amendment.txt", parent="rec-saas")  # fmt: skip
    src = IroncladSource(IroncladConfig(base_url=ironclad.base_url, client_id="client-1", client_secret="secret-1",
                                        as_user_email="bot@example.com", policy=RetryPolicy(max_attempts=2)), sleep=sleeps)  # fmt: skip
    pulled = pull(src, wh, staging=staging)
    assert pulled.staged == ["ironclad-IC-1", "ironclad-IC-2"]
    summary = _run(staging, wh, "clm_ironclad__t1")
    assert (summary.processed, summary.soft_deleted) == (2, 0)
    with open_register(wh) as con:
        rows = con.execute("select contract_id, source_system, status, parent_contract_id from raw.contracts order by 1").fetchall()
        assert rows == [("ironclad-IC-1", "ironclad", "active", None), ("ironclad-IC-2", "ironclad", "active", "ironclad-IC-1"),
                        ("nda-northwind-harborview-2026", "folder", "active", None)]  # fmt: skip
        assert con.execute("select status, match_basis from raw.contract_amendments").fetchall() == [("manual", "source")]
        eff = con.execute("select renewal_notice_period, next_renewal_notice_deadline from raw.effective_key_dates "
                          "where contract_id = 'ironclad-IC-1'").fetchone()  # fmt: skip
        assert eff == ("P60D", dt.date(2027, 2, 27))

    first = write_back(src, wh, AS_OF, run_id="clm_ironclad__t1")
    assert (first.written, first.failed) == (0, 2)
    assert "create the record properties" in first.failures[0] and "milestonesSummary" in first.failures[0]
    ironclad.properties = None  # the administrator created the property
    second = write_back(src, wh, AS_OF)
    assert (second.written, second.failed) == (2, 0)
    props = ironclad.records["rec-saas"]["properties"]
    assert props["milestonesExpirationDate"] == {"type": "date", "value": "2026-04-28T00:00:00.000Z"}  # initial term end, as the truth has it
    assert props["milestonesRenewalNoticeDeadline"]["value"] == "2027-02-27T00:00:00.000Z"
    patches = len(ironclad.requests_to("PATCH", r"/records/"))
    third = write_back(src, wh, AS_OF)
    assert (third.written, third.unchanged) == (0, 2)
    assert len(ironclad.requests_to("PATCH", r"/records/")) == patches  # idempotent: nothing sent

    # a second CLM run with nothing new re-extracts nothing and keeps everything
    again = _run(staging, wh, "clm_ironclad__t2")
    assert (again.processed, again.skipped, again.soft_deleted) == (0, 2, 0)


def test_drop_folder_source_copies_new_files(tmp_path, warehouse):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "a.txt").write_text("contract a")
    (drop / "notes.md").write_text("ignored")
    res = pull(FolderSource(drop), warehouse, staging=tmp_path / "staging")
    assert res.staged == ["drop_folder-a"] and (tmp_path / "staging" / "drop_folder-a.txt").read_text() == "contract a"
    assert pull(FolderSource(drop), warehouse, staging=tmp_path / "staging").downloaded == 0
