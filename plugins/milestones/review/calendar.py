"""An owner's calendar feed (.ics) for calendar clients: the feed the fan-out publishes, served with auth.

The fan-out (plugins/milestones/fanout/calendar_sync.py) already builds one RFC 5545 feed per owner with
stable UIDs, SEQUENCE bumps, cancellations and alarms, from the same cleared obligations the alerts use,
redacted. Serving that file (rather than building a second feed here) keeps one UID scheme, so a client
never sees duplicates. Until the fan-out has run, a known owner gets an empty calendar.
"""

from __future__ import annotations

from pathlib import Path

from icalendar import Calendar

__all__ = ["owner_feed", "empty_feed"]


def owner_feed(outbox_dir: Path, owner: str) -> bytes | None:
    """The fan-out's feed file for `owner`, or None if it has not written one."""
    from ..fanout.calendar_sync import _slug  # the fan-out's own file naming

    path = Path(outbox_dir) / "calendars" / "owners" / f"{_slug(owner)}.ics"
    return path.read_bytes() if path.is_file() else None


def empty_feed(owner: str) -> bytes:
    from ..fanout.calendar_sync import PRODID

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Contract deadlines — {owner}")
    return cal.to_ical()
