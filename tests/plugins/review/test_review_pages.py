"""Pages and feeds against a modeled warehouse (dbt marts built once): contract view with highlighted
evidence and PDF page boxes, timeline, queue filters, form decisions, the .ics feed."""

from __future__ import annotations

import html
import re
import shutil

import pytest

from .helpers import PASSWORDS, bearer, query

PDF_CONTRACT = "msa-northwind-alder-creek-2024"


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


def _marks(page: str) -> dict[str, str]:
    """milestone id → the highlighted text (concatenated marks) in the document pane."""
    out: dict[str, str] = {}
    for ids, text in re.findall(r'<mark class="ev" data-s="\d+" data-m="([^"]+)">(.*?)</mark>', page, flags=re.S):
        for mid in ids.split():
            out[mid] = out.get(mid, "") + html.unescape(text)
    return out


def test_contract_view_highlights_every_evidence_span(mclient, modeled):
    page = mclient.get(f"/contracts/{PDF_CONTRACT}", headers=bearer("reviewer"))
    assert page.status_code == 200
    marks = _marks(page.text)
    ms = query(modeled, "select milestone_id, source_text from raw.milestones where contract_id = ? "
                        "and lifecycle_status <> 'removed'", [PDF_CONTRACT])  # fmt: skip
    assert ms
    for m in ms:
        assert " ".join(marks[m["milestone_id"]].split()) == " ".join(m["source_text"].split())
    # the whole document is there, offsets intact: concatenating the pane gives the text back
    spans = re.findall(r'data-s="(\d+)"', page.text)
    assert spans[0] == "0" and [int(s) for s in spans] == sorted(int(s) for s in spans)
    # PDF: one overlay box per printed line of evidence, on the page images
    boxes = re.findall(r'<div class="box" data-m="([^"]+)" style="left:([\d.]+)%;top:([\d.]+)%', page.text)
    assert {b[0] for b in boxes} == {m["milestone_id"] for m in ms}
    assert all(0 <= float(left) < 100 and 0 <= float(top) < 100 for _, left, top in boxes)
    png = mclient.get(f"/contracts/{PDF_CONTRACT}/pages/2.png", headers=bearer("viewer"))
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert mclient.get(f"/contracts/{PDF_CONTRACT}/pages/99.png", headers=bearer("viewer")).status_code == 404


def test_contract_view_when_the_file_changed(mclient, modeled, tmp_path):
    import duckdb

    moved = tmp_path / "moved.txt"
    moved.write_text("a different text than the one extracted")
    with duckdb.connect(str(modeled)) as con:
        con.execute("update raw.documents set path = ? where contract_id = 'sla-northwind-hollis-crane-2026'", [str(moved)])
    page = mclient.get("/contracts/sla-northwind-hollis-crane-2026", headers=bearer("viewer"))
    assert page.status_code == 200 and "changed after it was extracted" in page.text
    assert '<pre id="doc-text"' not in page.text and "<blockquote>" in page.text


def test_timeline_comes_from_the_marts(mclient, modeled):
    body = mclient.get(f"/api/v1/contracts/{PDF_CONTRACT}/timeline", headers=bearer("viewer")).json()
    assert body["source"] == "marts.fct_obligations"
    occ = query(modeled, "select occurrence_id from marts.fct_obligations where contract_id = ?", [PDF_CONTRACT])
    assert sorted(o["occurrence_id"] for o in body["occurrences"]) == sorted(o["occurrence_id"] for o in occ)
    page = mclient.get(f"/contracts/{PDF_CONTRACT}", headers=bearer("viewer")).text
    assert 'data-testid="timeline"' in page and "2027-01" in page


def test_queue_page_filters(mclient):
    page = mclient.get(f"/queue?contract={PDF_CONTRACT}&type=payment", headers=bearer("viewer")).text
    rows = re.findall(r'<tr data-milestone="([^"]+)">(.*?)</tr>', page, flags=re.S)
    assert rows and all(PDF_CONTRACT in r and "<td>payment</td>" in r for _, r in rows)
    page = mclient.get("/queue?due_within=abc", headers=bearer("viewer"))
    assert page.status_code == 422


def test_form_edit_of_a_due_date(mclient, modeled):
    r = mclient.post("/login", data={"username": "rita", "password": PASSWORDS["rita"]}, follow_redirects=False)
    assert r.status_code == 303
    m = query(modeled, "select * from raw.milestones where contract_id = ? and review_status = 'pending' and "
                       "due_date is not null order by span_start limit 1", [PDF_CONTRACT])[0]  # fmt: skip
    page = mclient.get(f"/contracts/{PDF_CONTRACT}").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": csrf, "decision": "edit", "expected_updated_at": m["updated_at"].isoformat(),
            "milestone_name": m["milestone_name"], "obligation_type": m["obligation_type"], "due_date": "2027-01-04",
            "responsible_party": m["responsible_party"] or "", "rule_kind": m["rule_kind"] or "",
            "rule_amount": "" if m["rule_amount"] is None else str(m["rule_amount"])}  # fmt: skip
    r = mclient.post(f"/contracts/{PDF_CONTRACT}/milestones/{m['milestone_id']}/decision", data=form,
                     follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and "done=edited" in r.headers["location"]
    row = query(modeled, "select * from raw.milestones where milestone_id = ?", [m["milestone_id"]])[0]
    assert row["due_date"].isoformat() == "2027-01-04" and row["review_status"] == "edited"
    import json

    audit = query(modeled, "select before, after from raw.audit_log where action = 'decision'")[0]
    before, after = json.loads(audit["before"]), json.loads(audit["after"])
    assert set(before) == {"review_status", "due_date", "human_fields"}  # only what the reviewer changed
    assert after["due_date"] == "2027-01-04" and before["due_date"] == m["due_date"].isoformat()


def test_calendar_serves_the_fanout_feed(mclient, modeled):
    from icalendar import Calendar
    from milestones.fanout.calendar_sync import PRODID

    owner = query(modeled, "select owner from marts.fct_obligations where owner is not null limit 1")[0]["owner"]
    # before the fan-out has written a feed: a valid, empty calendar for a known owner; 404 for a typo
    r = mclient.get(f"/api/v1/calendar/{owner}.ics", headers=bearer("viewer"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    assert str(cal["prodid"]) == PRODID and not cal.walk("VEVENT")
    assert mclient.get("/api/v1/calendar/no-such-team.ics", headers=bearer("viewer")).status_code == 404
    # after: the fan-out's file, byte for byte (its UIDs, sequences and cancellations)
    feed = modeled.parent / "outbox" / "calendars" / "owners" / f"{owner}.ics"
    feed.parent.mkdir(parents=True)
    feed.write_bytes(b"BEGIN:VCALENDAR\r\nPRODID:x\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    assert mclient.get(f"/api/v1/calendar/{owner}.ics", headers=bearer("viewer")).content == feed.read_bytes()
