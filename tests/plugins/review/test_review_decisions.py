"""Decisions through the API land in the register, stay put across re-extraction, and leave an audit trail.

Re-extraction uses the real loader on the real extraction records of the sample contracts; "the model
disagrees" is the same record with the machine's due date changed, as a new model version would produce.
"""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from .helpers import AS_OF, bearer, extract_records, load, query

CONTRACT = "msa-northwind-alder-creek-2024"


def _pending(warehouse, contract=CONTRACT, dated=True):
    extra = "and due_date is not null" if dated else ""
    return query(warehouse, f"select * from raw.milestones where contract_id = ? and review_status = 'pending' {extra} "
                            "order by span_start, milestone_name", [contract])  # fmt: skip


def _row(warehouse, mid):
    return query(warehouse, "select * from raw.milestones where milestone_id = ?", [mid])[0]


def _decide(client, mid, role="reviewer", **body):
    return client.post(f"/api/v1/milestones/{mid}/decision", headers=bearer(role), json=body)


def test_queue_holds_low_confidence_and_always_review_types_only(client, warehouse):
    items = client.get("/api/v1/review-queue?limit=1000", headers=bearer("viewer")).json()["items"]
    ids = {m["milestone_id"] for m in items}
    rows = query(warehouse, "select milestone_id, confidence, obligation_type, review_status from raw.milestones "
                            "where lifecycle_status <> 'removed'")  # fmt: skip
    for r in rows:
        should = r["confidence"] < 0.85 or r["obligation_type"] in ("payment", "compliance")
        assert (r["milestone_id"] in ids) == should, r
    assert any(r["milestone_id"] not in ids for r in rows)  # some confident ones are not in the queue


def test_queue_filters(client):
    h = bearer("viewer")
    everything = client.get("/api/v1/review-queue", headers=h).json()
    assert everything["total"] == len(everything["items"]) > 5
    only = client.get(f"/api/v1/review-queue?contract_id={CONTRACT}&obligation_type=payment", headers=h).json()["items"]
    assert only and all(m["contract_id"] == CONTRACT and m["obligation_type"] == "payment" for m in only)
    low = client.get("/api/v1/review-queue?max_confidence=0.7", headers=h).json()["items"]
    assert low and all(m["confidence"] <= 0.7 for m in low)
    soon = client.get("/api/v1/review-queue?due_within_days=30", headers=h).json()["items"]
    assert soon and all(m["due_date"] and dt.date.fromisoformat(m["due_date"]) <= AS_OF + dt.timedelta(days=30)
                        for m in soon)  # fmt: skip
    dated = [m for m in everything["items"] if m["due_date"]]
    assert [m["due_date"] for m in dated] == sorted(m["due_date"] for m in dated)  # most urgent first


def test_approve_pins_the_reviewed_values(client, warehouse):
    m = _pending(warehouse)[0]
    r = _decide(client, m["milestone_id"], decision="approve", comment="checked against §3")
    assert r.status_code == 200, r.text
    row = _row(warehouse, m["milestone_id"])
    human = json.loads(row["human_fields"])
    assert row["review_status"] == "approved"
    assert human["due_date"] == m["due_date"].isoformat() and human["obligation_type"] == m["obligation_type"]
    dec = query(warehouse, "select * from raw.review_decisions where milestone_id = ?", [m["milestone_id"]])
    assert len(dec) == 1 and dec[0]["decision"] == "approve" and dec[0]["decided_by"] == "reviewer-client"
    assert dec[0]["comment"] == "checked against §3"
    audit = query(warehouse, "select * from raw.audit_log where action = 'decision' and entity_id = ?", [m["milestone_id"]])
    assert len(audit) == 1 and audit[0]["actor"] == "reviewer-client"
    assert json.loads(audit[0]["before"])["review_status"] == "pending"
    assert json.loads(audit[0]["after"])["review_status"] == "approved"
    # approving again from a stale view is refused, not silently applied
    stale = _decide(client, m["milestone_id"], decision="reject", expected_updated_at=m["updated_at"].isoformat())
    assert stale.status_code == 409 and "reload" in stale.json()["detail"]


def test_edit_changes_the_effective_value_and_records_before_after(client, warehouse):
    m = _pending(warehouse)[0]
    new_due = (m["due_date"] - dt.timedelta(days=3)).isoformat()
    r = _decide(client, m["milestone_id"], decision="edit",
                fields={"due_date": new_due, "responsible_party": "Alder Creek Environmental LLC"})  # fmt: skip
    assert r.status_code == 200, r.text
    row = _row(warehouse, m["milestone_id"])
    assert row["review_status"] == "edited" and row["due_date"].isoformat() == new_due
    human = json.loads(row["human_fields"])
    assert human["due_date"] == new_due and human["responsible_party"] == "Alder Creek Environmental LLC"
    audit = query(warehouse, "select before, after from raw.audit_log where action = 'decision' and entity_id = ?",
                  [m["milestone_id"]])[0]  # fmt: skip
    before, after = json.loads(audit["before"]), json.loads(audit["after"])
    assert before["due_date"] == m["due_date"].isoformat() and after["due_date"] == new_due
    assert after["decision"] == "edit"


@pytest.mark.parametrize("fields,needle", [
    ({"due_date": "31/01/2027"}, "YYYY-MM-DD"),
    ({"due_date": "2027-02-30"}, "not a calendar date"),
    ({"obligation_type": "gardening"}, "obligation_type must be one of"),
    ({"rule_amount": "-3"}, "rule_amount"),
    ({"confidence": "1.0"}, "cannot edit"),
    ({"milestone_name": ""}, "cannot be empty"),
    ({}, "nothing changed"),
])  # fmt: skip
def test_bad_edits_are_422_and_change_nothing(client, warehouse, fields, needle):
    m = _pending(warehouse)[0]
    r = _decide(client, m["milestone_id"], decision="edit", fields=fields)
    assert r.status_code == 422 and needle in r.json()["detail"], r.text
    assert _row(warehouse, m["milestone_id"])["review_status"] == "pending"


def test_reject_and_add_a_missed_obligation(client, warehouse):
    m = _pending(warehouse)[0]
    assert _decide(client, m["milestone_id"], decision="reject").json()["review_status"] == "rejected"
    assert _row(warehouse, m["milestone_id"])["human_fields"] is None
    # add: the reviewer selects the evidence in the document text
    from extractors.text import load_document

    from .helpers import PORTFOLIO

    text = load_document(PORTFOLIO / f"{CONTRACT}.pdf").text
    start = text.index("Section 3.2")
    end = text.index(".", start + 20) + 1
    r = client.post(f"/api/v1/contracts/{CONTRACT}/milestones", headers=bearer("reviewer"), json={
        "span_start": start, "span_end": end, "selected_text": text[start:end],
        "fields": {"obligation_type": "termination_notice", "milestone_name": "Termination for convenience notice",
                   "responsible_party": "Northwind Traders, Inc."}})  # fmt: skip
    assert r.status_code == 201, r.text
    added = _row(warehouse, r.json()["milestone_id"])
    assert added["origin"] == "human" and added["review_status"] == "approved"
    assert added["source_text"] == text[start:end] and added["page"] == 1
    assert added["span_start"] == start and added["confidence"] == 1.0
    ev = query(warehouse, "select * from raw.evidence where milestone_id = ?", [added["milestone_id"]])
    assert ev and ev[0]["text"] == text[start:end]
    # a selection that does not match the document is refused
    bad = client.post(f"/api/v1/contracts/{CONTRACT}/milestones", headers=bearer("reviewer"), json={
        "span_start": start, "span_end": end, "selected_text": "something else entirely",
        "fields": {"obligation_type": "payment"}})  # fmt: skip
    assert bad.status_code == 409


def test_rereview_needs_an_explicit_resolution(client, warehouse):
    m = _pending(warehouse)[0]
    r = _decide(client, m["milestone_id"], decision="keep_human")
    assert r.status_code == 409 and "resolves a re-review" in r.json()["detail"]


# -- re-extraction round trip ---------------------------------------------------------------------------------


def _records_with(records, milestone_name, **changes):
    out = copy.deepcopy(records)
    for rec in out:
        for m in rec["extracted_milestones"]:
            if m["milestone_name"] == milestone_name:
                m.update(changes)
    return out


def test_reextraction_keeps_the_edit_and_flags_disagreement(client, warehouse, sample_records):
    target = next(m for m in _pending(warehouse) if m["obligation_type"] == "payment")
    mid = target["milestone_id"]
    machine_due = target["due_date"].isoformat()
    human_due = (target["due_date"] - dt.timedelta(days=5)).isoformat()
    assert _decide(client, mid, decision="edit", fields={"due_date": human_due}).status_code == 200

    # 1. the document extracted again (real extractor): the model still says its own date, so the human
    #    value stays in force and the disagreement waits for a reviewer
    again = extract_records()
    stats = load(warehouse, again, run_id="nightly__2026-12-02", as_of=AS_OF)
    assert stats.rereview == 1
    row = _row(warehouse, mid)
    assert row["review_status"] == "rereview" and row["due_date"].isoformat() == human_due
    assert json.loads(row["machine_proposal"]) == {"due_date": machine_due}
    assert json.loads(row["human_fields"])["due_date"] == human_due
    diff = query(warehouse, "select before, after from raw.audit_log where action = 'machine_disagrees' and entity_id = ?",
                 [mid])  # fmt: skip
    assert json.loads(diff[0]["before"]) == {"due_date": human_due}
    assert json.loads(diff[0]["after"]) == {"due_date": machine_due}
    queue = client.get("/api/v1/review-queue?status=rereview", headers=bearer("viewer")).json()["items"]
    assert [m["milestone_id"] for m in queue] == [mid]
    assert queue[0]["machine_proposal"] == {"due_date": machine_due}
    # nothing else in the contract changed state
    assert {r["review_status"] for r in query(warehouse, "select review_status from raw.milestones where "
                                              "milestone_id <> ?", [mid])} <= {"pending", "not_required"}  # fmt: skip

    # 2. the reviewer keeps the decided value
    r = _decide(client, mid, decision="keep_human")
    assert r.status_code == 200 and r.json()["review_status"] == "edited"
    row = _row(warehouse, mid)
    assert row["due_date"].isoformat() == human_due and row["machine_proposal"] is None

    # 3. a new model proposes another date → re-review with that proposal; this time the reviewer accepts it
    new_due = (target["due_date"] + dt.timedelta(days=10)).isoformat()
    disagreeing = _records_with(sample_records, target["milestone_name"], due_date=new_due)
    load(warehouse, disagreeing, run_id="nightly__2026-12-03")
    row = _row(warehouse, mid)
    assert row["review_status"] == "rereview" and json.loads(row["machine_proposal"]) == {"due_date": new_due}
    assert row["due_date"].isoformat() == human_due
    r = _decide(client, mid, decision="accept_machine")
    assert r.status_code == 200 and r.json()["review_status"] == "approved"
    row = _row(warehouse, mid)
    assert row["due_date"].isoformat() == new_due and json.loads(row["human_fields"])["due_date"] == new_due

    # 4. the model agreeing with the decision afterwards changes nothing
    load(warehouse, disagreeing, run_id="nightly__2026-12-04")
    row = _row(warehouse, mid)
    assert row["review_status"] == "approved" and row["machine_proposal"] is None
    decisions = [d["decision"] for d in query(warehouse, "select decision from raw.review_decisions where "
                                              "milestone_id = ? order by decided_at", [mid])]  # fmt: skip
    assert decisions == ["edit", "keep_human", "accept_machine"]


def test_rejection_is_sticky_across_reextraction(client, warehouse, sample_records):
    m = _pending(warehouse)[0]
    assert _decide(client, m["milestone_id"], decision="reject").status_code == 200
    changed = _records_with(sample_records, m["milestone_name"], confidence=0.99,
                            due_date=(m["due_date"] + dt.timedelta(days=1)).isoformat())  # fmt: skip
    load(warehouse, changed, run_id="nightly__2026-12-02")
    assert _row(warehouse, m["milestone_id"])["review_status"] == "rejected"


def test_removed_milestones_cannot_be_decided(client, warehouse, sample_records):
    m = _pending(warehouse)[0]
    without = copy.deepcopy(sample_records)
    for rec in without:
        rec["extracted_milestones"] = [x for x in rec["extracted_milestones"] if x["milestone_name"] != m["milestone_name"]
                                       or rec["contract_id"] != CONTRACT]  # fmt: skip
    load(warehouse, without, run_id="nightly__2026-12-02")
    assert _row(warehouse, m["milestone_id"])["lifecycle_status"] == "removed"
    r = _decide(client, m["milestone_id"], decision="approve")
    assert r.status_code == 409 and "no longer in the contract" in r.json()["detail"]
