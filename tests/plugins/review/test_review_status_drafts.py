"""Status update drafts: written from marts.fct_obligations for one counterparty, stored in raw.status_drafts,
shown in the review app, never sent (no outbox row, no "sent" state). Against a modeled warehouse (dbt marts
built once from three sample-portfolio contracts, see conftest.py); one test rewrites a few fct rows to known
facts to check the text word for word."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import duckdb
import pytest

from .helpers import AS_OF, PASSWORDS, bearer, query


@pytest.fixture
def modeled(tmp_path, modeled_warehouse):
    wh = tmp_path / "data" / "warehouse.duckdb"
    wh.parent.mkdir(parents=True)
    shutil.copy(modeled_warehouse, wh)
    return wh


@pytest.fixture
def mclient(modeled, make_config):
    from fastapi.testclient import TestClient
    from milestones.review.app import create_app

    with TestClient(create_app(make_config(modeled))) as c:
        yield c


def _busiest(wh) -> str:  # type: ignore[no-untyped-def]
    return query(wh, "select counterparty from marts.fct_obligations where obligation_status in ('open', 'overdue') "
                     "group by 1 order by count(*) desc, 1 limit 1")[0]["counterparty"]  # fmt: skip


def test_a_reviewer_drafts_from_register_facts_and_nothing_is_sent(mclient, modeled):
    cp = _busiest(modeled)
    outbox_before = query(modeled, "select count(*) as n from raw.outbox")[0]["n"]
    r = mclient.post("/api/v1/status-drafts", json={"counterparty": cp, "horizon_days": 60}, headers=bearer("reviewer"))
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["status"] == "draft" and d["sent"] is False and d["counterparty"] == cp
    assert d["as_of"] == AS_OF.isoformat() and d["created_by"] == "reviewer-client"

    # the facts are exactly the register's: cleared occurrences of this counterparty, late / due within 60 days
    fct = query(modeled, "select occurrence_id, obligation_status, days_until_due, is_cleared_for_fanout, "
                         "milestone_name, due_date from marts.fct_obligations where counterparty = ?", [cp])  # fmt: skip
    late = {f["occurrence_id"] for f in fct if f["obligation_status"] == "overdue" and f["is_cleared_for_fanout"]}
    soon = {f["occurrence_id"] for f in fct if f["obligation_status"] == "open" and f["is_cleared_for_fanout"]
            and f["days_until_due"] <= 60}  # fmt: skip
    unreviewed = sum(1 for f in fct if f["obligation_status"] in ("open", "overdue", "awaiting_trigger")
                     and not f["is_cleared_for_fanout"])  # fmt: skip
    assert late or soon, "the fixture should give this counterparty something to report"
    assert {f["occurrence_id"] for f in d["facts"]["late"]} == late
    assert {f["occurrence_id"] for f in d["facts"]["upcoming"]} == soon
    assert d["facts"]["excluded_unreviewed"] == d["excluded_unreviewed"] == unreviewed
    assert (d["late_count"], d["upcoming_count"]) == (len(late), len(soon))
    assert d["subject"].startswith(f"Status update 01 Dec 2026: {len(late)} past due, {len(soon)} due within 60 days")
    for f in fct:
        if f["occurrence_id"] in late | soon:
            assert f"{f['due_date']:%d %b %Y}" in d["body_text"]
    others = query(modeled, "select distinct counterparty from marts.fct_obligations where counterparty <> ?", [cp])
    assert not any(o["counterparty"] in d["body_text"] for o in others)

    # stored, listed, audited; never sent
    listed = mclient.get("/api/v1/status-drafts", params={"counterparty": cp}, headers=bearer("viewer")).json()
    assert [i["draft_id"] for i in listed["items"]] == [d["draft_id"]] and "body_text" not in listed["items"][0]
    one = mclient.get(f"/api/v1/status-drafts/{d['draft_id']}", headers=bearer("viewer")).json()
    assert one["body_text"] == d["body_text"] and one["facts"] == d["facts"]
    assert query(modeled, "select count(*) as n from raw.outbox")[0]["n"] == outbox_before
    assert query(modeled, "select actor, action from raw.audit_log where entity = 'status_draft'") == [
        {"actor": "reviewer-client", "action": "draft"}]  # fmt: skip


def test_roles_and_bad_requests(mclient, modeled):
    cp = _busiest(modeled)
    assert mclient.post("/api/v1/status-drafts", json={"counterparty": cp}).status_code == 401
    assert mclient.post("/api/v1/status-drafts", json={"counterparty": cp}, headers=bearer("viewer")).status_code == 403
    assert mclient.get("/api/v1/status-drafts").status_code == 401
    r = mclient.post("/api/v1/status-drafts", json={"counterparty": "Nobody Ltd"}, headers=bearer("reviewer"))
    assert r.status_code == 404 and "Nobody Ltd" in r.json()["detail"]
    r = mclient.post("/api/v1/status-drafts", json={"counterparty": cp, "horizon_days": 0}, headers=bearer("reviewer"))
    assert r.status_code == 422
    assert mclient.get("/api/v1/status-drafts/sd-missing", headers=bearer("viewer")).status_code == 404
    assert query(modeled, "select count(*) as n from raw.status_drafts")[0]["n"] == 0
    names = {p["counterparty"] for p in mclient.get("/api/v1/counterparties", headers=bearer("viewer")).json()["items"]}
    assert cp in names


def _known_facts(wh) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Rewrite one counterparty's occurrences to known facts; returns (counterparty, contract title)."""
    cp = _busiest(wh)
    rows = query(wh, "select f.occurrence_id, f.milestone_id, f.contract_id, c.title from marts.fct_obligations f "
                     "join raw.contracts c using (contract_id) where f.counterparty = ? and f.contract_id = (select contract_id "
                     "from marts.fct_obligations where counterparty = ? group by 1 order by count(*) desc, 1 limit 1) "
                     "order by 1", [cp, cp])  # fmt: skip
    assert len(rows) >= 5
    a, b, c, d, e = rows[:5]
    facts = [
        (a, "overdue", "2026-11-26", -5, True, "Security report", "Section 7.2", cp, None, None, None),
        (b, "open", "2026-12-04", 3, True, "Quarterly report", "Section 8.1", "Example Buyer GmbH", None, None, None),
        (c, "awaiting_trigger", None, None, True, "Final payment", None, "Example Buyer GmbH", a["milestone_id"],
         "overdue", "2026-11-26"),
        (d, "overdue", "2026-11-20", -11, False, "Unreviewed thing", None, cp, None, None, None),
        (e, "open", "2027-01-15", 45, True, "Later thing", None, cp, None, None, None),
    ]  # fmt: skip
    with duckdb.connect(str(wh)) as con:
        con.execute("update marts.fct_obligations set obligation_status = 'completed' where counterparty = ?", [cp])
        for r, status, due, days, cleared, name, clause, resp, pred, pstatus, pdue in facts:
            con.execute("update marts.fct_obligations set obligation_status = ?, due_date = ?, days_until_due = ?, "
                        "is_cleared_for_fanout = ?, milestone_name = ?, clause_reference = ?, responsible_party = ?, "
                        "predecessor_milestone_id = ?, predecessor_status = ?, predecessor_due_date = ? "
                        "where occurrence_id = ?",
                        [status, due, days, cleared, name, clause, resp, pred, pstatus, pdue, r["occurrence_id"]])  # fmt: skip
        con.execute("update raw.milestones set milestone_name = 'Security report' where milestone_id = ?",
                    [a["milestone_id"]])  # fmt: skip
    return cp, a["title"] or a["contract_id"]


def test_the_text_says_what_the_register_says(mclient, modeled):
    cp, title = _known_facts(modeled)
    d = mclient.post("/api/v1/status-drafts", json={"counterparty": cp}, headers=bearer("reviewer")).json()
    lines = d["body_text"].splitlines()
    assert lines[0] == f"Dear {cp} team,"
    assert "Here is where the obligations under our agreements with you stand as of 01 December 2026." in lines
    i = lines.index("Past due (1):")
    assert lines[i + 1] == f"- Security report — {title}, Section 7.2: was due 26 Nov 2026 (5 days late); your side."
    i = lines.index("Due in the next 30 days (1):")
    assert lines[i + 1] == f"- Quarterly report — {title}, Section 8.1: due 04 Dec 2026 (in 3 days); our side."
    i = lines.index("Waiting on another milestone (1):")
    assert lines[i + 1] == (f"- Final payment — {title}: dated once Security report is complete "
                            "(overdue, due 26 Nov 2026).")  # fmt: skip
    assert "Unreviewed thing" not in d["body_text"] and "Later thing" not in d["body_text"]  # pending / beyond 30 days
    assert d["excluded_unreviewed"] == 1 and d["waiting_count"] == 1
    assert d["subject"] == f"Status update 01 Dec 2026: 1 past due, 1 due within 30 days — {cp}"
    assert lines[-1] == "[your name]"


def test_pages_generate_show_and_discard(mclient, modeled):
    cp = _busiest(modeled)
    assert mclient.get("/status-drafts", headers={"Accept": "text/html"}, follow_redirects=False).status_code == 401
    viewer = mclient.get("/status-drafts", headers=bearer("viewer"))
    assert viewer.status_code == 200 and 'data-testid="draft-form"' not in viewer.text  # viewers read only
    assert mclient.post("/login", data={"username": "rita", "password": PASSWORDS["rita"]},
                        follow_redirects=False).status_code == 303  # fmt: skip
    page = mclient.get("/status-drafts").text
    assert 'data-testid="draft-form"' in page and f'<option value="{cp}">' in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert mclient.post("/status-drafts", data={"counterparty": cp, "horizon_days": "30"},
                        follow_redirects=False).status_code == 403  # no CSRF token  # fmt: skip
    r = mclient.post("/status-drafts", data={"csrf_token": csrf, "counterparty": cp, "horizon_days": "30"},
                     follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    shown = mclient.get(r.headers["location"]).text
    assert "Draft — not sent." in shown and f"Dear {cp} team," in shown
    (stored,) = query(modeled, "select draft_id, status, created_by from raw.status_drafts")
    assert stored["status"] == "draft" and stored["created_by"] == "rita"
    r = mclient.post(f"/status-drafts/{stored['draft_id']}/discard", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert query(modeled, "select status, discarded_by from raw.status_drafts") == [
        {"status": "discarded", "discarded_by": "rita"}]  # fmt: skip
    assert 'data-testid="status">discarded' in mclient.get(r.headers["location"]).text
    assert f"{dt.date(2026, 12, 1)}" in mclient.get("/status-drafts").text
