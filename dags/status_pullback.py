"""
### status_pullback — task status and ITSM incidents back into the register

Nightly at 01:30 UTC, before `contracts_nightly` (02:00) whose load triggers the dbt rebuild: reads the
status of our Jira issues (JQL on the `contract-milestone` label, `statusCategory` done / in progress /
to do, resolution date) and Asana tasks (completed, completed_at) into `raw.pm_tasks`, and ServiceNow
incidents (priority, opened/resolved times, incremental by `sys_updated_on`) with their `task_sla` breach
flags into `raw.itsm_incidents`. A task done in Jira/Asana makes its obligation `completed` in
`marts.fct_obligations` at the next model build, and dates the milestones waiting on it (completion day + their
own rule, `marts.mart_milestone_dependencies`); overdue stays computed there, never stored.

Connections (optional): `milestones_jira`, `milestones_asana`, `milestones_servicenow`.

Reads: Jira, Asana, ServiceNow. Writes: `raw.pm_tasks`, `raw.itsm_incidents`, `raw.watermarks`,
`raw.fanout_runs`, `raw.audit_log`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, get_current_context, task
from milestones.dagutils import DEFAULT_ARGS, WRITER_POOL


@dag(
    schedule="30 1 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,  # the pull reads current state; replaying old nights adds nothing
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["contract-milestones", "status-sync", "itsm"],
    doc_md=__doc__,
)
def status_pullback():
    @task(pool=WRITER_POOL)
    def pull_status() -> dict:
        from milestones.dagutils import as_of_from_context
        from milestones.fanout.pullback import pull_status as pull

        context = get_current_context()
        summary = pull(context["run_id"], as_of=as_of_from_context(context))
        if summary.errors:
            raise RuntimeError("status pull finished with errors: " + "; ".join(summary.errors))
        return summary.to_dict()

    pull_status()


status_pullback()
