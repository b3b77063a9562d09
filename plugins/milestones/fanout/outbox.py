"""The outbox: exactly-once bookkeeping for alerts, keyed by (occurrence, channel, threshold).

State machine of a row in `raw.outbox`:

    pending ──► sending ──► sent
       ▲           │ ├────► failed ──(next_attempt_at, attempts < max)──► sending …
       │           │ └────► delivery_unknown ──(a person decides: resend | delivered)──► pending | sent
       └── suppressed (obligation completed/cancelled/no longer cleared, or a newer reminder step exists)

Why "sending" is written BEFORE the request: Slack webhooks, Teams workflows and SMTP have no idempotency
key, so after a crash between "the service accepted it" and "we recorded it" nobody can tell whether the
message went out. A row found in `sending` on a later run therefore becomes `delivery_unknown` and is NOT
sent again automatically (a duplicate reminder is cheap, but a silent resend loop is not, and a person can
check the channel in seconds); it is listed in `data/outbox/DELIVERY_UNKNOWN.md`, counted in the run
summary, and audited. Idempotent transports (the local outbox files; Jira/Asana tasks, which are looked
up by our key before creating) are simply retried. Ambiguous failures (read timeout after sending) take
the same path. `sent` is recorded only after the service accepted the message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import duckdb

from ..clients.http import DeliveryError, RateLimited
from ..register import audit
from .transports import OutboundMessage, Transport

__all__ = ["OutboxStore", "DeliveryStats", "message_key", "utcnow", "resolve_delivery_unknown", "transaction"]

log = logging.getLogger(__name__)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Group writes into one commit (each autocommit costs an fsync, ~10 ms)."""
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def message_key(occurrence_id: str, channel: str, threshold: str) -> str:
    return hashlib.sha1(f"{occurrence_id}|{channel}|{threshold}".encode()).hexdigest()[:20]


@dataclass
class DeliveryStats:
    sent: int = 0
    already_sent: int = 0
    failed: int = 0  # failed this run (will be retried when attempts remain)
    given_up: int = 0
    deferred: int = 0  # not attempted: waiting for next_attempt_at or a rate-limited/down service
    delivery_unknown: int = 0  # newly flagged this run
    suppressed: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


_COLS = ("message_id", "occurrence_key", "milestone_id", "contract_id", "channel", "threshold", "kind", "recipient",
         "due_date", "payload", "status", "attempts", "last_error", "external_id", "transport", "next_attempt_at",
         "created_run", "created_at", "sent_at", "updated_at")  # fmt: skip


class OutboxStore:
    """Reads and writes raw.outbox through one read-write connection (the writer-pool task's).

    `table` names another table with the same columns (raw.finance_crm_outbox: invoice requests and CRM
    updates keep their own rows, so the alert sweep never suppresses them)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        run_id: str,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        max_attempts: int = 5,
        backoff: dt.timedelta = dt.timedelta(minutes=15),
        breaker_after: int = 3,
        table: str = "raw.outbox",
    ) -> None:
        if table not in ("raw.outbox", "raw.finance_crm_outbox"):
            raise ValueError(f"{table}: not an outbox table")
        self.table = table
        self.entity = table.removeprefix("raw.")  # audit_log.entity
        self.con = con
        self.run_id = run_id
        self.clock = clock
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.breaker_after = breaker_after
        # Test-only seam: called after the service accepted a message and before "sent" is recorded.
        # Tests raise from it to simulate the process dying at the worst moment.
        self.after_accept: Callable[[str], None] | None = None
        self._blocked: dict[str, dt.datetime] = {}  # transport name → not before (429 / service down)
        self._consecutive: dict[str, int] = {}

    # rows ------------------------------------------------------------------------------------------
    def get(self, message_id: str) -> dict[str, Any] | None:
        cur = self.con.execute(
            f"select {', '.join(_COLS)} from {self.table} where message_id = ?", [message_id]
        )
        row = cur.fetchone()
        return dict(zip(_COLS, row, strict=True)) if row else None

    def _update(self, message_id: str, **values: Any) -> None:
        values["updated_at"] = self.clock()
        sets = ", ".join(f"{k} = ?" for k in values)
        self.con.execute(
            f"update {self.table} set {sets} where message_id = ?", [*values.values(), message_id]
        )

    def record_intents(self, rows: list[dict[str, Any]]) -> None:
        """Insert many pending rows in one commit (keys as in :meth:`record_intent`)."""
        if not rows:
            return
        with transaction(self.con):
            for r in rows:
                self.record_intent(**r)

    def record_intent(self, *, message_id: str, occurrence_key: str, milestone_id: str, contract_id: str, channel: str,
                      threshold: str, kind: str, recipient: str, due_date: dt.date | None, payload: Any) -> None:  # fmt: skip
        now = self.clock()
        self.con.execute(
            f"insert into {self.table} ({', '.join(_COLS)}) values ({', '.join('?' for _ in _COLS)})",
            [message_id, occurrence_key, milestone_id, contract_id, channel, threshold, kind, recipient, due_date,
             json.dumps(payload, sort_keys=True, default=str), "pending", 0, None, None, None, None, self.run_id,
             now, None, now],
        )  # fmt: skip

    def suppress(self, message_id: str, reason: str) -> None:
        self._update(message_id, status="suppressed", last_error=reason, next_attempt_at=None)
        audit(
            self.con,
            "fanout",
            "suppress",
            self.entity,
            message_id,
            self.run_id,
            None,
            {"reason": reason},
            self.clock(),
        )

    def suppress_open(self, where: str, params: list[Any], reason: str) -> int:
        """Suppress pending/failed rows matching `where` (e.g. their obligation was completed)."""
        rows = self.con.execute(
            f"select message_id from {self.table} where status in ('pending', 'failed') and ({where})", params
        ).fetchall()
        for (mid,) in rows:
            self.suppress(mid, reason)
        return len(rows)

    # delivery --------------------------------------------------------------------------------------
    def deliver(self, msg: OutboundMessage, transport: Transport, stats: DeliveryStats) -> str:
        """Send `msg` at most once (see the module docstring); returns the row's resulting status."""
        row = self.get(msg.message_id)
        assert row is not None, "record_intent() first"
        status = row["status"]
        now = self.clock()
        if status in ("sent", "suppressed", "delivery_unknown"):
            stats.already_sent += status == "sent"
            return status
        if status == "sending":
            if not transport.idempotent:
                self._flag_unknown(
                    row, "a previous run recorded the intent to send but no confirmation; not resent"
                )
                stats.delivery_unknown += 1
                return "delivery_unknown"
        elif status == "failed" and row["attempts"] >= self.max_attempts:
            return "failed"
        if row["next_attempt_at"] is not None and row["next_attempt_at"] > now:
            stats.deferred += 1
            return status
        blocked = self._blocked.get(transport.name)
        if blocked is not None and blocked > now:
            self._update(msg.message_id, next_attempt_at=blocked)
            stats.deferred += 1
            return status
        attempts = int(row["attempts"]) + 1
        if not transport.idempotent:  # committed before the request: the evidence a crash leaves behind
            self._update(msg.message_id, status="sending", attempts=attempts, transport=transport.name)
        try:
            external_id = transport.send(msg)
        except DeliveryError as exc:
            return self._failed(msg, transport, exc, attempts, stats)
        except Exception as exc:  # noqa: BLE001 - a bug in one message must not stop the others
            log.exception("outbox %s: unexpected error", msg.message_id)
            self._update(msg.message_id, status="failed", last_error=f"{type(exc).__name__}: {exc}"[:500],
                         attempts=self.max_attempts, next_attempt_at=None)  # fmt: skip
            stats.failed += 1
            stats.given_up += 1
            return "failed"
        if self.after_accept is not None:
            self.after_accept(msg.message_id)
        with transaction(self.con):
            self._update(msg.message_id, status="sent", external_id=external_id, sent_at=self.clock(), attempts=attempts,
                         transport=transport.name, last_error=None, next_attempt_at=None)  # fmt: skip
            audit(self.con, "fanout", "send", self.entity, msg.message_id, self.run_id, None,
                  {"channel": msg.channel, "transport": transport.name, "recipient": msg.recipient,
                   "external_id": external_id}, self.clock())  # fmt: skip
        self._consecutive[transport.name] = 0
        stats.sent += 1
        stats.by_channel[msg.channel] = stats.by_channel.get(msg.channel, 0) + 1
        return "sent"

    def _failed(self, msg: OutboundMessage, transport: Transport, exc: DeliveryError, attempts: int,
                stats: DeliveryStats) -> str:  # fmt: skip
        now = self.clock()
        if exc.ambiguous and not transport.idempotent:
            row = self.get(msg.message_id) or {}
            self._flag_unknown(row, str(exc))
            stats.delivery_unknown += 1
            return "delivery_unknown"
        if exc.retryable or exc.ambiguous:
            wait = self.backoff * (2 ** (attempts - 1))
            if isinstance(exc, RateLimited) and exc.retry_after is not None:
                wait = max(wait, dt.timedelta(seconds=exc.retry_after))
                self._blocked[transport.name] = now + dt.timedelta(seconds=exc.retry_after)
            streak = self._consecutive.get(transport.name, 0) + 1
            self._consecutive[transport.name] = streak
            if streak >= self.breaker_after:  # the service looks down: stop hammering it this run
                self._blocked[transport.name] = max(
                    self._blocked.get(transport.name, now), now + self.backoff
                )
            given_up = attempts >= self.max_attempts
            self._update(msg.message_id, status="failed", last_error=str(exc)[:500], attempts=attempts,
                         transport=transport.name, next_attempt_at=None if given_up else now + wait)  # fmt: skip
            stats.failed += 1
            stats.given_up += given_up
            return "failed"
        self._update(msg.message_id, status="failed", last_error=str(exc)[:500], attempts=self.max_attempts,
                     next_attempt_at=None)  # fmt: skip
        audit(self.con, "fanout", "send_refused", self.entity, msg.message_id, self.run_id, None,
              {"channel": msg.channel, "error": str(exc)[:500]}, now)  # fmt: skip
        stats.failed += 1
        stats.given_up += 1
        return "failed"

    def _flag_unknown(self, row: dict[str, Any], reason: str) -> None:
        self._update(
            row["message_id"], status="delivery_unknown", last_error=reason[:500], next_attempt_at=None
        )
        audit(self.con, "fanout", "delivery_unknown", self.entity, row["message_id"], self.run_id, None,
              {"channel": row.get("channel"), "recipient": row.get("recipient"), "reason": reason[:500]},
              self.clock())  # fmt: skip
        log.warning("outbox %s (%s → %s): DELIVERY UNKNOWN — %s", row["message_id"], row.get("channel"),
                    row.get("recipient"), reason)  # fmt: skip

    def unknown_rows(self) -> list[dict[str, Any]]:
        cur = self.con.execute(
            f"select {', '.join(_COLS)} from {self.table} where status = 'delivery_unknown' order by updated_at, message_id"
        )
        return [dict(zip(_COLS, r, strict=True)) for r in cur.fetchall()]


def resolve_delivery_unknown(con: duckdb.DuckDBPyConnection, message_id: str, *, resend: bool, actor: str,
                             at: dt.datetime | None = None) -> None:  # fmt: skip
    """A person checked the channel: `resend=True` queues the message again, False records it as delivered."""
    row = con.execute("select status from raw.outbox where message_id = ?", [message_id]).fetchone()
    if row is None or row[0] != "delivery_unknown":
        raise ValueError(
            f"{message_id}: not a delivery_unknown outbox row (status {row[0] if row else 'missing'})"
        )
    at = at or utcnow()
    new = "pending" if resend else "sent"
    con.execute(
        "update raw.outbox set status = ?, next_attempt_at = null, updated_at = ?, "
        "sent_at = case when ? then sent_at else ? end where message_id = ?",
        [new, at, resend, at, message_id],
    )
    audit(con, actor, "resolve_delivery_unknown", "outbox", message_id, None, {"status": "delivery_unknown"},
          {"status": new}, at)  # fmt: skip
