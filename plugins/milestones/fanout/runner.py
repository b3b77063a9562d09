"""One fan-out run: read the published marts, then sync tasks, send reminders and publish calendars.

Tasks go first so reminders can link to them. Each part catches its own failures per item, so a Jira
outage delays tasks but not e-mail. Writes raw.outbox, raw.pm_tasks, raw.calendar_events,
raw.unmapped_obligations, raw.fanout_runs and raw.audit_log through the one writer connection, and the
readable outbox files under data/outbox/.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ..paths import get_paths
from ..register import open_register
from .alerts import plan_alerts, send_alerts
from .calendar_sync import sync_calendars
from .connectors import Connectors
from .messages import Obligation
from .outbox import DeliveryStats, OutboxStore, transaction, utcnow
from .settings import DEFAULT_FROM, FanoutSettings
from .source import eligibility, quarantined_contracts, read_obligations
from .tasks import sync_tasks

__all__ = ["FanoutSummary", "run_fanout", "get_outbox_counts"]

log = logging.getLogger(__name__)


@dataclass
class FanoutSummary:
    as_of: str
    run_id: str
    considered: int
    eligible: int
    not_eligible: dict[str, int]
    unmapped: int
    alerts: dict[str, Any]
    tasks: dict[str, Any]
    calendars: dict[str, Any]
    skipped: dict[str, int]
    delivery_unknown_total: int
    connectors: list[str]
    outbox_dir: str
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def run_fanout(
    as_of: dt.date,
    run_id: str,
    published: Path | None = None,
    warehouse: Path | None = None,
    *,
    settings: FanoutSettings | None = None,
    connectors: Connectors | None = None,
    outbox_dir: Path | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
    seams: dict[str, Callable[[str], None]] | None = None,
) -> FanoutSummary:
    """Fan out every obligation cleared for it, as of `as_of`. `seams` is for tests only (crash injection)."""
    paths = get_paths()
    published = Path(published or paths.published)
    warehouse = Path(warehouse or paths.warehouse)
    outbox_dir = Path(outbox_dir or paths.outbox)
    settings = settings or FanoutSettings.from_env()
    if connectors is None:
        from ..hooks import get_connectors

        connectors = get_connectors()
    seams = seams or {}
    outbox_dir.mkdir(parents=True, exist_ok=True)
    with open_register(warehouse) as con:
        if _same_file(published, warehouse):
            obligations = read_obligations(con, as_of)
        else:
            if not published.exists():
                raise FileNotFoundError(f"{published}: no published warehouse yet; run register_models first")
            with duckdb.connect(str(published), read_only=True) as ro:
                obligations = read_obligations(ro, as_of)
        started = clock()
        con.execute("insert or replace into raw.fanout_runs (run_id, job, as_of, started_at) values (?, 'fanout', ?, ?)",
                    [run_id, as_of, started])  # fmt: skip
        quarantined = quarantined_contracts(con)
        eligible: list[Obligation] = []
        not_eligible: dict[str, int] = {}
        for ob in obligations:
            reason = eligibility(ob, quarantined)
            if reason is None:
                eligible.append(ob)
            else:
                not_eligible[reason] = not_eligible.get(reason, 0) + 1
        unmapped = _record_unmapped(con, obligations, run_id, as_of, outbox_dir)
        errors: list[str] = []

        # tasks
        task_stats: dict[str, Any] = {}
        task_urls: dict[str, str] = {}
        for backend in connectors.task_backends(outbox_dir):
            try:
                stats, urls = sync_tasks(con, obligations, eligible, backend, settings, as_of=as_of, run_id=run_id,
                                         quarantined=quarantined, clock=clock, after_accept=seams.get("task"))  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - one system down must not stop alerts
                if isinstance(exc, KeyboardInterrupt | SystemExit):
                    raise
                log.exception("task sync (%s) failed", backend.system)
                errors.append(f"tasks/{backend.system}: {type(exc).__name__}: {exc}")
                continue
            task_stats[backend.system] = stats.to_dict()
            for occ, url in urls.items():
                if url.startswith("http"):
                    task_urls.setdefault(occ, url)

        # alerts
        skipped: dict[str, int] = {}
        sender = settings.email_from or (connectors.smtp.from_addr if connectors.smtp else DEFAULT_FROM)
        planned = plan_alerts(eligible, settings, task_urls, skipped, sender)
        store = OutboxStore(con, run_id, clock=clock, max_attempts=settings.max_attempts,
                            backoff=dt.timedelta(minutes=settings.retry_backoff_minutes))  # fmt: skip
        store.after_accept = seams.get("alert")
        dstats = DeliveryStats()
        send_alerts(
            store, planned, connectors.transports(outbox_dir), {o.occurrence_id for o in eligible}, dstats
        )
        unknown = store.unknown_rows()
        _write_unknown_report(unknown, outbox_dir)

        # calendars
        try:
            cstats = sync_calendars(con, eligible, settings, outbox_dir=outbox_dir, clock=clock, task_urls=task_urls,
                                    google=connectors.google, graph=connectors.graph).to_dict()  # fmt: skip
        except Exception as exc:  # noqa: BLE001
            log.exception("calendar sync failed")
            errors.append(f"calendars: {type(exc).__name__}: {exc}")
            cstats = {}

        summary = FanoutSummary(
            as_of=as_of.isoformat(), run_id=run_id, considered=len(obligations), eligible=len(eligible),
            not_eligible=not_eligible, unmapped=unmapped, alerts=dstats.to_dict(), tasks=task_stats,
            calendars=cstats, skipped=skipped, delivery_unknown_total=len(unknown),
            connectors=connectors.configured(), outbox_dir=str(outbox_dir), errors=errors,
        )  # fmt: skip
        con.execute("update raw.fanout_runs set finished_at = ?, counts = ? where run_id = ? and job = 'fanout'",
                    [clock(), json.dumps(summary.to_dict(), default=str), run_id])  # fmt: skip
    (outbox_dir / "last_run.json").write_text(json.dumps(summary.to_dict(), indent=1, default=str))
    return summary


def _record_unmapped(con: duckdb.DuckDBPyConnection, obligations: list[Obligation], run_id: str, as_of: dt.date,
                     outbox_dir: Path) -> int:  # fmt: skip
    """Obligations no owner_map rule matched go to the default owner — and onto this list, never dropped."""
    rows = [(o.occurrence_id, o.milestone_id, o.contract_id, o.obligation_type, o.responsible_party, o.counterparty,
             o.owner, o.due_date, run_id, as_of)
            for o in obligations if o.is_default_owner and o.obligation_status in ("open", "overdue", "awaiting_trigger")]  # fmt: skip
    with transaction(con):
        con.execute("delete from raw.unmapped_obligations")
        if rows:
            con.executemany(
                "insert into raw.unmapped_obligations values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )
    path = outbox_dir / "reports" / "unmapped_obligations.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["occurrence_id", "milestone_id", "contract_id", "obligation_type", "responsible_party",
                    "counterparty", "assigned_owner", "due_date"])  # fmt: skip
        for r in rows:
            w.writerow(r[:8])
    return len(rows)


def _write_unknown_report(rows: list[dict[str, Any]], outbox_dir: Path) -> None:
    path = outbox_dir / "DELIVERY_UNKNOWN.md"
    if not rows:
        path.unlink(missing_ok=True)
        return
    lines = [
        "# Delivery unknown — check these by hand",
        "",
        "The service may or may not have received these messages (the run stopped, or the connection dropped, after",
        "sending and before the service's answer was recorded). They are NOT resent automatically. Look in the",
        "channel/mailbox, then resolve each one with `milestones.fanout.resolve_delivery_unknown(con, message_id,",
        "resend=True|False, actor=...)` (resend queues it again; False records it as delivered).",
        "",
        "| message_id | channel | recipient | step | due | since | reason |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['message_id']} | {r['channel']} | {r['recipient']} | {r['threshold']} | {r['due_date']} | "
                     f"{r['updated_at']} | {(r['last_error'] or '').replace('|', '/')} |")  # fmt: skip
    path.write_text("\n".join(lines) + "\n")


def get_outbox_counts(warehouse: Path | None = None, outbox_dir: Path | None = None) -> dict[str, Any]:
    """Counts for the demo summary, read-only from the warehouse (call when no writer is running)."""
    paths = get_paths()
    warehouse = Path(warehouse or paths.warehouse)
    outbox_dir = Path(outbox_dir or paths.outbox)
    with duckdb.connect(str(warehouse), read_only=True) as con:

        def table_exists(name: str) -> bool:
            schema, table = name.split(".")
            sql = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
            return bool((con.execute(sql, [schema, table]).fetchone() or (0,))[0])

        def grouped(sql: str) -> dict[str, int]:
            return {str(k): int(v) for k, v in con.execute(sql).fetchall()}

        alerts = grouped("select status, count(*) from raw.outbox group by 1")
        by_channel = grouped("select channel, count(*) from raw.outbox where status = 'sent' group by 1")
        tasks = grouped("select system, count(*) from raw.pm_tasks group by 1")
        cal = grouped("select status, count(*) from raw.calendar_events group by 1") if table_exists(
            "raw.calendar_events") else {}  # fmt: skip
        unmapped = sum(grouped("select 'n', count(*) from raw.unmapped_obligations").values()) if table_exists(
            "raw.unmapped_obligations") else 0  # fmt: skip
    feeds = (
        len(list((outbox_dir / "calendars").glob("*/*.ics"))) if (outbox_dir / "calendars").exists() else 0
    )
    return {
        "alerts_sent": alerts.get("sent", 0),
        "alerts_by_channel": by_channel,
        "alerts_waiting": alerts.get("pending", 0) + alerts.get("failed", 0) + alerts.get("sending", 0),
        "alerts_delivery_unknown": alerts.get("delivery_unknown", 0),
        "alerts_suppressed": alerts.get("suppressed", 0),
        "tasks": sum(tasks.values()),
        "tasks_by_system": tasks,
        "calendar_events": cal.get("confirmed", 0),
        "calendar_events_cancelled": cal.get("cancelled", 0),
        "calendar_feeds": feeds,
        "unmapped_obligations": unmapped,
        "outbox_dir": str(outbox_dir),
    }
