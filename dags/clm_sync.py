"""
### clm_sync — contracts from a CLM into the register, extracted dates back to the CLM

Reads the CLM named by `source` (`ironclad` or `docusign_clm`; default `MILESTONES_CLM_SOURCE`, else
`ironclad`) through its Airflow connection (`AIRFLOW_CONN_IRONCLAD`, `AIRFLOW_CONN_DOCUSIGN_CLM`):

- scheduled (01:30 UTC): an **incremental** pull of contracts changed since the watermark;
- a webhook (`milestones.webhooks`) starts a run with conf `{"source": "ironclad", "record_id": …}` or emits
  the `clm_contract_executed` asset event: a **record** pull of that one contract;
- `mode=backlog` pages through every contract of a legacy CLM; a failed run resumes at the checkpointed page.

Then the same steps as `contracts_nightly` over the staging inbox (`data/clm/<source>/inbox`): skip unchanged
documents (hash + extractor/model version; `reprocess=true` forces them), extract, GX gate, load with
`source_system=<source>`, and write the extracted dates back to the CLM records (idempotent).

Writes: `data/clm/<source>/inbox`, `raw.source_items`, `raw.source_pulls`, `raw.watermarks`, the register tables
(`raw.contracts`, `raw.milestones`, … as contracts_nightly), `raw.source_writebacks`; the CLM's record
properties / document attributes. Emits `obligation_register` (triggers `register_models`).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import (
    Asset,
    AssetOrTimeSchedule,
    CronTriggerTimetable,
    Param,
    dag,
    get_current_context,
    task,
)
from milestones.dagutils import DEFAULT_ARGS, REGISTER_ASSET, WRITER_POOL
from milestones.sources.runs import CLM_EVENT_ASSET

REGISTER = Asset(REGISTER_ASSET)
CLM_EVENTS = Asset(CLM_EVENT_ASSET)


@dag(
    schedule=AssetOrTimeSchedule(timetable=CronTriggerTimetable("30 1 * * *", timezone="UTC"), assets=[CLM_EVENTS]),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["contract-milestones", "sources", "clm"],
    params={
        "source": Param(None, type=["null", "string"], enum=[None, "ironclad", "docusign_clm"],
                        description="CLM to read; empty = MILESTONES_CLM_SOURCE or ironclad"),
        "mode": Param(None, type=["null", "string"], enum=[None, "incremental", "backlog", "record"],
                      description="empty = record when a record_id is given, else incremental"),
        "record_id": Param(None, type=["null", "string"], description="one record (what a webhook sends)"),
        "reprocess": Param(False, type="boolean", description="re-extract staged contracts even if unchanged"),
        "writeback": Param(True, type="boolean", description="write extracted dates back to the CLM"),
    },  # fmt: skip
    doc_md=__doc__,
)
def clm_sync():
    @task(pool=WRITER_POOL)
    def pull_source() -> dict:
        from milestones.sources.hooks import get_source
        from milestones.sources.runs import resolve_request
        from milestones.sources.sync import pull

        ctx = get_current_context()
        dag_run = ctx["dag_run"]
        req = resolve_request(ctx["params"], dag_run.conf, ctx.get("triggering_asset_events"))
        source = get_source(req.source)
        records = list(req.record_ids)
        for workflow in req.workflow_ids:  # Ironclad workflow_completed names the workflow, not the record
            records += source.records_of_workflow(workflow)  # type: ignore[union-attr]
        mode = req.mode if records or req.mode != "record" else "incremental"
        result = pull(source, mode=mode, record_ids=records)
        return {"source": req.source, "mode": mode, "events": list(req.events), **result.to_dict()}

    @task(pool=WRITER_POOL)
    def plan_ingest(pulled: dict) -> dict:
        from milestones.dagutils import as_of_from_context
        from milestones.nightly import plan
        from milestones.sources.runs import clm_run_id
        from milestones.sources.sync import staging_inbox

        ctx = get_current_context()
        inbox = staging_inbox(pulled["source"])
        inbox.mkdir(parents=True, exist_ok=True)
        result = plan(as_of_from_context(ctx), inbox=inbox, reprocess=bool(ctx["params"].get("reprocess")),
                      source_system=pulled["source"], run_id=clm_run_id(pulled["source"], ctx["dag_run"].run_id),
                      complete_listing=False)  # fmt: skip
        return {"manifest": result.manifest, "batches": result.batches}

    @task
    def batches(planned: dict) -> list[str]:
        return planned["batches"]

    @task(max_active_tis_per_dag=2)
    def extract(batch: str) -> str:
        from milestones.nightly import extract_batch

        return extract_batch(batch)

    @task(pool=WRITER_POOL, trigger_rule="none_failed")
    def quality_gate(outputs: list[str]) -> dict[str, str]:
        from milestones.quality import gate_extraction

        return gate_extraction(list(outputs or []))

    @task(pool=WRITER_POOL, outlets=[REGISTER], trigger_rule="none_failed")
    def load_register(planned: dict, outputs: list[str], failed: dict[str, str], *, outlet_events) -> dict:
        from airflow.sdk.exceptions import AirflowFailException
        from milestones.nightly import load

        summary = load(planned["manifest"], list(outputs or []), failed or {}).to_dict()
        if failed:
            raise AirflowFailException(f"quality gate rejected {len(failed)} batch(es), quarantined (see raw.quarantine)")
        outlet_events[REGISTER].extra = {"logical_date": summary["logical_date"], "run_id": summary["run_id"]}
        return summary

    @task(pool=WRITER_POOL)
    def write_back_dates(pulled: dict, summary: dict) -> dict:
        import datetime as dt

        from airflow.sdk.exceptions import AirflowSkipException
        from milestones.sources.hooks import get_source
        from milestones.sources.sync import write_back

        if not get_current_context()["params"].get("writeback", True):
            raise AirflowSkipException("writeback=false")
        result = write_back(get_source(pulled["source"]), None, dt.date.fromisoformat(summary["logical_date"]),
                            run_id=summary["run_id"])  # fmt: skip
        if result.failed:  # the rest is written; a retry sends only what failed (payload hashes)
            raise RuntimeError(f"write-back failed for {result.failed} contract(s): " + " | ".join(result.failures[:5]))
        return result.to_dict()

    pulled = pull_source()
    planned = plan_ingest(pulled)
    outputs = extract.expand(batch=batches(planned))
    summary = load_register(planned, outputs, quality_gate(outputs))
    write_back_dates(pulled, summary)


clm_sync()
