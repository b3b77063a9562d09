"""Milestone-to-finance and renewals-into-CRM against fake NetSuite, Zuora, Salesforce and HubSpot servers
(tests/fakes, shaped after API_BRIEF §§15-16): exactly one draft invoice request per accepted deliverable
and one CRM update + one task per renewal, through reruns, crashes between "accepted" and "recorded",
read timeouts, 429/5xx and refused credentials.

Fixtures: hand-built rows of marts.mart_payment_schedule / mart_renewal_windows following their dbt
contracts (dbt/models/marts/*.yml) and of the counterparty_accounts seed — made-up development data. The
trigger itself (a deliverable accepted through Jira → payment triggered in the marts) is covered through the
real dbt models in test_finance_to_marts.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from fakes.hubspot import HubSpotFake
from fakes.marts import AS_OF
from fakes.netsuite import NetSuiteFake
from fakes.salesforce import SalesforceFake
from fakes.server import Fault
from fakes.zuora import ZuoraFake
from milestones.clients.crm import HubSpotClient, SalesforceClient
from milestones.clients.erp import NetSuiteClient, ZuoraClient, netsuite_idempotency_key
from milestones.fanout import Connectors
from milestones.fanout.crm import CrmSettings, HubSpotCrm, SalesforceCrm, run_crm, suggest_stage
from milestones.fanout.finance import NetSuiteInvoices, ZuoraInvoices, run_invoices
from milestones.hooks import connectors_from

PAYMENT_COLS = {
    "payment_id": "varchar", "milestone_id": "varchar", "contract_id": "varchar", "counterparty": "varchar",
    "milestone_name": "varchar", "currency": "varchar", "percentage": "decimal(9,4)", "payment_status": "varchar",
    "is_cleared_for_fanout": "boolean", "is_recurring": "boolean", "trigger_milestone_id": "varchar",
    "triggered_at": "timestamp", "invoice_amount": "decimal(18,2)", "amount_basis": "varchar",
}  # fmt: skip
RENEWAL_COLS = {
    "renewal_window_id": "varchar", "contract_id": "varchar", "contract_title": "varchar", "counterparty": "varchar",
    "owner": "varchar", "renewal_type": "varchar", "renewal_notice_period": "varchar", "is_current_term": "boolean",
    "is_notice_deadline_passed": "boolean", "term_end_date": "date", "last_notice_business_date": "date",
}  # fmt: skip
ACCOUNTS = [
    ("alder", None, "Alder Creek Environmental LLC", "001Dn00000AlderAAA", "006Dn00000AlderAAA", "9001001", "647",
     "2c92c0f87ae2ed67017ae5c126a36101"),
    ("indigo-msa", "msa-indigo-2025", None, "001Dn00000IndigAAA", "006Dn00000IndigAAA", "9001002", "648",
     "2c92c0f87ae2ed67017ae5c126a36102"),
]  # fmt: skip
ACCEPTED = dt.datetime(2026, 11, 28, 15, 30)


class Crash(BaseException):
    """The process dies between "the ERP/CRM took it" and "we recorded it"."""


def crash_once():
    fired: list[str] = []

    def hook(key: str) -> None:
        if not fired:
            fired.append(key)
            raise Crash(key)

    return hook


def payment(mid: str, **over):  # type: ignore[no-untyped-def]
    row = {"payment_id": f"{mid}:undated", "milestone_id": mid, "contract_id": "sow2-alder-2026",
           "counterparty": "Alder Creek Environmental, LLC", "milestone_name": "Milestone payment: Phase 1 acceptance",
           "currency": "USD", "percentage": Decimal("40"), "payment_status": "awaiting_trigger",
           "is_cleared_for_fanout": True, "is_recurring": False, "trigger_milestone_id": "d-phase1",
           "triggered_at": ACCEPTED, "invoice_amount": Decimal("71000.00"), "amount_basis": "stated"}  # fmt: skip
    row.update(over)
    return row


def renewal(cid: str, term_end: dt.date, notice: dt.date | None, **over):  # type: ignore[no-untyped-def]
    row = {"renewal_window_id": f"{cid}:1", "contract_id": cid, "contract_title": "Master Services Agreement",
           "counterparty": "Alder Creek Environmental LLC", "owner": "contract-ops", "renewal_type": "auto_renewal",
           "renewal_notice_period": "P90D", "is_current_term": True, "is_notice_deadline_passed": False,
           "term_end_date": term_end, "last_notice_business_date": notice}  # fmt: skip
    row.update(over)
    return row


def _table(wh, name: str, cols: dict[str, str], rows: list[dict]) -> None:  # type: ignore[no-untyped-def]
    schema = name.split(".")[0]
    wh.execute(f"create schema if not exists {schema}")
    wh.execute(f"create or replace table {name} ({', '.join(f'{k} {v}' for k, v in cols.items())})")
    for r in rows:
        wh.execute(f"insert into {name} values ({', '.join('?' for _ in cols)})", [r.get(k) for k in cols])


@pytest.fixture
def marts(warehouse):  # type: ignore[no-untyped-def]
    def setup(payments: list[dict] | None = None, renewals: list[dict] | None = None) -> None:
        _table(warehouse, "marts.mart_payment_schedule", PAYMENT_COLS, payments or [])
        _table(warehouse, "marts.mart_renewal_windows", RENEWAL_COLS, renewals or [])
        cols = ("rule_id", "contract_id", "counterparty", "salesforce_account_id", "salesforce_opportunity_id",
                "hubspot_deal_id", "netsuite_customer_id", "zuora_account_id")  # fmt: skip
        _table(warehouse, "reference.counterparty_accounts", dict.fromkeys(cols, "varchar"),
               [dict(zip(cols, a, strict=True)) for a in ACCOUNTS])  # fmt: skip

    return setup


def _serve(fake):  # type: ignore[no-untyped-def]
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def netsuite():
    yield from _serve(NetSuiteFake())


@pytest.fixture
def zuora():
    yield from _serve(ZuoraFake())


@pytest.fixture
def salesforce():
    yield from _serve(SalesforceFake())


@pytest.fixture
def hubspot():
    yield from _serve(HubSpotFake())


KW = {"timeout": (2, 0.5), "backoff": 0.01}


def ns_connectors(netsuite, sleeps, token: str | None = None) -> Connectors:  # type: ignore[no-untyped-def]
    client = NetSuiteClient(netsuite.base_url, token or netsuite.token, sleep=sleeps, **KW)
    return Connectors(erp=NetSuiteInvoices(client))


def invoices(warehouse, c, clock, tmp_path, **kw):  # type: ignore[no-untyped-def]
    return run_invoices(AS_OF, f"fanout-{clock().isoformat()}", warehouse.path, warehouse.path, connectors=c,
                        outbox_dir=tmp_path / "outbox", clock=clock, **kw)  # fmt: skip


def crm(warehouse, c, clock, tmp_path, as_of=AS_OF, **kw):  # type: ignore[no-untyped-def]
    return run_crm(as_of, f"crm-{clock().isoformat()}", warehouse.path, warehouse.path, connectors=c,
                   outbox_dir=tmp_path / "outbox", clock=clock, **kw)  # fmt: skip


def rows(warehouse, channel: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    return warehouse.query(
        "select status, attempts, external_id, transport from raw.finance_crm_outbox where channel = ? "
        "order by created_at, message_id",
        [channel],
    )


# -- invoices --------------------------------------------------------------------------------------------------


def test_accepted_deliverable_makes_one_draft_invoice_at_netsuite_on_every_rerun(
    marts, warehouse, netsuite, clock, tmp_path, sleeps
):
    marts(
        payments=[
            payment("pay-phase1"),
            payment("pay-final", trigger_milestone_id="d-final", triggered_at=None),
        ]
    )
    c = ns_connectors(netsuite, sleeps)
    first = invoices(warehouse, c, clock, tmp_path)
    assert first.system == "netsuite" and first.delivery["sent"] == 1 and first.triggered == 1
    (rec,) = netsuite.all_records("salesOrder")
    assert rec["entity"] == {"id": "647"}  # Alder Creek's NetSuite customer (counterparty matched loosely)
    assert rec["item"]["items"][0]["amount"] == 71000.0 and rec["orderStatus"] == {"id": "A"}
    assert rec["tranDate"] == "2026-11-28" and rec["externalId"].startswith("cm-")
    (post,) = netsuite.requests_to("POST", "/record/v1/salesOrder")
    assert post["headers"]["X-Netsuite-Idempotency-Key"] == netsuite_idempotency_key(rec["externalId"])
    assert post["headers"]["Prefer"] == "respond-async"
    assert rows(warehouse, "invoice") == [("sent", 1, f"netsuite:salesOrder/{rec['id']}", "netsuite")]
    for _ in range(2):
        clock.advance(hours=1)
        again = invoices(warehouse, c, clock, tmp_path)
        assert again.delivery["sent"] == 0 and again.delivery["already_sent"] == 1
    assert len(netsuite.all_records("salesOrder")) == 1 and len(netsuite.requests_to("POST", "/record/")) == 1
    amount = warehouse.query("select amount, currency, due_date from raw.finance_crm_outbox")
    assert amount == [(Decimal("71000.00"), "USD", dt.date(2026, 11, 28))]


def test_crash_after_netsuite_took_it_is_retried_and_finds_the_first_request(
    marts, warehouse, netsuite, clock, tmp_path, sleeps
):
    marts(payments=[payment("pay-phase1")])
    c = ns_connectors(netsuite, sleeps)
    with pytest.raises(Crash):
        invoices(warehouse, c, clock, tmp_path, after_accept=crash_once())
    assert len(netsuite.all_records("salesOrder")) == 1  # NetSuite has it …
    assert rows(warehouse, "invoice") == [("pending", 0, None, None)]  # … we never recorded it
    clock.advance(hours=1)
    again = invoices(warehouse, c, clock, tmp_path)
    assert again.delivery["sent"] == 1
    assert len(netsuite.all_records("salesOrder")) == 1  # found by externalId, not created again
    assert len(netsuite.requests_to("POST", "/record/")) == 1
    assert rows(warehouse, "invoice")[0][0] == "sent"


def test_read_timeout_after_netsuite_processed_it_is_retried_later_without_a_duplicate(
    marts, warehouse, netsuite, clock, tmp_path, sleeps
):
    marts(payments=[payment("pay-phase1")])
    netsuite.inject(Fault(delay=0.8, process=True, times=1, method="POST"))
    c = ns_connectors(netsuite, sleeps)
    first = invoices(warehouse, c, clock, tmp_path)
    assert first.delivery["failed"] == 1 and len(netsuite.all_records("salesOrder")) == 1
    status, attempts, _, _ = rows(warehouse, "invoice")[0]
    assert (status, attempts) == ("failed", 1)
    invoices(warehouse, c, clock, tmp_path)  # too early: waits for next_attempt_at
    assert len(netsuite.requests_to("GET", "eid:")) == 1
    clock.advance(hours=1)
    again = invoices(warehouse, c, clock, tmp_path)
    assert again.delivery["sent"] == 1
    assert len(netsuite.all_records("salesOrder")) == 1 and len(netsuite.requests_to("POST", "/record/")) == 1


def test_netsuite_idempotency_key_stops_a_blind_repeat(netsuite, sleeps):
    """Our own safety net under the lookup: the same key posted twice lands once (IDEMPOTENCY_ERROR = taken)."""
    client = NetSuiteClient(netsuite.base_url, netsuite.token, sleep=sleeps, **KW)
    body = {"entity": {"id": "647"}, "item": {"items": [{"item": {"id": "1"}, "amount": 10.0}]}}
    loc1 = client.create("invoice", body, "cm-k1")
    del netsuite.records["invoice"][next(iter(netsuite.records["invoice"]))][
        "externalId"
    ]  # not findable by eid
    loc2 = client.create("invoice", body, "cm-k1")
    assert loc1 == loc2 and "/async/v1/job/" in loc1
    assert len(netsuite.all_records("invoice")) == 1
    assert netsuite.log[-1]["path"].endswith("/record/v1/invoice")


def test_rate_limits_and_outages_defer_the_request_then_it_goes_once(
    marts, warehouse, netsuite, clock, tmp_path, sleeps
):
    marts(payments=[payment("pay-phase1"), payment("pay-2", milestone_name="Go-live payment")])
    netsuite.inject(Fault(status=429, headers={"Retry-After": "600"}, times=1))
    c = ns_connectors(netsuite, sleeps)
    first = invoices(warehouse, c, clock, tmp_path)
    assert first.delivery["sent"] == 0 and first.delivery["failed"] == 1 and first.delivery["deferred"] == 1
    assert netsuite.all_records("salesOrder") == []
    netsuite.inject(Fault(status=503, times=20, body="Service Unavailable"))
    clock.advance(minutes=11)
    second = invoices(warehouse, c, clock, tmp_path)
    assert second.delivery["sent"] == 0 and netsuite.all_records("salesOrder") == []
    netsuite.faults.clear()
    clock.advance(hours=3)
    third = invoices(warehouse, c, clock, tmp_path)
    assert third.delivery["sent"] == 2 and len(netsuite.all_records("salesOrder")) == 2
    assert {r[0] for r in rows(warehouse, "invoice")} == {"sent"}


def test_refused_credentials_are_not_retried(marts, warehouse, netsuite, clock, tmp_path, sleeps):
    marts(payments=[payment("pay-phase1")])
    c = ns_connectors(netsuite, sleeps, token="expired")
    first = invoices(warehouse, c, clock, tmp_path)
    assert first.delivery["given_up"] == 1
    status, attempts, _, _ = rows(warehouse, "invoice")[0]
    assert status == "failed" and attempts == 5
    assert "HTTP 401" in warehouse.query("select last_error from raw.finance_crm_outbox")[0][0]
    clock.advance(days=1)
    invoices(warehouse, c, clock, tmp_path)
    assert len(netsuite.log) == 1 and netsuite.all_records("salesOrder") == []


def test_only_triggered_cleared_priced_mapped_payments_are_invoiced(marts, warehouse, netsuite, clock, tmp_path,
                                                                   sleeps):  # fmt: skip
    marts(payments=[
        payment("ok"),
        payment("waiting", triggered_at=None),
        payment("unreviewed", is_cleared_for_fanout=False),
        payment("no-amount", invoice_amount=None, amount_basis=None),
        payment("paid", payment_status="completed"),
        payment("cancelled", payment_status="cancelled"),
        payment("no-account", contract_id="nda-harbor-2026", counterparty="Harborview Partners"),
    ])  # fmt: skip
    summary = invoices(warehouse, ns_connectors(netsuite, sleeps), clock, tmp_path)
    assert summary.delivery["sent"] == 1
    assert summary.skipped == {"not_cleared": 1, "no_amount": 1, "already_paid": 1, "cancelled": 1,
                               "no_erp_account": 1}  # fmt: skip
    assert [r["memo"].split(" — ")[0] for r in netsuite.all_records("salesOrder")] == [
        payment("ok")["milestone_name"]
    ]


def test_a_request_that_is_no_longer_wanted_is_suppressed_not_sent(marts, warehouse, netsuite, clock, tmp_path,
                                                                   sleeps):  # fmt: skip
    marts(payments=[payment("pay-phase1")])
    netsuite.inject(Fault(status=503, times=20))
    invoices(warehouse, ns_connectors(netsuite, sleeps), clock, tmp_path)
    netsuite.faults.clear()
    marts(
        payments=[payment("pay-phase1", payment_status="cancelled")]
    )  # the contract was cancelled meanwhile
    clock.advance(hours=3)
    later = invoices(warehouse, ns_connectors(netsuite, sleeps), clock, tmp_path)
    assert later.suppressed == 1 and netsuite.all_records("salesOrder") == []
    assert rows(warehouse, "invoice")[0][0] == "suppressed"


def test_zuora_draft_invoice_after_a_read_timeout_is_replayed_by_its_idempotency_key(
    marts, warehouse, zuora, clock, tmp_path, sleeps
):
    marts(payments=[payment("pay-phase1")])
    zuora.inject(Fault(delay=0.8, process=True, times=1, path="/v1/invoices"))
    client = ZuoraClient(
        zuora.url, client_id="zuora-client", client_secret="zuora-secret", sleep=sleeps, **KW
    )
    c = Connectors(erp=ZuoraInvoices(client))
    first = invoices(warehouse, c, clock, tmp_path)
    assert first.delivery["failed"] == 1 and len(zuora.invoices) == 1
    clock.advance(hours=1)
    again = invoices(warehouse, c, clock, tmp_path)
    assert again.delivery["sent"] == 1
    (inv,) = zuora.invoices.values()
    assert inv["status"] == "Draft" and inv["accountId"] == "2c92c0f87ae2ed67017ae5c126a36101"
    assert inv["invoiceItems"][0]["amount"] == 71000.0 and inv["invoiceDate"] == "2026-11-28"
    posts = zuora.requests_to("POST", "/v1/invoices")
    assert (
        len(posts) == 2 and posts[0]["headers"]["Idempotency-Key"] == posts[1]["headers"]["Idempotency-Key"]
    )
    assert rows(warehouse, "invoice")[0][2] == f"zuora:{inv['id']}"
    assert len(zuora.requests_to("POST", "/oauth/token")) == 1  # the token is reused for its hour


def test_without_an_erp_connection_the_request_is_a_file_in_the_local_outbox(
    marts, warehouse, clock, tmp_path
):
    marts(
        payments=[
            payment("pay-phase1"),
            payment("no-account", contract_id="nda-harbor-2026", counterparty="X"),
        ]
    )
    first = invoices(warehouse, Connectors(), clock, tmp_path)
    assert first.system == "local" and first.delivery["sent"] == 2  # no ERP account needed for a file
    files = sorted((tmp_path / "outbox" / "invoice").glob("*.json"))
    assert len(files) == 2 and '"amount": "71000.00"' in files[0].read_text()
    invoices(warehouse, Connectors(), clock, tmp_path)
    assert len(list((tmp_path / "outbox" / "invoice").glob("*.json"))) == 2


# -- CRM -------------------------------------------------------------------------------------------------------

ALDER = renewal("msa-alder-2024", dt.date(2027, 4, 23), dt.date(2027, 1, 22))  # notice deadline in 52 days


def sf_connectors(salesforce, sleeps, **kw) -> Connectors:  # type: ignore[no-untyped-def]
    client = SalesforceClient(salesforce.url, salesforce.token, sleep=sleeps, **KW)
    return Connectors(crm=SalesforceCrm(client, **kw))


def test_renewal_makes_one_opportunity_update_and_one_task_in_salesforce_when_run_twice(
    marts, warehouse, salesforce, clock, tmp_path, sleeps
):
    marts(renewals=[ALDER])
    c = sf_connectors(salesforce, sleeps)
    first = crm(warehouse, c, clock, tmp_path)
    assert first.system == "salesforce" and first.delivery["sent"] == 2
    opp = salesforce.opportunities["006Dn00000AlderAAA"]
    assert opp["CloseDate"] == "2027-01-22" and opp["Notice_Deadline__c"] == "2027-01-22"
    assert opp["Renewal_Date__c"] == "2027-04-23"
    assert opp["Renewal_Stage_Suggestion__c"] == "Proposal/Price Quote" and opp["StageName"] == "Prospecting"
    (task,) = salesforce.tasks.values()
    assert task["ActivityDate"] == "2026-12-01"  # 90 days before the deadline is past: due now, high priority
    assert task["Priority"] == "High" and task["WhatId"] == "006Dn00000AlderAAA"
    assert "2027-01-22" in task["Subject"] and task["Status"] == "Not Started"
    clock.advance(hours=1)
    second = crm(warehouse, c, clock, tmp_path)
    assert second.delivery["sent"] == 0 and second.delivery["already_sent"] == 2
    assert len(salesforce.requests_to("PATCH", "/sobjects/Opportunity/")) == 1
    assert len(salesforce.requests_to("PATCH", "/sobjects/Task/")) == 1 and len(salesforce.tasks) == 1


def test_salesforce_task_upsert_after_a_crash_lands_on_the_same_task(marts, warehouse, salesforce, clock, tmp_path,
                                                                     sleeps):  # fmt: skip
    far = renewal("msa-alder-2024", dt.date(2027, 9, 30), dt.date(2027, 7, 2))  # deadline in 213 days
    marts(renewals=[far])
    c = sf_connectors(salesforce, sleeps, set_stage=True)
    hook = crash_once()
    with pytest.raises(Crash):
        crm(warehouse, c, clock, tmp_path, after_accept=lambda k: hook(k) if len(salesforce.tasks) else None)
    assert len(salesforce.tasks) == 1
    clock.advance(hours=1)
    again = crm(warehouse, c, clock, tmp_path)
    assert again.delivery["sent"] == 1  # the task row, retried: the upsert updated the same Task
    (task,) = salesforce.tasks.values()
    assert task["ActivityDate"] == "2027-04-03" and task["Priority"] == "Medium"  # 90 days before 2027-07-02
    assert len(salesforce.requests_to("PATCH", "/sobjects/Task/")) == 2
    assert salesforce.opportunities["006Dn00000AlderAAA"]["StageName"] == "Prospecting"  # planning, written


def test_new_values_make_one_new_update_and_supersede_an_unsent_one(marts, warehouse, salesforce, clock, tmp_path,
                                                                    sleeps):  # fmt: skip
    marts(renewals=[ALDER])
    c = sf_connectors(salesforce, sleeps)
    crm(warehouse, c, clock, tmp_path)
    # 30 days on, the notice deadline is 22 days away: the stage suggestion moves on → one more PATCH
    clock.advance(days=30)
    later = crm(warehouse, c, clock, tmp_path, as_of=AS_OF + dt.timedelta(days=30))
    assert later.delivery["sent"] == 1
    assert (
        salesforce.opportunities["006Dn00000AlderAAA"]["Renewal_Stage_Suggestion__c"] == "Negotiation/Review"
    )
    assert len(salesforce.requests_to("PATCH", "/sobjects/Opportunity/")) == 2 and len(salesforce.tasks) == 1
    # an amendment moves the term while Salesforce is down; then it moves again: only the last values go
    salesforce.inject(Fault(status=503, times=20))
    marts(renewals=[renewal("msa-alder-2024", dt.date(2027, 6, 30), dt.date(2027, 3, 31))])
    crm(warehouse, c, clock, tmp_path, as_of=AS_OF + dt.timedelta(days=30))
    salesforce.faults.clear()
    marts(renewals=[renewal("msa-alder-2024", dt.date(2027, 7, 31), dt.date(2027, 4, 30))])
    clock.advance(hours=3)
    final = crm(warehouse, c, clock, tmp_path, as_of=AS_OF + dt.timedelta(days=30))
    assert final.suppressed >= 1
    opp = salesforce.opportunities["006Dn00000AlderAAA"]
    assert opp["Renewal_Date__c"] == "2027-07-31" and opp["CloseDate"] == "2027-04-30"
    assert len(salesforce.tasks) == 2  # the new term gets its own task (the old term's stays in history)


def test_hubspot_deal_update_and_task_once_even_after_a_crash_between_create_and_record(
    marts, warehouse, hubspot, clock, tmp_path, sleeps
):
    marts(renewals=[ALDER])
    c = Connectors(crm=HubSpotCrm(HubSpotClient(hubspot.token, base_url=hubspot.url, sleep=sleeps, **KW)))
    hook = crash_once()
    with pytest.raises(Crash):
        crm(warehouse, c, clock, tmp_path, after_accept=lambda k: hook(k) if hubspot.tasks else None)
    assert len(hubspot.tasks) == 1
    clock.advance(hours=1)
    again = crm(warehouse, c, clock, tmp_path)
    assert again.delivery["sent"] == 1
    crm(warehouse, c, clock, tmp_path)
    assert len(hubspot.tasks) == 1 and len(hubspot.requests_to("POST", "/crm/v3/objects/tasks")) == 1
    assert len(hubspot.requests_to("PATCH", "/crm/v3/objects/deals/")) == 1
    deal = hubspot.deals["9001001"]["properties"]
    assert deal["closedate"] == "2027-01-22" and deal["renewal_stage_suggestion"] == "decisionmakerboughtin"
    assert deal["dealstage"] == "appointmentscheduled"  # a suggestion only, unless set_stage
    (task,) = hubspot.tasks.values()
    assert task["properties"]["hs_timestamp"] == "2026-12-01T09:00:00.000Z"
    assert task["associations"][0]["to"] == {"id": "9001001"}


def test_crm_skips_contracts_without_an_account_and_terms_already_decided(marts, warehouse, salesforce, clock,
                                                                          tmp_path, sleeps):  # fmt: skip
    marts(renewals=[
        renewal("nda-harbor-2026", dt.date(2027, 5, 1), None, counterparty="Harborview Partners"),
        renewal("msa-indigo-2025", dt.date(2027, 1, 25), dt.date(2026, 11, 25), counterparty="Indigo Bay",
                is_notice_deadline_passed=True),
    ])  # fmt: skip
    s = crm(warehouse, sf_connectors(salesforce, sleeps), clock, tmp_path, settings=CrmSettings())
    assert s.skipped == {"no_crm_account": 1} and s.tasks_planned == 0 and s.delivery["sent"] == 1
    assert salesforce.opportunities["006Dn00000IndigAAA"]["Renewal_Stage_Suggestion__c"] == "Closed Won"
    assert salesforce.tasks == {}


def test_crm_without_a_connection_writes_the_local_outbox(marts, warehouse, clock, tmp_path):
    marts(renewals=[ALDER])
    s = crm(warehouse, Connectors(), clock, tmp_path)
    assert s.system == "local" and s.delivery["sent"] == 2
    assert len(list((tmp_path / "outbox" / "crm_update").glob("*.json"))) == 1
    assert len(list((tmp_path / "outbox" / "crm_task").glob("*.json"))) == 1


@pytest.mark.parametrize(("kind", "days", "passed", "stage"), [
    ("auto_renewal", 400, False, "planning"), ("auto_renewal", 150, False, "qualification"),
    ("auto_renewal", 90, False, "negotiation"), ("expiry", 10, False, "decision"),
    ("auto_renewal", -1, True, "renewed"), ("expiry", -3, True, "expired"),
])  # fmt: skip
def test_stage_suggestion(kind, days, passed, stage):
    assert suggest_stage(kind, days, passed) == stage


def test_connections_build_the_erp_and_crm_connectors(netsuite, salesforce):
    class Conn:
        def __init__(self, **kw) -> None:  # type: ignore[no-untyped-def]
            self.conn_id, self.conn_type, self.host, self.login, self.password = "x", "http", None, None, None
            self.schema, self.port, self.extra = None, None, "{}"
            self.__dict__.update(kw)

    conns = {"milestones_netsuite": Conn(host=netsuite.base_url, password=netsuite.token, extra='{"record_type": "invoice"}'),
             "milestones_zuora": Conn(login="a", password="b"),
             "milestones_salesforce": Conn(host=salesforce.url, password=salesforce.token, extra='{"set_stage": true}')}  # fmt: skip
    c = connectors_from(conns.get)
    assert isinstance(c.erp, NetSuiteInvoices) and c.erp.record_type == "invoice"  # NetSuite wins over Zuora
    assert isinstance(c.crm, SalesforceCrm) and c.crm.set_stage
    assert {"erp", "crm"} <= set(c.configured())
    assert c.erp.client.find_by_external_id("invoice", "cm-nothing") is None  # the token reached the fake
