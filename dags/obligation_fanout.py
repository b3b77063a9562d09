"""
### obligation_fanout — reminders, tasks and calendars from the published warehouse

Triggered by the `published_warehouse` asset. Reads `marts.fct_obligations` from the published read-only
copy and queues each due reminder once per (occurrence, channel, threshold) — only for obligations that
are cleared for fan-out (confident or approved by a reviewer, not completed or cancelled). With no
connections configured everything goes to the local outbox: `raw.outbox` and files in `data/outbox/`.

Reads: the published warehouse. Writes: `raw.outbox`, `raw.audit_log`, `data/outbox/`.
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
        return run_fanout(as_of_from_context(context), context["run_id"]).to_dict()

    fan_out()


obligation_fanout()
