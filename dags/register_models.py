"""
### register_models — marts from the register, checked, then published

Runs for one reference date (`as_of`): after each successful `contracts_nightly` load (the
`obligation_register` asset) **or** daily at 06:00 UTC (so overdue flags and deadline buckets move with the
calendar even on nights with nothing new) — an `AssetOrTimeSchedule`. The time part also gives every run a
logical date, which is what makes `airflow backfill create --dag-id register_models --from-date … --to-date …`
create exactly one run per date (asset events alone may be coalesced into fewer runs).

1. `resolve_as_of` — conf `as_of` > logical date > triggering asset event; records the run in raw.model_runs.
   `wait_for_turn` then holds the run (a rescheduling sensor) until earlier register_models runs — scheduled,
   asset-triggered or backfill — have finished: their dbt tasks must not interleave in the writer pool.
2. `quality_gate_register` — Great Expectations on the register (audit coverage, last load not gate-failed,
   no mass soft-delete, plausible values); critical → quarantined, nothing published.
3. `dbt` — astronomer-cosmos task group: every model, seed and snapshot as its own task with `--vars as_of`,
   then one `dbt test` task (data tests incl. relationships and source tests, unit tests). Rendered from the
   `dbt parse` manifest (`milestones.dbt_manifest`) while it is fresh, else from cosmos's own project parser.
   Inside it, `score_late_risk` runs after `fct_obligations` and before `mart_at_risk`: the late-risk model
   (milestones.risk), fitted on `raw.obligation_history` as known on `as_of`, scores the open occurrences into
   `raw.obligation_risk`, which `mart_at_risk` shows (score, reasons, `high_late_risk`).
4. `quality_gate_marts` — GX on every mart (plausibility, all marts built for this `as_of`).
5. `publish` — the marts as Parquet under `data/published/history/as_of=<date>/`, and an atomic DuckDB
   1.5-format copy to `data/published/warehouse.duckdb`, emitting `published_warehouse` (→ `obligation_fanout`).
   The live copy only moves forward: for a date older than the one it shows (a backfill) only the history
   folder is written and the task ends `skipped` — no event, so no alerts computed for a past date.
6. `dbt_docs` — `dbt docs generate --static` into `data/dbt_docs/` (the catalog); `finish_run` (teardown)
   marks a run that did not publish as failed, which frees the turn.

Reads: `raw.*`. Writes: `staging.*`, `intermediate.*`, `marts.*`, `snapshots.*`, `reference.*`,
`raw.model_runs`, `raw.quality_results`, `raw.quarantine`, `raw.obligation_risk`, the published copy, GX Data
Docs in `data/gx/data_docs/`, the dbt catalog. Every task that opens the warehouse runs in the one-slot
`duckdb_writer` pool; one run at a time (`max_active_runs=1`; backfills with `--max-active-runs 1`).
"""

from __future__ import annotations

from pathlib import Path

import pendulum
from airflow.sdk import (
    Asset,
    AssetOrTimeSchedule,
    CronTriggerTimetable,
    dag,
    get_current_context,
    setup,
    task,
    teardown,
)
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior
from milestones.dagutils import DEFAULT_ARGS, PUBLISHED_ASSET, REGISTER_ASSET, WRITER_POOL
from milestones.dbt_manifest import fresh_manifest
from milestones.paths import get_paths

DBT_DIR = Path(__file__).resolve().parent.parent / "dbt"
# `dbt parse` output, built by make / milestones.demo.prepare; None when missing or older than the project
MANIFEST = fresh_manifest(DBT_DIR)
PROJECT_CONFIG = ProjectConfig(DBT_DIR, manifest_path=MANIFEST)
if MANIFEST:  # cosmos wraps it in an ObjectStoragePath, whose first open() loads every Airflow plugin (~0.3 s)
    PROJECT_CONFIG.manifest_path = MANIFEST
REGISTER = Asset(REGISTER_ASSET)
PUBLISHED = Asset(PUBLISHED_ASSET)


@dag(
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 6 * * *", timezone="UTC"),
        assets=[REGISTER],
    ),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["contract-milestones", "dbt", "quality", "publish"],
    doc_md=__doc__,
)
def register_models():
    @setup
    @task(pool=WRITER_POOL)
    def resolve_as_of() -> str:
        from milestones.dagutils import as_of_from_context
        from milestones.publish import begin_model_run

        context = get_current_context()
        as_of = as_of_from_context(context)
        run_type = getattr(context["dag_run"], "run_type", None)
        begin_model_run(None, context["run_id"], as_of, str(getattr(run_type, "value", run_type) or "") or None)
        return as_of.isoformat()

    # runs take turns (in the order they registered): a backfill next to the nightly run, or two asset events
    # close together, would otherwise interleave their dbt tasks in the pool and mix two dates
    @task.sensor(pool=WRITER_POOL, mode="reschedule", poke_interval=30, timeout=6 * 3600)
    def wait_for_turn() -> bool:
        import logging

        from milestones.publish import runs_ahead

        ahead = runs_ahead(None, get_current_context()["run_id"])
        if ahead:
            logging.getLogger(__name__).info("waiting for register_models run(s) %s to finish", ", ".join(ahead))
        return not ahead

    @task(pool=WRITER_POOL)
    def quality_gate_register(as_of: str) -> list[dict]:
        import datetime as dt

        from airflow.sdk.exceptions import AirflowFailException
        from milestones.quality import QualityGateError, enforce_register_gate

        try:
            return enforce_register_gate(get_current_context()["run_id"], dt.date.fromisoformat(as_of))
        except QualityGateError as exc:  # bad data does not get better on retry
            raise AirflowFailException(str(exc)) from exc

    dbt = DbtTaskGroup(
        group_id="dbt",
        project_config=PROJECT_CONFIG,
        profile_config=ProfileConfig(
            profile_name="milestones", target_name="dev", profiles_yml_filepath=DBT_DIR / "profiles.yml"
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,
        ),
        # every test (relationships and source tests span several nodes; unit tests) runs in one final task
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST if MANIFEST else LoadMode.CUSTOM, test_behavior=TestBehavior.AFTER_ALL
        ),
        operator_args={
            "pool": WRITER_POOL,
            "vars": {"as_of": "{{ ti.xcom_pull(task_ids='resolve_as_of') }}"},
            "install_deps": False,
            # dbt runs in a copy of the project: give it the warehouse the other tasks resolve
            "env": {"MILESTONES_WAREHOUSE": str(get_paths().warehouse)},
            "append_env": True,
        },
    )

    # between fct_obligations and mart_at_risk: mart_at_risk reads the scores of this as_of (issue #9 part 5)
    @task(pool=WRITER_POOL)
    def score_late_risk(as_of: str) -> int:
        import datetime as dt

        from milestones.risk import score_register

        return score_register(get_paths().warehouse, dt.date.fromisoformat(as_of))

    @task(pool=WRITER_POOL)
    def quality_gate_marts(as_of: str) -> list[dict]:
        import datetime as dt

        from airflow.sdk.exceptions import AirflowFailException
        from milestones.quality import QualityGateError, enforce_marts_gate

        try:
            return enforce_marts_gate(get_current_context()["run_id"], as_of=dt.date.fromisoformat(as_of))
        except QualityGateError as exc:
            raise AirflowFailException(str(exc)) from exc

    @task(pool=WRITER_POOL, outlets=[PUBLISHED])
    def publish(as_of: str, *, outlet_events) -> str:
        import datetime as dt

        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException
        from milestones.publish import PublishConflict, publish_run

        try:
            result = publish_run(as_of=dt.date.fromisoformat(as_of), run_id=get_current_context()["run_id"])
        except PublishConflict as exc:
            raise AirflowFailException(str(exc)) from exc
        if not result.live_updated:  # a backfilled past date: history written, no event, the fan-out stays put
            raise AirflowSkipException(f"{as_of} is older than the live copy: wrote {result.history} only")
        outlet_events[PUBLISHED].extra = {"logical_date": as_of, "path": str(result.path)}
        return str(result.path)

    @task(pool=WRITER_POOL)
    def dbt_docs(as_of: str) -> str:
        from milestones.dbt_docs import generate_docs

        return str(generate_docs(as_of=as_of))

    @teardown
    @task(pool=WRITER_POOL)
    def finish_run() -> str:
        from milestones.publish import finish_model_run

        return finish_model_run(None, get_current_context()["run_id"])

    as_of = resolve_as_of()
    published = publish(as_of)
    docs = dbt_docs(as_of)
    chain = as_of >> wait_for_turn() >> quality_gate_register(as_of) >> dbt >> quality_gate_marts(as_of)
    chain >> published >> docs >> finish_run()
    dbt.children["dbt.fct_obligations_run"] >> score_late_risk(as_of) >> dbt.children["dbt.mart_at_risk_run"]
    # the manifest knows the snapshot reads int_obligations_owned; cosmos's own parser (no fresh manifest) does not
    dbt.children["dbt.int_obligations_owned_run"] >> dbt.children["dbt.snap_obligations_snapshot"]
    # cosmos leaves its AFTER_ALL test task beside the models (its only upstream is the group's): it would test
    # tables not built yet and burn its retries; it runs after every model, seed and snapshot
    dbt_test = dbt.children["dbt.dbt_test"]
    [t for t in dbt.children.values() if t is not dbt_test] >> dbt_test


register_models()
