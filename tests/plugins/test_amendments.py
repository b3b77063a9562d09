"""Amendments in the register: parent links, superseded milestones, effective key dates — on the sample portfolio.

Fixtures: the committed sample portfolio (development data, not held out). The first tests load the portfolio's
ground truth (truth/*.json: key dates, parties, obligations as milestones) so the register logic is tested
independently of extraction quality, with the amendment detection read from the real documents; the last test
runs the real pipeline (plan → extract → load) over the three amendments, their parents and a statement of
work that cites a parent without amending it.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from milestones.amendments import apply_amendments, carry_parent_links, link_by_hand
from milestones.register import load_extractions, open_register

from extractors.amendments import describe_amendment
from extractors.text import load_document

from .register_helpers import seed_business_calendar

SAMPLES = Path(__file__).resolve().parents[2] / "extractors" / "samples"
AS_OF = dt.date(2026, 12, 1)
TRUTH = {p.stem: json.loads(p.read_text()) for p in sorted((SAMPLES / "truth").glob("*.json"))}
PARENT_OF = {cid: t["amends"]["contract_id"] for cid, t in TRUTH.items() if "amends" in t}


@pytest.fixture(scope="module")
def amendment_info() -> dict[str, dict | None]:
    return {p.stem: describe_amendment(load_document(p).text) for p in sorted((SAMPLES / "portfolio").iterdir())}


INVOLVED = set(PARENT_OF) | set(PARENT_OF.values())


def _record(cid: str, info: dict[str, dict | None]) -> dict:
    """A contract as the loader receives it, from the truth file; milestones only for the contracts amendments
    touch (the others are there as parent candidates: titles, dates and parties)."""
    t = TRUTH[cid]
    return {
        "contract_id": cid,
        "source": f"portfolio/{t['file']}",
        "title": t["title"],
        "parties": t["parties"],
        "key_dates": t["key_dates"],
        "extracted_milestones": [dict(o, confidence=0.95, needs_review=False) for o in t["obligations"]]
        if cid in INVOLVED else [],
        "content_hash": f"truth-{cid}",
        "extractor_version": "truth",
        "amendment": info[cid],
    }


def _load(wh: Path, run_id: str, records: list[dict]):
    with open_register(wh) as con:
        con.execute("begin transaction")  # as nightly.load does: one transaction per load
        carry_parent_links(con, records)
        load_extractions(con, run_id, records, always_review_types=())
        stats = apply_amendments(con, run_id, AS_OF, records)
        con.execute("commit")
        return stats


def _live(con, contract_ids):
    return con.execute(
        "select contract_id, milestone_name, due_date, clause_reference from raw.milestones "
        "where superseded_by_contract_id is null and contract_id in (select unnest(?)) order by all",
        [list(contract_ids)],
    ).fetchall()


def test_portfolio_links_and_supersedes(tmp_path, amendment_info):
    wh = tmp_path / "w.duckdb"
    stats = _load(wh, "run-1", [_record(c, amendment_info) for c in TRUTH])
    assert (stats.amendments, stats.linked, stats.unresolved, stats.ambiguous) == (3, 3, 0, 0)
    with open_register(wh) as con:
        links = dict(con.execute("select contract_id, parent_contract_id from raw.contracts "
                                 "where parent_contract_id is not null").fetchall())  # fmt: skip
        assert links == PARENT_OF
        sup = con.execute(
            "select s.contract_id, s.milestone_name, s.due_date, n.contract_id, n.due_date, s.superseded_reason "
            "from raw.milestones s join raw.milestones n on n.milestone_id = s.superseded_by_milestone_id "
            "where s.superseded_by_contract_id is not null order by 1"
        ).fetchall()
        assert sup == [
            ("msa-northwind-alder-creek-2024", "Milestone payment: delivery of the implementation plan",
             dt.date(2026, 12, 14), "amend1-northwind-alder-creek-2026", dt.date(2027, 3, 1), "amended"),
            ("saas-northwind-quarry-hill-2024", "Non-renewal notice deadline", dt.date(2027, 1, 28),
             "amend1-northwind-quarry-hill-2026", dt.date(2027, 2, 27), "amended"),
            ("sow6-northwind-health-lakeshore-2026", "Solution Design Document delivery", dt.date(2026, 12, 21),
             "amend1-northwind-health-lakeshore-2026", dt.date(2027, 2, 1), "amended"),
        ]  # fmt: skip
        # not duplicated: each changed obligation is in force exactly once, with the amended date
        live = _live(con, [*PARENT_OF, *PARENT_OF.values()])
        assert [r[2] for r in live if r[1] == "Solution Design Document delivery"] == [dt.date(2027, 2, 1)]
        assert [r[2] for r in live if r[1] == "Milestone payment: delivery of the implementation plan"] == [dt.date(2027, 3, 1)]
        assert [r[2] for r in live if r[1] == "Non-renewal notice deadline" and "quarry" in r[0]] == [dt.date(2027, 2, 27)]
        # the clause-5 price-increase notice of the same parent is another obligation and stays
        assert ("saas-northwind-quarry-hill-2024", "Price increase notice deadline", dt.date(2027, 1, 28), "5") in live
        eff = con.execute(
            "select renewal_notice_period, next_renewal_notice_deadline, amended_fields, amended_by "
            "from raw.effective_key_dates where contract_id = 'saas-northwind-quarry-hill-2024'"
        ).fetchone()
        assert eff == ("P60D", dt.date(2027, 2, 27), ["next_renewal_notice_deadline", "renewal_notice_period"],
                       ["amend1-northwind-quarry-hill-2026"])  # fmt: skip
        raw_kd = con.execute("select renewal_notice_period, next_renewal_notice_deadline from raw.key_dates "
                             "where contract_id = 'saas-northwind-quarry-hill-2024'").fetchone()  # fmt: skip
        assert raw_kd == ("P90D", dt.date(2027, 1, 28))  # the extracted values stay as found
        untouched = con.execute("select count(*) from raw.effective_key_dates e join raw.key_dates k using (contract_id) "
                                "where e.amended_by = [] and e.next_renewal_notice_deadline is not distinct from "
                                "k.next_renewal_notice_deadline").fetchone()[0]  # fmt: skip
        assert untouched == len(TRUTH) - 1
        audit_rows = con.execute("select count(*) from raw.audit_log").fetchone()[0]
    again = _load(wh, "run-2", [])
    assert (again.superseded, again.released, again.key_dates_amended, again.linked) == (0, 0, 0, 3)
    with open_register(wh) as con:
        assert con.execute("select count(*) from raw.audit_log").fetchone()[0] == audit_rows


def test_amendment_before_its_parent_links_when_the_parent_arrives(tmp_path, amendment_info):
    wh = tmp_path / "w.duckdb"
    first = _load(wh, "run-1", [_record("amend1-northwind-quarry-hill-2026", amendment_info)])
    assert (first.unresolved, first.linked) == (1, 0)
    with open_register(wh) as con:
        msg = con.execute("select status, message from raw.contract_amendments").fetchone()
        assert msg[0] == "unresolved" and "Software as a Service Subscription Agreement dated 2024-04-17" in msg[1]
    second = _load(wh, "run-2", [_record("saas-northwind-quarry-hill-2024", amendment_info)])
    assert (second.linked, second.superseded) == (1, 1)
    # re-extracting the amendment (same record again) keeps its parent: the loader writes what the record says
    third = _load(wh, "run-3", [_record("amend1-northwind-quarry-hill-2026", amendment_info)])
    assert (third.superseded, third.released) == (0, 0)
    with open_register(wh) as con:
        assert con.execute("select parent_contract_id from raw.contracts where contract_id = "
                           "'amend1-northwind-quarry-hill-2026'").fetchone()[0] == "saas-northwind-quarry-hill-2024"  # fmt: skip
        changes = con.execute("select count(*) from raw.audit_log where run_id = 'run-3' and entity_id = "
                              "'amend1-northwind-quarry-hill-2026' and action = 'update'").fetchone()[0]  # fmt: skip
        assert changes == 0


def test_unlinking_by_hand_releases_what_was_superseded(tmp_path, amendment_info):
    wh = tmp_path / "w.duckdb"
    ids = ["amend1-northwind-alder-creek-2026", "msa-northwind-alder-creek-2024"]
    _load(wh, "run-1", [_record(c, amendment_info) for c in ids])
    with open_register(wh) as con:
        link_by_hand(con, "amend1-northwind-alder-creek-2026", None, "reviewer@example.com")
        stats = apply_amendments(con, "run-2", AS_OF)
        assert (stats.released, stats.linked) == (1, 0)
        assert con.execute("select count(*) from raw.milestones where superseded_by_contract_id is not null").fetchone()[0] == 0
        assert con.execute("select parent_contract_id from raw.contracts where contract_id = ?", [ids[0]]).fetchone()[0] is None
        actions = [r[0] for r in con.execute("select action from raw.audit_log where run_id = 'run-2' order by audit_id").fetchall()]
        assert actions == ["link_parent", "release"]


def test_real_pipeline_links_amendments_and_moves_the_notice_deadline(tmp_path, monkeypatch):
    from milestones.nightly import extract_batch, load, plan

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    files = ["amend1-northwind-quarry-hill-2026.txt", "saas-northwind-quarry-hill-2024.txt",
             "amend1-northwind-health-lakeshore-2026.docx", "sow6-northwind-health-lakeshore-2026.docx",
             "amend1-northwind-alder-creek-2026.pdf", "msa-northwind-alder-creek-2024.pdf",
             "sow2-northwind-alder-creek-2026.pdf"]  # fmt: skip
    for f in files:
        shutil.copy(SAMPLES / "portfolio" / f, inbox / f)
    monkeypatch.setenv("MILESTONES_DATA", str(tmp_path / "data"))
    wh = tmp_path / "w.duckdb"
    seed_business_calendar(wh, AS_OF.year - 6, AS_OF.year + 6)
    planned = plan(AS_OF, inbox=inbox, warehouse=wh, batch_size=10)
    outputs = [extract_batch(b) for b in planned.batches]
    summary = load(planned.manifest, outputs)
    assert summary.amendments["linked"] == 3 and summary.amendments["unresolved"] == 0
    with open_register(wh) as con:
        links = dict(con.execute("select contract_id, parent_contract_id from raw.contracts "
                                 "where parent_contract_id is not null").fetchall())  # fmt: skip
        assert links == PARENT_OF  # the statement of work cites the MSA but is not linked as an amendment
        live_notice = con.execute(
            "select contract_id, due_date, due_date_derived_from from raw.milestones where superseded_by_contract_id "
            "is null and obligation_type = 'renewal_notice' and contract_id like '%quarry-hill%' and "
            "(contract_id like 'amend1%' or clause_reference = '6')"
        ).fetchall()
        assert [r[:2] for r in live_notice] == [("amend1-northwind-quarry-hill-2026", dt.date(2027, 2, 27))]
        eff = con.execute("select next_renewal_notice_deadline from raw.effective_key_dates "
                          "where contract_id = 'saas-northwind-quarry-hill-2024'").fetchone()  # fmt: skip
        assert eff == (dt.date(2027, 2, 27),)
        # a replaced milestone is not in force: it leaves the review queue (the amendment's milestone is there)
        from milestones.review.queries import QueueFilter, get_queue

        superseded = {r[0] for r in con.execute(
            "select milestone_id from raw.milestones where superseded_by_contract_id is not null").fetchall()}  # fmt: skip
        queued, _, _ = get_queue(con, QueueFilter(limit=1000))
        assert superseded and not superseded & {q["milestone_id"] for q in queued}
    # a second night with nothing changed: nothing re-extracted, nothing re-planned, links kept
    planned2 = plan(AS_OF, inbox=inbox, warehouse=wh, batch_size=10, run_id="nightly__again")
    assert planned2.batches == []
    summary2 = load(planned2.manifest, [])
    assert summary2.amendments["linked"] == 3
    assert (summary2.amendments["superseded"], summary2.amendments["released"]) == (0, 0)
