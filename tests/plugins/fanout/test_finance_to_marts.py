"""Through the real dbt models: a deliverable marked Done in (fake) Jira triggers its payment in
marts.mart_payment_schedule after the status pull and a rebuild; the invoice run then sends exactly one draft
invoice request to (fake) NetSuite — also when the first attempt dies after NetSuite took it — and the
rebuilt marts show it as invoiced (mart_payment_schedule, mart_payment_months). The same contract's renewal
reaches (fake) Salesforce once, however often the CRM run repeats.

Fixture: one hand-written extraction record (a made-up SOW with a Phase 1 delivery, a payment upon its
acceptance and an auto-renewing term; counterparty in dbt/seeds/counterparty_accounts.csv), loaded with
milestones.register like the nightly loader does; development data. Slow (two dbt runs, ~30 s).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from fakes.marts import AS_OF, Clock
from fakes.netsuite import NetSuiteFake
from fakes.salesforce import SalesforceFake
from milestones import register
from milestones.clients import JiraClient
from milestones.clients.crm import SalesforceClient
from milestones.clients.erp import NetSuiteClient
from milestones.fanout import Connectors, FanoutSettings, run_fanout
from milestones.fanout.crm import SalesforceCrm, run_crm
from milestones.fanout.finance import NetSuiteInvoices, run_invoices
from milestones.fanout.pullback import pull_status
from milestones.fanout.tasks import JiraBackend
from milestones.review.decisions import apply_decision

pytestmark = pytest.mark.slow

RUN_ID = "nightly__2026-12-01"
CID = "sow-alder-creek-2026"
RECORD = {
    "contract_id": CID, "content_hash": "b" * 64, "source": f"{CID}.txt", "title": "Statement of Work No. 2",
    "extractor_version": "test",
    "parties": [{"name": "Northwind Traders, Inc."}, {"name": "Alder Creek Environmental LLC"}],
    "key_dates": {"effective_date": "2026-01-01", "expiration_date": "2027-04-23", "initial_term": "P1Y4M",
                  "renewal_term": "P1Y", "auto_renewal": True, "renewal_notice_period": "P90D"},
    "extracted_milestones": [
        {"milestone_name": "Phase 1 Deliverables", "deliverable": "Phase 1 Deliverables", "due_date": "2026-12-15",
         "obligation_type": "delivery", "clause_reference": "2.1", "responsible_party": "Alder Creek Environmental LLC",
         "source_text": "Supplier shall deliver the Phase 1 Deliverables to Customer by December 15, 2026.",
         "source_span": {"start": 100, "end": 180}, "confidence": 0.95, "needs_review": False,
         "due_rule": {"kind": "absolute", "date": "2026-12-15"}},
        {"milestone_name": "Milestone payment: acceptance of Phase 1 Deliverables", "due_date": None,
         "obligation_type": "payment", "clause_reference": "4.1", "responsible_party": "Northwind Traders, Inc.",
         "source_text": "Upon acceptance of the Phase 1 Deliverables, Customer shall pay 40% of the Fees ($71,000.00).",
         "source_span": {"start": 300, "end": 390}, "confidence": 0.95, "needs_review": False,
         "amount": "71000.00", "currency": "USD", "percentage": "40", "depends_on": "Phase 1 Deliverables",
         "due_rule": {"kind": "relative", "anchor": "acceptance"}},
    ],
}  # fmt: skip


DBT_DIR = Path(__file__).resolve().parents[3] / "dbt"


def _dbt(args: list[str], warehouse: Path, work: Path) -> None:
    """dbt in a subprocess, as in test_fanout_status_to_marts.py (in-process `import dbt` finds tests/dbt)."""
    exe = Path(sys.executable).with_name("dbt")
    env = {**os.environ, "MILESTONES_WAREHOUSE": str(warehouse), "DO_NOT_TRACK": "1"}
    cmd = [str(exe), *args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--target-path",
           str(work / "target"), "--log-path", str(work / "logs"), "--vars", f"{{as_of: '{AS_OF.isoformat()}'}}", "--quiet"]  # fmt: skip
    res = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, f"dbt {' '.join(args)} failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"


@pytest.fixture
def built(tmp_path_factory):
    work = tmp_path_factory.mktemp("finance-to-marts")
    path = work / "warehouse.duckdb"
    con = register.connect(path)
    register.start_run(con, RUN_ID, AS_OF, "test", None)
    register.load_extractions(con, RUN_ID, [RECORD], our_parties=["Northwind Traders, Inc."])
    register.write_business_calendar(con, 2025, 2029)
    register.finish_run(con, RUN_ID, "loaded")
    pay_id = con.execute(
        "select milestone_id from raw.milestones where obligation_type = 'payment'"
    ).fetchone()[0]
    apply_decision(
        con, pay_id, "approve", "finance@example.com", dt.datetime(2026, 11, 30, 9, 0)
    )  # payments need it
    con.close()
    _dbt(["build", "--select", "+mart_payment_months", "+mart_renewal_windows", "counterparty_accounts", "--resource-type", "model",
          "--resource-type", "seed"], path, work)  # fmt: skip
    return path, work


def _payment(path) -> tuple:  # type: ignore[no-untyped-def]
    con = register.connect(path)
    try:
        return con.execute("select invoice_status, trigger_method, is_triggered, invoice_amount, invoiced_amount "
                           "from marts.mart_payment_schedule").fetchone()  # fmt: skip
    finally:
        con.close()


def test_accepted_deliverable_in_jira_makes_exactly_one_draft_invoice_at_netsuite(
    built, jira, tmp_path, sleeps
):
    path, work = built
    assert _payment(path) == ("awaiting_trigger", "dependency", False, Decimal("71000.00"), None)
    kw = {"sleep": sleeps, "timeout": (2, 0.5), "backoff": 0.01}
    jira_c = Connectors(jira=JiraBackend(JiraClient(jira.url, email="bot@example.com", api_token="jira-api-token", **kw),
                                         default_project="OBL"))  # fmt: skip
    clock = Clock()
    settings = FanoutSettings(review_base_url="https://milestones.example.com", channels=("email",))
    run_fanout(AS_OF, "fanout-1", path, path, settings=settings, connectors=jira_c, outbox_dir=tmp_path / "outbox",
               clock=clock)  # fmt: skip
    (key,) = jira.issues  # the delivery's task (the payment is undated: no task yet)
    with NetSuiteFake() as netsuite:
        ns = Connectors(erp=NetSuiteInvoices(NetSuiteClient(netsuite.base_url, netsuite.token, **kw)))
        before = run_invoices(
            AS_OF, "inv-0", path, path, connectors=ns, outbox_dir=tmp_path / "outbox", clock=clock
        )
        assert before.triggered == 0 and netsuite.log == []

        jira.set_status(key, "Done", at="2026-12-02T10:00:00.000+0000")  # the client accepted Phase 1
        assert pull_status("pull-1", path, connectors=jira_c, clock=clock).tasks_done == 1
        _dbt(["run", "--select", "stg_register__pm_tasks+,+mart_payment_months"], path, work)
        assert _payment(path)[:3] == ("ready", "dependency", True)

        def crash(_key: str) -> None:
            raise KeyboardInterrupt  # the worker dies after NetSuite took the request, before we recorded it

        with pytest.raises(KeyboardInterrupt):
            run_invoices(AS_OF, "inv-1", path, path, connectors=ns, outbox_dir=tmp_path / "outbox", clock=clock,
                         after_accept=crash)  # fmt: skip
        clock.advance(hours=1)
        for run in ("inv-2", "inv-3"):  # the retry, and tomorrow's run
            run_invoices(AS_OF, run, path, path, connectors=ns, outbox_dir=tmp_path / "outbox", clock=clock)
        (order,) = netsuite.all_records("salesOrder")
        assert order["entity"] == {"id": "647"} and order["item"]["items"][0]["amount"] == 71000.0
        assert order["tranDate"] == "2026-12-02"
        assert len(netsuite.requests_to("POST", "/record/")) == 1

    _dbt(["run", "--select", "stg_finance_crm__requests+"], path, work)
    assert _payment(path) == ("invoiced", "dependency", True, Decimal("71000.00"), Decimal("71000.00"))
    con = register.connect(path)
    try:
        months = con.execute("select payment_month_id, expected_amount, invoiced_amount from marts.mart_payment_months "
                             "order by 1").fetchall()  # fmt: skip
    finally:
        con.close()
    assert sum(m[1] for m in months) == Decimal("71000.00")  # expected: once, in its month
    assert [(m[0], m[2]) for m in months if m[2]] == [
        ("2026-12:USD", Decimal("71000.00"))
    ]  # invoiced 2026-12-01

    # the renewal of the same contract: one opportunity update and one task, however often the run repeats
    with SalesforceFake() as sf:
        c = Connectors(crm=SalesforceCrm(SalesforceClient(sf.url, sf.token, **kw)))
        for run in ("crm-1", "crm-2"):
            s = run_crm(AS_OF, run, path, path, connectors=c, outbox_dir=tmp_path / "outbox", clock=clock)
        assert s.delivery["already_sent"] == 2
        opp = sf.opportunities["006Dn00000AlderAAA"]
        assert (
            opp["Renewal_Date__c"] == "2027-04-23" and opp["CloseDate"] == "2027-01-22"
        )  # 90 days, business day
        assert len(sf.tasks) == 1 and len(sf.requests_to("PATCH", "/sobjects/")) == 2
