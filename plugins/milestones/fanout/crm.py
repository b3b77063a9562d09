"""Renewals into the CRM: for each contract with a CRM account (`counterparty_accounts` seed), the current
term's renewal date and notice deadline go onto the Salesforce Opportunity / HubSpot deal (close date =
the last day to act, the dates in their own fields, a stage suggestion), and one CRM task asks sales to act
`task_lead_days` (90) days before that deadline.

Exactly once, through `raw.finance_crm_outbox` and the outbox state machine:
- an update row is keyed by (contract, hash of the values sent): running twice sends it once; new values
  (a moved deadline, the next stage) make a new row, and an unsent older one is suppressed as superseded;
- a task row is keyed by (contract, term end); Salesforce upserts it by an External ID field, HubSpot looks
  it up by a unique property before creating, the local outbox rewrites one file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ..clients.crm import HubSpotClient, SalesforceClient
from ..paths import get_paths
from ..register import open_register
from .accounts import Account, AccountMap, read_account_map, table_columns
from .finance import TABLE, _read, deliver_requests, external_key
from .outbox import DeliveryStats, OutboxStore, message_key, utcnow
from .source import quarantined_contracts
from .transports import LocalTransport, OutboundMessage

__all__ = [
    "CrmSettings",
    "RenewalPlan",
    "SalesforceCrm",
    "HubSpotCrm",
    "plan_renewals",
    "run_crm",
    "suggest_stage",
]

log = logging.getLogger(__name__)
NEEDED = ("renewal_window_id", "contract_id", "contract_title", "counterparty", "owner", "renewal_type",
          "renewal_notice_period", "is_current_term", "is_notice_deadline_passed", "term_end_date",
          "last_notice_business_date")  # fmt: skip

# neutral suggestion → Salesforce standard StageName / HubSpot default pipeline dealstage (override per connection)
SALESFORCE_STAGES = {"planning": "Prospecting", "qualification": "Needs Analysis",
                     "negotiation": "Proposal/Price Quote", "decision": "Negotiation/Review",
                     "renewed": "Closed Won", "expired": "Closed Lost"}  # fmt: skip
HUBSPOT_STAGES = {"planning": "appointmentscheduled", "qualification": "qualifiedtobuy",
                  "negotiation": "decisionmakerboughtin", "decision": "contractsent", "renewed": "closedwon",
                  "expired": "closedlost"}  # fmt: skip


@dataclass(frozen=True)
class CrmSettings:
    task_lead_days: int = 90  # the task is due this many days before the deadline
    task_open_days: int = 365  # ... and created once the deadline is this close


def suggest_stage(renewal_type: str, days_to_deadline: int | None, notice_passed: bool) -> str:
    """Where the renewal should stand, from the days left to act (a suggestion; the CRM's stage stays the user's
    unless the connection says `set_stage`)."""
    if notice_passed or days_to_deadline is None or days_to_deadline < 0:
        return "renewed" if renewal_type == "auto_renewal" else "expired"
    if days_to_deadline <= 30:
        return "decision"
    if days_to_deadline <= 90:
        return "negotiation"
    if days_to_deadline <= 180:
        return "qualification"
    return "planning"


@dataclass(frozen=True)
class RenewalPlan:
    contract_id: str
    contract_title: str | None
    counterparty: str | None
    owner: str | None
    renewal_type: str
    term_end_date: dt.date
    notice_deadline: dt.date | None  # last business day to give notice (None: nothing to give)
    deadline: dt.date  # the last day to act: the notice deadline, else the term end
    days_to_deadline: int
    stage: str
    account: Account

    @property
    def label(self) -> str:
        return self.contract_title or self.contract_id

    def update_body(self) -> dict[str, Any]:
        return {"contract_id": self.contract_id, "renewal_type": self.renewal_type,
                "renewal_date": self.term_end_date.isoformat(),
                "notice_deadline": self.notice_deadline.isoformat() if self.notice_deadline else None,
                "close_date": self.deadline.isoformat(), "stage_suggestion": self.stage,
                "opportunity_id": self.account.get("salesforce_opportunity_id"),
                "deal_id": self.account.get("hubspot_deal_id")}  # fmt: skip

    def task_body(self, message_id: str, due: dt.date) -> dict[str, Any]:
        what = "Decide on renewal" if self.renewal_type == "auto_renewal" else "Renew or let expire"
        deadline = (f"notice deadline {self.notice_deadline.isoformat()}" if self.notice_deadline
                    else f"term ends {self.term_end_date.isoformat()}")  # fmt: skip
        return {"key": external_key(message_id), "contract_id": self.contract_id,
                "subject": f"{what}: {self.label} ({self.counterparty or 'counterparty'}) — {deadline}"[:255],
                "description": (f"{self.label}: current term ends {self.term_end_date.isoformat()}"
                                + (f"; written notice is due by {self.notice_deadline.isoformat()}" if self.notice_deadline else "")
                                + f". Contract owner: {self.owner or 'unassigned'}. Raised by contract-milestones."),
                "due_date": due.isoformat(), "deadline": self.deadline.isoformat(),
                "priority": "HIGH" if (self.deadline - due).days < 90 else "MEDIUM",
                "opportunity_id": self.account.get("salesforce_opportunity_id"),
                "account_id": self.account.get("salesforce_account_id"),
                "deal_id": self.account.get("hubspot_deal_id")}  # fmt: skip


class SalesforceCrm:
    name = "salesforce"
    idempotent = True

    def __init__(self, client: SalesforceClient, *, task_external_field: str = "Contract_Milestones_Key__c",
                 fields: dict[str, str] | None = None, set_stage: bool = False, owner_id: str | None = None,
                 stages: dict[str, str] | None = None) -> None:  # fmt: skip
        self.client = client
        self.task_external_field = task_external_field
        self.fields = {"renewal_date": "Renewal_Date__c", "notice_deadline": "Notice_Deadline__c",
                       "stage_suggestion": "Renewal_Stage_Suggestion__c", **(fields or {})}  # fmt: skip
        self.set_stage = set_stage
        self.owner_id = owner_id
        self.stages = {**SALESFORCE_STAGES, **(stages or {})}

    def accepts(self, acct: Account, channel: str) -> bool:
        if channel == "crm_update":
            return acct.get("salesforce_opportunity_id") is not None
        return (acct.get("salesforce_opportunity_id") or acct.get("salesforce_account_id")) is not None

    def send(self, msg: OutboundMessage) -> str:
        b = msg.body
        if msg.channel == "crm_update":
            stage = self.stages.get(b["stage_suggestion"], b["stage_suggestion"])
            fields: dict[str, Any] = {"CloseDate": b["close_date"]}
            for k in ("renewal_date", "notice_deadline"):
                if self.fields.get(k):
                    fields[self.fields[k]] = b[k]
            if self.fields.get("stage_suggestion"):
                fields[self.fields["stage_suggestion"]] = stage
            if self.set_stage:
                fields["StageName"] = stage
            self.client.update_opportunity(b["opportunity_id"], fields)
            return f"salesforce:Opportunity/{b['opportunity_id']}"
        task = {"Subject": b["subject"], "ActivityDate": b["due_date"], "Priority": b["priority"].title(),
                "WhatId": b["opportunity_id"] or b["account_id"], "Description": b["description"]}  # fmt: skip
        if self.owner_id:
            task["OwnerId"] = self.owner_id
        task_id, _ = self.client.upsert_task(self.task_external_field, b["key"], task)
        return f"salesforce:Task/{task_id}"


class HubSpotCrm:
    name = "hubspot"
    idempotent = True

    def __init__(self, client: HubSpotClient, *, key_property: str = "contract_milestones_key",
                 properties: dict[str, str] | None = None, set_stage: bool = False, owner_id: str | None = None,
                 task_to_deal_type: int = 216, stages: dict[str, str] | None = None) -> None:  # fmt: skip
        self.client = client
        self.key_property = key_property
        self.properties = {"renewal_date": "renewal_date", "notice_deadline": "notice_deadline",
                           "stage_suggestion": "renewal_stage_suggestion", **(properties or {})}  # fmt: skip
        self.set_stage = set_stage
        self.owner_id = owner_id
        self.task_to_deal_type = task_to_deal_type
        self.stages = {**HUBSPOT_STAGES, **(stages or {})}

    def accepts(self, acct: Account, channel: str) -> bool:
        return acct.get("hubspot_deal_id") is not None

    def send(self, msg: OutboundMessage) -> str:
        b = msg.body
        if msg.channel == "crm_update":
            stage = self.stages.get(b["stage_suggestion"], b["stage_suggestion"])
            props: dict[str, Any] = {"closedate": b["close_date"]}
            for k in ("renewal_date", "notice_deadline"):
                if self.properties.get(k) and b[k]:
                    props[self.properties[k]] = b[k]
            if self.properties.get("stage_suggestion"):
                props[self.properties["stage_suggestion"]] = stage
            if self.set_stage:
                props["dealstage"] = stage
            self.client.update_deal(b["deal_id"], props)
            return f"hubspot:deal/{b['deal_id']}"
        found = self.client.find_task(self.key_property, b["key"])
        if found is not None:  # created by an earlier attempt whose answer we never recorded
            return f"hubspot:task/{found['id']}"
        props = {"hs_timestamp": f"{b['due_date']}T09:00:00.000Z", "hs_task_subject": b["subject"],
                 "hs_task_body": b["description"], "hs_task_status": "NOT_STARTED", "hs_task_priority": b["priority"],
                 "hs_task_type": "TODO", self.key_property: b["key"]}  # fmt: skip
        if self.owner_id:
            props["hubspot_owner_id"] = self.owner_id
        assoc = [{"to": {"id": b["deal_id"]},
                  "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": self.task_to_deal_type}]}]  # fmt: skip
        task, _ = self.client.create_task(props, assoc, self.key_property)
        return f"hubspot:task/{task['id']}"


class _LocalCrm(LocalTransport):
    def accepts(self, acct: Account, channel: str) -> bool:
        return True


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def plan_renewals(con: duckdb.DuckDBPyConnection, as_of: dt.date, accounts: AccountMap,
                  quarantined: set[str], skipped: dict[str, int]) -> list[RenewalPlan]:  # fmt: skip
    """The current term of every contract with an account, from marts.mart_renewal_windows."""
    cols = table_columns(con, "marts", "mart_renewal_windows")
    missing = [c for c in NEEDED if c not in cols]
    if missing:
        raise RuntimeError(f"marts.mart_renewal_windows lacks {missing}; rebuild the marts (dbt build) first")
    rows = con.execute(
        f"select {', '.join(NEEDED)} from marts.mart_renewal_windows where is_current_term "
        "order by contract_id, term_end_date"
    ).fetchall()
    out: list[RenewalPlan] = []
    seen: set[str] = set()
    for raw in rows:
        r = dict(zip(NEEDED, raw, strict=True))
        if r["contract_id"] in seen:
            continue
        seen.add(r["contract_id"])
        acct = accounts.lookup(r["contract_id"], r["counterparty"])
        if acct is None:
            skipped["no_crm_account"] = skipped.get("no_crm_account", 0) + 1
            continue
        if r["contract_id"] in quarantined:
            skipped["quarantined"] = skipped.get("quarantined", 0) + 1
            continue
        term_end = _date(r["term_end_date"])
        if term_end is None or term_end < as_of:
            skipped["term_ended"] = skipped.get("term_ended", 0) + 1
            continue
        notice = _date(r["last_notice_business_date"])
        deadline = notice or term_end
        days = (deadline - as_of).days
        stage = suggest_stage(r["renewal_type"], days, bool(r["is_notice_deadline_passed"]))
        out.append(RenewalPlan(r["contract_id"], r["contract_title"], r["counterparty"], r["owner"], r["renewal_type"],
                               term_end, notice, deadline, days, stage, acct))  # fmt: skip
    return out


@dataclass
class CrmSummary:
    as_of: str
    run_id: str
    system: str
    contracts: int
    updates_planned: int
    tasks_planned: int
    delivery: dict[str, Any]
    skipped: dict[str, int]
    suppressed: int
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _hash(body: dict[str, Any]) -> str:
    return hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]


def run_crm(
    as_of: dt.date,
    run_id: str,
    published: Path | None = None,
    warehouse: Path | None = None,
    *,
    connectors: Any = None,
    outbox_dir: Path | None = None,
    settings: CrmSettings | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
    after_accept: Callable[[str], None] | None = None,
    max_attempts: int = 5,
) -> CrmSummary:
    """Renewal dates/stage onto the opportunity or deal, and one renewal task per term, each exactly once."""
    paths = get_paths()
    published = Path(published or paths.published)
    warehouse = Path(warehouse or paths.warehouse)
    outbox_dir = Path(outbox_dir or paths.outbox)
    settings = settings or CrmSettings()
    if connectors is None:
        from ..hooks import get_connectors

        connectors = get_connectors()
    transport: Any = getattr(connectors, "crm", None) or _LocalCrm(outbox_dir)
    skipped: dict[str, int] = {}
    with open_register(warehouse) as con:
        quarantined = quarantined_contracts(con)

        def plan(ro: duckdb.DuckDBPyConnection) -> list[RenewalPlan]:
            return plan_renewals(ro, as_of, read_account_map(ro), quarantined, skipped)

        renewals = _read(published, warehouse, con, plan)
        updates: list[tuple[OutboundMessage, dict[str, Any]]] = []
        tasks: list[tuple[OutboundMessage, dict[str, Any]]] = []
        for r in renewals:
            base = dict(occurrence_key=f"{r.contract_id}:{r.term_end_date.isoformat()}", milestone_id=r.contract_id,
                        contract_id=r.contract_id)  # fmt: skip
            if transport.accepts(r.account, "crm_update"):
                body = r.update_body()
                mid = message_key(r.contract_id, "crm_update", _hash(body))
                recipient = body["opportunity_id"] or body["deal_id"] or r.account.rule_id
                updates.append((OutboundMessage(mid, "crm_update", recipient, body),
                                base | dict(channel="crm_update", threshold=_hash(body), kind="opportunity_update",
                                            recipient=recipient, due_date=r.deadline)))  # fmt: skip
            else:
                skipped["no_crm_opportunity"] = skipped.get("no_crm_opportunity", 0) + 1
            if r.days_to_deadline < 0 or r.stage in ("renewed", "expired"):
                continue  # nothing left to act on this term
            if r.days_to_deadline > settings.task_open_days:
                skipped["task_not_yet"] = skipped.get("task_not_yet", 0) + 1
                continue
            if not transport.accepts(r.account, "crm_task"):
                skipped["no_crm_record_for_task"] = skipped.get("no_crm_record_for_task", 0) + 1
                continue
            mid = message_key(f"{r.contract_id}:{r.term_end_date.isoformat()}", "crm_task", "renewal")
            due = max(as_of, r.deadline - dt.timedelta(days=settings.task_lead_days))
            body = r.task_body(mid, due)
            recipient = body["opportunity_id"] or body["account_id"] or body["deal_id"] or r.account.rule_id
            tasks.append((OutboundMessage(mid, "crm_task", recipient, body),
                          base | dict(channel="crm_task", threshold="renewal", kind="renewal_task",
                                      recipient=recipient, due_date=due)))  # fmt: skip
        store = OutboxStore(con, run_id, clock=clock, table=TABLE, max_attempts=max_attempts)
        store.after_accept = after_accept
        stats = DeliveryStats()
        suppressed = deliver_requests(store, "crm_update", updates, transport, stats)
        suppressed += deliver_requests(store, "crm_task", tasks, transport, stats)
        summary = CrmSummary(as_of.isoformat(), run_id, transport.name, len(renewals), len(updates), len(tasks),
                             stats.to_dict(), skipped, suppressed)  # fmt: skip
        con.execute("insert or replace into raw.fanout_runs (run_id, job, as_of, started_at, finished_at, counts) "
                    "values (?, 'crm', ?, ?, ?, ?)",
                    [run_id, as_of, clock(), clock(), json.dumps(summary.to_dict(), default=str)])  # fmt: skip
    log.info("crm: %s", summary.to_dict())
    return summary
