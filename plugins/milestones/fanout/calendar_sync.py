"""Calendars: an RFC 5545 feed per owner and per contract, and optional Google / Microsoft Graph events.

Every obligation gets one all-day event whose UID never changes (`cm-<obligation key>@<domain>`); when
its date, text or alarms change the event is re-published under the same UID with SEQUENCE + 1, and when
the obligation is completed, cancelled or withdrawn it is published once more as STATUS:CANCELLED. Feeds
are rewritten from raw.calendar_events on every run, so re-publishing never duplicates an event. VALARMs
sit at the reminder thresholds (DISPLAY alarms, the kind Outlook and Google honour on import).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from icalendar import Alarm, Calendar, Event

from ..clients import GoogleCalendarClient, GraphCalendarClient, google_event_id, graph_transaction_id
from ..clients.http import DeliveryError
from ..redaction import redact
from .messages import Obligation
from .outbox import transaction
from .settings import FanoutSettings

__all__ = ["CalendarStats", "sync_calendars", "event_uid", "write_feeds", "PRODID"]

log = logging.getLogger(__name__)
PRODID = "-//contract-milestones//Contract Milestones//EN"
CANCELLED_KEEP_DAYS = 90  # cancelled events stay in feeds this long so subscribers learn of the cancellation

_COLS = ("uid", "obligation_key", "occurrence_key", "milestone_id", "contract_id", "owner", "due_date", "summary",
         "description", "url", "alarms", "status", "sequence", "content_hash", "google_event_id", "google_hash",
         "graph_event_id", "graph_hash", "last_error", "created_at", "updated_at")  # fmt: skip


def event_uid(obligation_key: str, domain: str) -> str:
    return f"cm-{re.sub(r'[^A-Za-z0-9-]', '-', obligation_key)}@{domain}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (text or "unassigned").lower()).strip("-") or "unassigned"


@dataclass
class CalendarStats:
    new: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    feeds: int = 0
    pushed_google: int = 0
    pushed_graph: int = 0
    push_failed: int = 0
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["errors"] = self.errors[:20]
        return d


def _desired(ob: Obligation, settings: FanoutSettings, task_url: str | None) -> dict[str, Any]:
    r = settings.redaction
    what = redact(ob.milestone_name or ob.deliverable or ob.obligation_type.replace("_", " "), r)
    url = settings.link(ob.contract_id, ob.milestone_id, ob.occurrence_id)
    # nothing relative to the run date here ("in 5 days"): the text would change daily and bump SEQUENCE
    lines = [f"{what} — due {ob.due_date.isoformat() if ob.due_date else 'date to be set'}",
             f"Contract: {redact(ob.contract_label, r)}"
             + (f" with {redact(ob.counterparty, r)}" if ob.counterparty else ""),
             f"Clause: {redact(ob.clause_reference, r) or 'not recorded'}", f"Owner: {ob.owner}"]  # fmt: skip
    if ob.evidence_text:
        lines.append(
            f"Evidence: “{' '.join(redact(ob.evidence_text, r).split())[: settings.evidence_chars]}”"
        )
    lines.append(f"Review page: {url}")
    if task_url and task_url.startswith("http"):
        lines.append(f"Task: {task_url}")
    alarms = ",".join(str(d) for d in settings.thresholds_for(ob.obligation_type))
    return {
        "uid": event_uid(ob.obligation_key, settings.calendar_domain),
        "obligation_key": ob.obligation_key,
        "occurrence_key": ob.occurrence_id,
        "milestone_id": ob.milestone_id,
        "contract_id": ob.contract_id,
        "owner": ob.owner,
        "due_date": ob.due_date,
        "summary": f"Due: {what} — {redact(ob.contract_label, r)}"[:250],
        "description": "\n".join(lines),
        "url": url,
        "alarms": alarms,
        "status": "confirmed",
    }


def _hash(d: dict[str, Any]) -> str:
    keys = ("due_date", "summary", "description", "url", "alarms", "status", "owner", "contract_id")
    return hashlib.sha1(json.dumps([str(d.get(k)) for k in keys]).encode()).hexdigest()[:20]


def sync_calendars(
    con: duckdb.DuckDBPyConnection,
    eligible: Sequence[Obligation],
    settings: FanoutSettings,
    *,
    outbox_dir: Path,
    clock: Callable[[], dt.datetime],
    task_urls: dict[str, str] | None = None,
    google: GoogleCalendarClient | None = None,
    graph: GraphCalendarClient | None = None,
) -> CalendarStats:
    stats = CalendarStats()
    cur = con.execute(f"select {', '.join(_COLS)} from raw.calendar_events")
    rows = {r[0]: dict(zip(_COLS, r, strict=True)) for r in cur.fetchall()}
    desired: dict[str, dict[str, Any]] = {}
    for ob in eligible:
        if ob.due_date is None:
            continue
        d = _desired(ob, settings, (task_urls or {}).get(ob.occurrence_id))
        desired[d["uid"]] = d
    now = clock()
    with transaction(con):
        for uid, d in desired.items():
            h = _hash(d)
            row = rows.get(uid)
            if row is None:
                values = d | {"sequence": 0, "content_hash": h, "created_at": now, "updated_at": now}
                con.execute(f"insert into raw.calendar_events ({', '.join(values)}) values ({', '.join('?' for _ in values)})",
                            list(values.values()))  # fmt: skip
                stats.new += 1
            elif row["content_hash"] != h:
                values = d | {"sequence": int(row["sequence"]) + 1, "content_hash": h, "updated_at": now}
                con.execute(f"update raw.calendar_events set {', '.join(f'{k} = ?' for k in values)} where uid = ?",
                            [*values.values(), uid])  # fmt: skip
                stats.updated += 1
            else:
                stats.unchanged += 1
        for uid, row in rows.items():
            if uid in desired or row["status"] == "cancelled":
                continue
            cancelled = {**row, "status": "cancelled"}
            con.execute("update raw.calendar_events set status = 'cancelled', sequence = ?, content_hash = ?, updated_at = ? "
                        "where uid = ?", [int(row["sequence"]) + 1, _hash(cancelled), now, uid])  # fmt: skip
            stats.cancelled += 1
    cur = con.execute(f"select {', '.join(_COLS)} from raw.calendar_events order by due_date, uid")
    events = [dict(zip(_COLS, r, strict=True)) for r in cur.fetchall()]
    stats.feeds = write_feeds(events, Path(outbox_dir) / "calendars", now, settings)
    if google is not None or graph is not None:
        _push(con, events, google, graph, settings, stats, clock)
    return stats


def _event(row: dict[str, Any]) -> Event:
    ev = Event()
    ev.add("uid", row["uid"])
    ev.add("dtstamp", row["updated_at"].replace(tzinfo=dt.UTC))
    ev.add("sequence", int(row["sequence"]))
    ev.add("dtstart", row["due_date"])
    ev.add("dtend", row["due_date"] + dt.timedelta(days=1))
    ev.add("summary", row["summary"])
    ev.add("description", row["description"])
    ev.add("url", row["url"])
    ev.add("transp", "TRANSPARENT")
    ev.add("categories", ["Contract milestone"])
    ev.add("status", "CANCELLED" if row["status"] == "cancelled" else "CONFIRMED")
    if row["status"] != "cancelled":
        for days in [int(x) for x in (row["alarms"] or "").split(",") if x != ""]:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add(
                "description", f"{row['summary']} — " + ("due today" if days == 0 else f"due in {days} days")
            )
            # relative to the all-day start (midnight): N days before, or 09:00 on the day itself
            alarm.add("trigger", dt.timedelta(days=-days) if days else dt.timedelta(hours=9))
            ev.add_component(alarm)
    return ev


def _calendar(name: str, rows: Sequence[dict[str, Any]]) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for row in rows:
        cal.add_component(_event(row))
    return cal.to_ical()


def write_feeds(
    events: Sequence[dict[str, Any]], cal_dir: Path, now: dt.datetime, settings: FanoutSettings
) -> int:
    """One .ics per owner and per contract (rewritten whole: the same UID appears once per feed)."""
    keep = [e for e in events if e["due_date"] is not None and (
        e["status"] != "cancelled" or e["updated_at"] >= now - dt.timedelta(days=CANCELLED_KEEP_DAYS))]  # fmt: skip
    groups: dict[Path, tuple[str, list[dict[str, Any]]]] = {}
    for e in keep:
        groups.setdefault(
            cal_dir / "owners" / f"{_slug(e['owner'])}.ics", (f"Contract deadlines — {e['owner']}", [])
        )[1].append(e)
        groups.setdefault(cal_dir / "contracts" / f"{_slug(e['contract_id'])}.ics",
                          (f"Contract deadlines — {e['contract_id']}", []))[1].append(e)  # fmt: skip
    written = set()
    for path, (name, rows) in groups.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        data = _calendar(name, rows)
        if not path.exists() or path.read_bytes() != data:
            tmp = path.with_suffix(".ics.tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        written.add(path)
    for stale in list(cal_dir.glob("*/*.ics")) if cal_dir.exists() else []:
        if stale not in written:
            stale.unlink()
    index = {"owners": sorted(p.name for p in written if p.parent.name == "owners"),
             "contracts": sorted(p.name for p in written if p.parent.name == "contracts")}  # fmt: skip
    cal_dir.mkdir(parents=True, exist_ok=True)
    (cal_dir / "index.json").write_text(json.dumps(index, indent=1))
    return len(written)


def _google_body(row: dict[str, Any]) -> dict[str, Any]:
    days = sorted(
        {int(x) for x in (row["alarms"] or "").split(",") if x != "" and int(x) <= 28}, reverse=True
    )[:5]
    return {
        "summary": row["summary"],
        "description": row["description"],
        "start": {"date": row["due_date"].isoformat()},
        "end": {"date": (row["due_date"] + dt.timedelta(days=1)).isoformat()},
        "transparency": "transparent",
        "reminders": {
            "useDefault": False,
            "overrides": [{"method": "popup", "minutes": d * 1440} for d in days],
        },
        "extendedProperties": {"private": {"milestoneKey": row["obligation_key"], "uid": row["uid"]}},
        "source": {"title": "Contract review page", "url": row["url"]},
    }


def _graph_body(row: dict[str, Any]) -> dict[str, Any]:
    start = row["due_date"]
    days = [int(x) for x in (row["alarms"] or "").split(",") if x != ""]
    lead = max([d for d in days if d <= 14] or [0])
    import html

    return {
        "subject": row["summary"],
        "body": {"contentType": "HTML", "content": html.escape(row["description"]).replace("\n", "<br>")},
        "start": {"dateTime": f"{start.isoformat()}T00:00:00", "timeZone": "UTC"},
        "end": {"dateTime": f"{(start + dt.timedelta(days=1)).isoformat()}T00:00:00", "timeZone": "UTC"},
        "isAllDay": True,
        "showAs": "free",
        "isReminderOn": True,
        "reminderMinutesBeforeStart": lead * 1440,
    }


def _push(con, events, google, graph, settings, stats, clock) -> None:  # type: ignore[no-untyped-def]
    """Push changed events; a failure is recorded on the row and retried next run (hash still differs)."""
    for row in events:
        h = row["content_hash"]
        try:
            if google is not None and row["google_hash"] != h:
                eid = google_event_id(row["uid"])
                if row["status"] == "cancelled":
                    if row["google_event_id"]:
                        google.cancel(eid)
                else:
                    google.upsert(eid, _google_body(row))
                con.execute("update raw.calendar_events set google_event_id = ?, google_hash = ?, last_error = null "
                            "where uid = ?", [eid, h, row["uid"]])  # fmt: skip
                stats.pushed_google += 1
            if graph is not None and row["graph_hash"] != h:
                gid = row["graph_event_id"]
                if row["status"] == "cancelled":
                    if gid:
                        graph.delete(gid)
                elif gid:
                    graph.update(gid, _graph_body(row))
                else:
                    gid = graph.create(graph_transaction_id(row["uid"]), _graph_body(row))["id"]
                con.execute("update raw.calendar_events set graph_event_id = ?, graph_hash = ?, last_error = null "
                            "where uid = ?", [gid, h, row["uid"]])  # fmt: skip
                stats.pushed_graph += 1
        except DeliveryError as exc:
            stats.push_failed += 1
            stats.errors.append(f"{row['uid']}: {exc}")
            con.execute(
                "update raw.calendar_events set last_error = ? where uid = ?", [str(exc)[:500], row["uid"]]
            )
            if exc.retryable:
                break  # the service is struggling: the rest waits for the next run
