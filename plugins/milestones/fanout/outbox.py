"""First version of the fan-out: the local outbox (table + readable JSON files), no outside services.

An alert is keyed by (occurrence, channel, threshold), so running the fan-out again never queues it twice.
Only obligations cleared for fan-out (reviewed or confident, not quarantined, not completed/cancelled) count.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..paths import get_paths
from ..register import audit, open_register

__all__ = ["FanoutSummary", "run_fanout", "DEFAULT_THRESHOLDS", "threshold_for"]

DEFAULT_THRESHOLDS = (90, 60, 30, 14, 7, 1, 0)


@dataclass
class FanoutSummary:
    considered: int
    queued: int
    already_queued: int
    outbox_dir: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def threshold_for(days_until_due: int, thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS) -> str | None:
    """The reminder step an occurrence is in: the smallest threshold still ahead of or at its due date."""
    if days_until_due < 0:
        return "overdue"
    fitting = [t for t in thresholds if days_until_due <= t]
    return f"d{min(fitting)}" if fitting else None


def run_fanout(as_of: dt.date, run_id: str, published: Path | None = None, warehouse: Path | None = None) -> FanoutSummary:
    paths = get_paths()
    published = Path(published or paths.published)
    warehouse = Path(warehouse or paths.warehouse)
    with duckdb.connect(str(published), read_only=True) as ro:
        rows = ro.execute(
            """
            select occurrence_id, milestone_id, contract_id, counterparty, obligation_type, milestone_name,
                   clause_reference, evidence_text, owner, owner_email, owner_channel, due_date, days_until_due
            from marts.fct_obligations
            where is_cleared_for_fanout and obligation_status in ('open', 'overdue') and due_date is not null
            order by occurrence_id
            """
        ).fetchall()
        cols = [d[0] for d in ro.description]
    outbox_dir = paths.outbox / "outbox"
    outbox_dir.mkdir(parents=True, exist_ok=True)
    queued = already = 0
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with open_register(warehouse) as con:
        for raw in rows:
            r = dict(zip(cols, raw, strict=True))
            step = threshold_for(r["days_until_due"])
            if step is None:
                continue
            mid = hashlib.sha1(f"{r['occurrence_id']}|outbox|{step}".encode()).hexdigest()[:20]
            if con.execute("select 1 from raw.outbox where message_id = ?", [mid]).fetchone():
                already += 1
                continue
            payload = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in r.items()}
            payload["threshold"] = step
            con.execute(
                "insert into raw.outbox (message_id, occurrence_key, milestone_id, channel, threshold, recipient, "
                "payload, status, attempts, created_run, created_at) values (?, ?, ?, 'outbox', ?, ?, ?, 'sent', 1, ?, ?)",
                [mid, r["occurrence_id"], r["milestone_id"], step, r["owner"], json.dumps(payload, sort_keys=True),
                 run_id, now],
            )  # fmt: skip
            (outbox_dir / f"{mid}.json").write_text(json.dumps(payload, indent=1, sort_keys=True))
            audit(con, "fanout", "send", "outbox", mid, run_id, None, {"channel": "outbox", "threshold": step}, now)
            queued += 1
    return FanoutSummary(len(rows), queued, already, str(outbox_dir))
