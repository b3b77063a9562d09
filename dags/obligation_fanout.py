"""
### obligation_fanout — reminders, tasks and calendars from the published warehouse, exactly once

Triggered by the `published_warehouse` asset. Reads `marts.fct_obligations` from the published read-only
copy and acts only on occurrences cleared for fan-out (reviewed or confident, not quarantined, not
completed or cancelled):

1. **tasks** — one Jira issue / Asana task per obligation (looked up by our key before creating), updated
   when the due date or owner changes, closed when the contract or obligation is cancelled;
2. **alerts** — the current reminder step (90/60/30/14/7/1/0 days, then every N days overdue, escalation
   to the manager) per channel (Slack, Teams Workflows, e-mail), recorded in `raw.outbox` keyed by
   (occurrence, channel, step); an unconfirmed send is flagged *delivery unknown*, never silently resent;
3. **calendars** — an `.ics` feed per owner and per contract with stable UIDs (+ Google/Graph if set);
4. **invoice_requests** — one draft invoice request (NetSuite / Zuora, idempotency keys) per payment whose
   triggering deliverable was accepted (`marts.mart_payment_schedule`);
5. **crm_renewals** — renewal date, notice deadline and stage suggestion onto the Salesforce Opportunity /
   HubSpot deal, and one renewal task 90 days ahead, for contracts in the `counterparty_accounts` seed.

Connections (all optional; missing ones go to the local outbox): `milestones_slack`, `milestones_teams`,
`milestones_smtp`, `milestones_jira`, `milestones_asana`, `milestones_google_calendar`, `milestones_msgraph`,
`milestones_netsuite`, `milestones_zuora`, `milestones_salesforce`, `milestones_hubspot`.

Reads: the published warehouse. Writes: `raw.outbox`, `raw.pm_tasks`, `raw.calendar_events`,
`raw.unmapped_obligations`, `raw.finance_crm_outbox`, `raw.fanout_runs`, `raw.audit_log`, files in `data/outbox/`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, get_current_context, task
from milestones.dagutils import DEFAULT_ARGS, PUBLISHED_ASSET, WRITER_POOL

PUBLISHED = Asset(PUBLISHED_ASSET)


@dag(
    schedule=[PUBLISHED],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["contract-milestones", "fan-out", "alerts"],
    doc_md=__doc__,
)
def obligation_fanout():
    @task(pool=WRITER_POOL)
    def fan_out() -> dict:
        from milestones.dagutils import as_of_from_context
        from milestones.fanout import run_fanout

        context = get_current_context()
        summary = run_fanout(as_of_from_context(context), context["run_id"])
        if summary.errors:  # a whole system failed (not single sends): make it visible, retry the task
            raise RuntimeError("fan-out finished with errors: " + "; ".join(summary.errors))
        return summary.to_dict()

    # billing and CRM run even when an alert channel failed the task above (each keeps its own retries)
    @task(pool=WRITER_POOL, trigger_rule="all_done")
    def invoice_requests() -> dict:
        from milestones.dagutils import as_of_from_context
        from milestones.fanout.finance import run_invoices

        context = get_current_context()
        return run_invoices(as_of_from_context(context), context["run_id"]).to_dict()

    @task(pool=WRITER_POOL, trigger_rule="all_done")
    def crm_renewals() -> dict:
        from milestones.dagutils import as_of_from_context
        from milestones.fanout.crm import run_crm

        context = get_current_context()
        return run_crm(as_of_from_context(context), context["run_id"]).to_dict()

    fan_out() >> invoice_requests() >> crm_renewals()


obligation_fanout()
