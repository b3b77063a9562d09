"""Milestone-to-finance: when the deliverable a payment waits for is accepted, raise ONE draft invoice request.

`marts.mart_payment_schedule` says, per payment, which milestone triggers it (`trigger_milestone_id`: the
resolved predecessor, or the contract's acceptance milestone for "upon acceptance"), when that milestone was
completed (`triggered_at`: status pull-back from Jira/Asana, or a reviewer) and the amount to bill
(`invoice_amount`: as written, or the percentage of the contract value the other payments imply).

Each triggered payment becomes a row in `raw.finance_crm_outbox` (channel `invoice`), keyed by the payment
milestone, and is delivered through the same exactly-once state machine as the alerts
(`OutboxStore(table="raw.finance_crm_outbox")`). Every transport here is idempotent — NetSuite is looked up
by `externalId` before the create (which also carries `X-NetSuite-Idempotency-Key`), Zuora gets an
`Idempotency-Key`, the local outbox rewrites the same file — so a run that died between "the ERP took it"
and "we recorded it", or a read timeout, is simply retried and finds the first request.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from ..clients.erp import NetSuiteClient, ZuoraClient
from ..paths import get_paths
from ..register import open_register
from .accounts import AccountMap, read_account_map, table_columns
from .outbox import DeliveryStats, OutboxStore, message_key, transaction, utcnow
from .source import quarantined_contracts
from .transports import LocalTransport, OutboundMessage, Transport

__all__ = ["InvoiceRequest", "NetSuiteInvoices", "ZuoraInvoices", "plan_invoices", "run_invoices", "external_key",
           "TABLE"]  # fmt: skip

log = logging.getLogger(__name__)
TABLE = "raw.finance_crm_outbox"
NEEDED = ("payment_id", "milestone_id", "contract_id", "counterparty", "milestone_name", "currency", "percentage",
          "payment_status", "is_cleared_for_fanout", "is_recurring", "trigger_milestone_id", "triggered_at",
          "invoice_amount", "amount_basis")  # fmt: skip


def external_key(message_id: str) -> str:
    """Our key in the outside system (NetSuite externalId, Zuora Idempotency-Key, CRM external id)."""
    return f"cm-{message_id}"


@dataclass(frozen=True)
class InvoiceRequest:
    message_id: str
    payment_id: str
    milestone_id: str
    contract_id: str
    counterparty: str | None
    milestone_name: str | None
    trigger_milestone_id: str
    triggered_at: dt.datetime
    amount: Decimal
    currency: str | None
    percentage: Decimal | None
    amount_basis: str
    customer: str | None  # the ERP's customer/account id (None for the local outbox)

    @property
    def invoice_date(self) -> dt.date:
        return self.triggered_at.date()

    def payload(self) -> dict[str, Any]:
        return {"key": external_key(self.message_id), "payment_id": self.payment_id, "milestone_id": self.milestone_id,
                "contract_id": self.contract_id, "counterparty": self.counterparty, "customer": self.customer,
                "description": self.milestone_name or "Milestone payment", "amount": str(self.amount),
                "currency": self.currency, "percentage": None if self.percentage is None else str(self.percentage),
                "amount_basis": self.amount_basis, "trigger_milestone_id": self.trigger_milestone_id,
                "triggered_at": self.triggered_at.isoformat(), "invoice_date": self.invoice_date.isoformat(),
                "status": "draft"}  # fmt: skip


class NetSuiteInvoices:
    """A draft invoice request as a NetSuite record: by default a Sales Order in Pending Approval (`orderStatus`
    A) that billing turns into the invoice; `record_type="invoice"` creates the invoice itself."""

    name = "netsuite"
    idempotent = True
    account_field = "netsuite_customer_id"

    def __init__(
        self, client: NetSuiteClient, *, record_type: str = "salesOrder", item_id: str = "1"
    ) -> None:
        self.client = client
        self.record_type = record_type
        self.item_id = item_id

    def send(self, msg: OutboundMessage) -> str:
        p = msg.body
        key = p["key"]
        found = self.client.find_by_external_id(self.record_type, key)
        if found is not None:  # a previous run (or a retried call) created it
            return f"netsuite:{self.record_type}/{found['id']}"
        body: dict[str, Any] = {
            "entity": {"id": p["customer"]}, "tranDate": p["invoice_date"], "otherRefNum": p["contract_id"],
            "memo": f"{p['description']} — {p['contract_id']} (triggered by {p['trigger_milestone_id']})"[:999],
            "item": {"items": [{"item": {"id": self.item_id}, "amount": float(p["amount"]), "quantity": 1,
                                "description": p["description"][:999]}]},
        }  # fmt: skip
        if self.record_type == "salesOrder":
            body["orderStatus"] = {"id": "A"}  # Pending Approval: a draft for billing to release
        location = self.client.create(self.record_type, body, key)
        created = self.client.find_by_external_id(self.record_type, key)
        if created is not None:
            return f"netsuite:{self.record_type}/{created['id']}"
        return f"netsuite-job:{location}"  # accepted asynchronously; the record appears when the job ends


class ZuoraInvoices:
    name = "zuora"
    idempotent = True
    account_field = "zuora_account_id"

    def __init__(self, client: ZuoraClient) -> None:
        self.client = client

    def send(self, msg: OutboundMessage) -> str:
        p = msg.body
        body = {"accountId": p["customer"], "invoiceDate": p["invoice_date"],
                "invoiceItems": [{"amount": float(p["amount"]), "chargeName": p["description"][:100],
                                  "serviceStartDate": p["invoice_date"],
                                  "description": f"{p['contract_id']} (triggered by {p['trigger_milestone_id']})"[:500]}]}  # fmt: skip
        return f"zuora:{self.client.create_draft_invoice(body, p['key'])['id']}"


def _date_time(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return dt.datetime.fromisoformat(str(value))


def plan_invoices(con: duckdb.DuckDBPyConnection, accounts: AccountMap, account_field: str | None,
                  quarantined: set[str], skipped: dict[str, int]) -> list[InvoiceRequest]:  # fmt: skip
    """The triggered, cleared payments with an amount and (for an ERP) a customer id; reasons for the rest."""
    cols = table_columns(con, "marts", "mart_payment_schedule")
    missing = [c for c in NEEDED if c not in cols]
    if missing:
        raise RuntimeError(
            f"marts.mart_payment_schedule lacks {missing}; rebuild the marts (dbt build) first"
        )
    rows = con.execute(
        f"select {', '.join(NEEDED)} from marts.mart_payment_schedule where triggered_at is not null "
        "order by milestone_id, payment_id"
    ).fetchall()
    out: dict[str, InvoiceRequest] = {}

    def skip(reason: str) -> None:
        skipped[reason] = skipped.get(reason, 0) + 1

    for raw in rows:
        r = dict(zip(NEEDED, raw, strict=True))
        # one-off payments are keyed by milestone: the key stays when the due date is resolved or moves
        key = r["payment_id"] if r["is_recurring"] else r["milestone_id"]
        if key in out:
            continue
        if r["payment_status"] == "cancelled":
            skip("cancelled")
        elif r["payment_status"] == "completed":
            skip("already_paid")
        elif not r["is_cleared_for_fanout"]:
            skip("not_cleared")
        elif r["contract_id"] in quarantined:
            skip("quarantined")
        elif r["invoice_amount"] is None:
            skip("no_amount")
        else:
            acct = accounts.lookup(r["contract_id"], r["counterparty"])
            customer = acct.get(account_field) if (acct and account_field) else None
            if account_field and customer is None:
                skip("no_erp_account")
                continue
            out[key] = InvoiceRequest(
                message_key(key, "invoice", "draft"), r["payment_id"], r["milestone_id"], r["contract_id"],
                r["counterparty"], r["milestone_name"], r["trigger_milestone_id"], _date_time(r["triggered_at"]),
                Decimal(str(r["invoice_amount"])).quantize(Decimal("0.01")), r["currency"],
                None if r["percentage"] is None else Decimal(str(r["percentage"])), r["amount_basis"], customer,
            )  # fmt: skip
    return list(out.values())


@dataclass
class InvoiceSummary:
    as_of: str
    run_id: str
    system: str
    triggered: int
    queued: int
    delivery: dict[str, Any]
    skipped: dict[str, int]
    suppressed: int
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _read(published: Path, warehouse: Path, con: duckdb.DuckDBPyConnection,
          fn: Callable[[duckdb.DuckDBPyConnection], Any]) -> Any:  # fmt: skip
    try:
        same = published.resolve() == warehouse.resolve()
    except OSError:
        same = False
    if same:
        return fn(con)
    if not published.exists():
        raise FileNotFoundError(f"{published}: no published warehouse yet; run register_models first")
    with duckdb.connect(str(published), read_only=True) as ro:
        return fn(ro)


def deliver_requests(store: OutboxStore, channel: str, planned: list[tuple[OutboundMessage, dict[str, Any]]],
                     transport: Transport, stats: DeliveryStats) -> int:  # fmt: skip
    """Record new intents (and their typed extras), suppress open rows of this channel no longer planned, send."""
    con = store.con
    planned_ids = {m.message_id for m, _ in planned}
    suppressed = 0
    for (mid,) in con.execute(
        f"select message_id from {TABLE} where channel = ? and status in ('pending', 'failed')", [channel]
    ).fetchall():
        if mid not in planned_ids:
            store.suppress(mid, "no longer planned (cancelled, paid, not cleared, superseded or unmapped)")
            suppressed += 1
    known = {r[0] for r in con.execute(f"select message_id from {TABLE}").fetchall()}
    new = [(m, row) for m, row in planned if m.message_id not in known]
    if new:
        with transaction(con):
            for m, row in new:
                extras = row.pop("extras", {})
                store.record_intent(message_id=m.message_id, payload=m.body, **row)
                if extras:
                    sets = ", ".join(f"{k} = ?" for k in extras)
                    con.execute(
                        f"update {TABLE} set {sets} where message_id = ?", [*extras.values(), m.message_id]
                    )
    for m, _ in planned:
        store.deliver(m, transport, stats)
    return suppressed


def run_invoices(
    as_of: dt.date,
    run_id: str,
    published: Path | None = None,
    warehouse: Path | None = None,
    *,
    connectors: Any = None,
    outbox_dir: Path | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
    after_accept: Callable[[str], None] | None = None,
    max_attempts: int = 5,
) -> InvoiceSummary:
    """Draft invoice requests for every payment whose trigger completed, each exactly once."""
    paths = get_paths()
    published = Path(published or paths.published)
    warehouse = Path(warehouse or paths.warehouse)
    outbox_dir = Path(outbox_dir or paths.outbox)
    if connectors is None:
        from ..hooks import get_connectors

        connectors = get_connectors()
    transport: Transport = getattr(connectors, "erp", None) or LocalTransport(outbox_dir)
    account_field = getattr(transport, "account_field", None)
    skipped: dict[str, int] = {}
    with open_register(warehouse) as con:
        quarantined = quarantined_contracts(con)

        def plan(ro: duckdb.DuckDBPyConnection) -> list[InvoiceRequest]:
            return plan_invoices(ro, read_account_map(ro), account_field, quarantined, skipped)

        requests = _read(published, warehouse, con, plan)
        store = OutboxStore(con, run_id, clock=clock, table=TABLE, max_attempts=max_attempts)
        store.after_accept = after_accept
        stats = DeliveryStats()
        planned = [(OutboundMessage(r.message_id, "invoice", r.customer or r.counterparty or r.contract_id, r.payload()),
                    dict(occurrence_key=r.payment_id, milestone_id=r.milestone_id, contract_id=r.contract_id,
                         channel="invoice", threshold=f"trigger:{r.trigger_milestone_id}", kind="draft_invoice",
                         recipient=r.customer or r.counterparty, due_date=r.invoice_date,
                         extras={"amount": r.amount, "currency": r.currency}))
                   for r in requests]  # fmt: skip
        suppressed = deliver_requests(store, "invoice", planned, transport, stats)
        summary = InvoiceSummary(as_of.isoformat(), run_id, transport.name, len(requests), len(planned),
                                 stats.to_dict(), skipped, suppressed)  # fmt: skip
        con.execute("insert or replace into raw.fanout_runs (run_id, job, as_of, started_at, finished_at, counts) "
                    "values (?, 'invoices', ?, ?, ?, ?)",
                    [run_id, as_of, clock(), clock(), json.dumps(summary.to_dict(), default=str)])  # fmt: skip
    log.info("invoices: %s", summary.to_dict())
    return summary
