"""
### contracts_nightly — contracts in, obligation register out

Reads every contract in the inbox (`MILESTONES_INBOX`, default: the bundled sample portfolio), skips the
ones whose bytes and extractor/model versions are unchanged, extracts key dates and dated obligations in
parallel batches, checks the extraction output with Great Expectations, and merges it into the register
(`raw.*` in the DuckDB warehouse, `MILESTONES_WAREHOUSE`) through the single-writer pool.

Writes: `raw.contracts`, `raw.documents`, `raw.key_dates`, `raw.milestones`, `raw.evidence`,
`raw.quarantine`, `raw.audit_log`, `raw.extraction_runs`; work files in `data/runs/nightly__<date>/`.
The load step also scans completion evidence (`<inbox>/evidence/<contract_id>/…` and review-app uploads) into
`raw.evidence_documents` and `raw.obligation_evidence` (milestones.evidence).
Emits the `obligation_register` asset, which triggers `register_models`. Idempotent per logical date.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, Param, dag, get_current_context, task
from milestones.dagutils import DEFAULT_ARGS, REGISTER_ASSET, WRITER_POOL

REGISTER = Asset(REGISTER_ASSET)


@dag(
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["contract-milestones", "extraction", "register"],
    params={
        "reprocess": Param(False, type="boolean",
                           description="re-extract every contract even if its bytes and versions are unchanged"),
    },
    doc_md=__doc__,
)
def contracts_nightly():
    @task(pool=WRITER_POOL)
    def plan_ingest() -> dict:
        from milestones.dagutils import as_of_from_context
        from milestones.nightly import plan

        context = get_current_context()
        result = plan(as_of_from_context(context), reprocess=bool(context["params"].get("reprocess")))
        return {"manifest": result.manifest, "batches": result.batches}

    @task
    def batches(planned: dict) -> list[str]:
        return planned["batches"]

    @task(max_active_tis_per_dag=2)
    def extract(batch: str) -> str:
        from milestones.nightly import extract_batch

        return extract_batch(batch)

    # none_failed: with nothing new to extract the mapped task is skipped, yet the run must still load
    # (run record, deletions, quarantine) and emit the asset so the marts move to the new date.
    @task(pool=WRITER_POOL, trigger_rule="none_failed")
    def quality_gate(outputs: list[str]) -> dict[str, str]:
        from milestones.quality import gate_extraction

        return gate_extraction(list(outputs or []))

    @task(pool=WRITER_POOL, outlets=[REGISTER], trigger_rule="none_failed")
    def load_register(planned: dict, outputs: list[str], failed: dict[str, str], *, outlet_events) -> dict:
        from airflow.sdk.exceptions import AirflowFailException
        from milestones.nightly import load

        summary = load(planned["manifest"], list(outputs or []), failed or {}).to_dict()
        if failed:  # good batches are loaded; the run fails so nothing downstream publishes or alerts
            raise AirflowFailException(
                f"quality gate rejected {len(failed)} batch(es), quarantined (see raw.quarantine): "
                + " | ".join(sorted(failed.values()))
            )
        outlet_events[REGISTER].extra = {"logical_date": summary["logical_date"], "run_id": summary["run_id"]}
        return summary

    planned = plan_ingest()
    outputs = extract.expand(batch=batches(planned))
    load_register(planned, outputs, quality_gate(outputs))


contracts_nightly()
