"""The embedded default: no Connections → everything lands in the local outbox (raw.outbox + readable
files) so `make demo` shows exactly what would be sent; ineligible obligations produce nothing."""

from __future__ import annotations

import datetime as dt
import email
import json

from fakes.marts import AS_OF, obligation_row
from milestones.fanout import Connectors, FanoutSettings, get_outbox_counts, run_fanout

S = FanoutSettings(review_base_url="https://milestones.example.com")


def _rows():
    d = dt.timedelta
    return [
        obligation_row("m1", AS_OF + d(days=14)),  # d14 reminder
        obligation_row("m2", AS_OF - d(days=20), milestone_name="Insurance certificate"),  # overdue + escalation
        obligation_row("m3", AS_OF + d(days=14), review_status="pending", is_cleared_for_fanout=False,
                       needs_review=True, confidence=0.41),  # unreviewed and low confidence
        obligation_row("m4", AS_OF + d(days=7), obligation_status="completed"),
        obligation_row("m5", AS_OF + d(days=7), obligation_status="cancelled"),
        obligation_row("m6", AS_OF + d(days=7), contract_id="held-back-2026"),  # quarantined contract
        obligation_row("m7", AS_OF + d(days=30), owner="contract-ops", owner_email="contract-ops@example.com",
                       owner_channel="#contract-ops", is_default_owner=True, obligation_type="other"),  # unmapped
        obligation_row("m8", AS_OF, occurrence_id="m8:undated", due_date=None, days_until_due=None,
                       obligation_status="awaiting_trigger", is_default_owner=True, owner="contract-ops"),
        obligation_row("m9", AS_OF + d(days=14), review_status="not_required", needs_review=True),  # inconsistent: held
    ]  # fmt: skip


def test_embedded_default_writes_what_would_be_sent(warehouse, clock, tmp_path):
    warehouse.set_obligations(_rows())
    warehouse.execute(
        "insert into raw.quarantine (quarantine_id, run_id, stage, contract_id, reason, message, quarantined_at) "
        "values ('q1', 'r0', 'extract', 'held-back-2026', 'ocr_failed', 'unreadable scan', ?)",
        [clock()],
    )
    out = tmp_path / "outbox"
    summary = run_fanout(AS_OF, "run-1", warehouse.path, warehouse.path, settings=S, connectors=Connectors(),
                         outbox_dir=out, clock=clock)  # fmt: skip
    assert summary.eligible == 3 and summary.errors == []
    assert summary.not_eligible == {"not_cleared": 1, "completed": 1, "cancelled": 1, "quarantined": 1,
                                    "awaiting_trigger": 1, "needs_review": 1}  # fmt: skip
    rows = warehouse.query("select milestone_id, channel, threshold, status, transport, recipient from raw.outbox "
                           "order by milestone_id, channel, threshold")  # fmt: skip
    assert {r[0] for r in rows} == {"m1", "m2", "m7"}  # nothing for m3-m6, m8, m9
    assert all(r[3] == "sent" and r[4] == "local" for r in rows)
    assert sorted((r[0], r[1], r[2]) for r in rows if r[1] == "email") == [
        ("m1", "email", "d14"), ("m2", "email", "escalation"), ("m2", "email", "overdue_15"), ("m7", "email", "d30")]  # fmt: skip
    escalation = next(r for r in rows if r[1] == "email" and r[2] == "escalation")
    assert escalation[5] == "legal-lead@example.com, reporting@example.com"  # manager, owner in copy

    emls = sorted((out / "email").glob("*.eml"))
    assert (
        len(emls) == 4
        and len(list((out / "slack").glob("*.json"))) == 4
        and len(list((out / "teams").glob("*.json"))) == 4
    )
    msg = email.message_from_bytes(emls[0].read_bytes())
    assert msg["Subject"] and msg.is_multipart()
    slack = json.loads(next((out / "slack").glob("*.json")).read_text())
    assert slack["recipient"].startswith("#") and slack["payload"]["blocks"]

    tasks = sorted(p.name for p in (out / "tasks").glob("*.json"))
    assert tasks == ["m1.json", "m2.json", "m7.json"]
    task = json.loads((out / "tasks" / "m1.json").read_text())
    assert task["duedate"] == "2026-12-15" and task["description"]["type"] == "doc"
    assert warehouse.query("select count(*), min(system) from raw.pm_tasks")[0] == (3, "outbox")

    owner_feed = (out / "calendars" / "owners" / "partner-reporting.ics").read_text()
    assert owner_feed.count("BEGIN:VEVENT") == 2 and "UID:cm-m1@contract-milestones.local" in owner_feed
    assert "DTSTART;VALUE=DATE:20261215" in owner_feed and "TRIGGER:-P14D" in owner_feed
    assert (out / "calendars" / "contracts" / "msa-acme-2026.ics").exists()

    unmapped = warehouse.query("select milestone_id from raw.unmapped_obligations order by 1")
    assert unmapped == [("m7",), ("m8",)]  # listed, not dropped (m8 has no date yet)
    assert "m7" in (out / "reports" / "unmapped_obligations.csv").read_text()

    with warehouse.released():
        counts = get_outbox_counts(warehouse.path, out)
    assert counts["alerts_sent"] == 12 and counts["alerts_by_channel"] == {"email": 4, "slack": 4, "teams": 4}
    assert (
        counts["tasks"] == 3 and counts["calendar_events"] == 3 and counts["calendar_feeds"] == 3
    )  # 2 owners + 1 contract
    assert counts["unmapped_obligations"] == 2 and counts["outbox_dir"] == str(out)

    # the same run again: nothing new anywhere
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    feed_bytes = (out / "calendars" / "owners" / "partner-reporting.ics").read_bytes()
    again = run_fanout(AS_OF, "run-2", warehouse.path, warehouse.path, settings=S, connectors=Connectors(),
                       outbox_dir=out, clock=clock)  # fmt: skip
    assert again.alerts["sent"] == 0 and again.alerts["already_sent"] == 12
    assert again.tasks["outbox"]["created"] == 0 and again.calendars["new"] == again.calendars["updated"] == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == before
    assert (out / "calendars" / "owners" / "partner-reporting.ics").read_bytes() == feed_bytes
    assert warehouse.query("select count(*) from raw.outbox")[0][0] == 12


def test_reads_the_published_copy_and_writes_the_warehouse(warehouse, clock, tmp_path):
    """The DAG's shape: marts from the published read-only file, raw.* written to the warehouse."""
    import shutil

    warehouse.set_obligations([obligation_row("m1", AS_OF + dt.timedelta(days=7))])
    published = tmp_path / "published.duckdb"
    warehouse.execute("checkpoint")
    shutil.copy(warehouse.path, published)
    warehouse.execute("delete from marts.fct_obligations")  # the warehouse's own marts are not read
    summary = run_fanout(AS_OF, "run-1", published, warehouse.path, settings=S, connectors=Connectors(),
                         outbox_dir=tmp_path / "outbox", clock=clock)  # fmt: skip
    assert summary.eligible == 1 and summary.alerts["sent"] == 3
    assert warehouse.query("select count(*) from raw.fanout_runs where job = 'fanout'")[0][0] == 1
