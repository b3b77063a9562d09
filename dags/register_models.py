"""
### register_models — marts from the register, checked, then published

Runs for one reference date (`as_of`): after each successful `contracts_nightly` load (the
`obligation_register` asset) **or** daily at 06:00 UTC (so overdue flags and deadline buckets move with the
calendar even on nights with nothing new) — an `AssetOrTimeSchedule`. The time part also gives every run a
logical date, which is what makes `airflow backfill create --dag-id register_models --from-date … --to-date …`
create exactly one run per date (asset events alone may be coalesced into fewer runs).

1. `resolve_as_of` — conf `as_of` > logical date > triggering asset event; records the run in raw.model_runs.
2. `quality_gate_register` — Great Expectations on the register (audit coverage, last load not gate-failed,
   no mass soft-delete, plausible values); critical → quarantined, nothing published.
3. `dbt` — astronomer-cosmos task group: every model, seed and snapshot as its own task with `--vars as_of`,
   then one `dbt test` task (data tests incl. relationships and source tests, unit tests).
4. `quality_gate_marts` — GX on every mart (plausibility, all marts built for this `as_of`).
5. `publish` — atomic DuckDB 1.5-format copy to `data/published/warehouse.duckdb` and the marts as Parquet
   under `data/published/history/as_of=<date>/`; emits `published_warehouse` (→ `obligation_fanout`).
6. `dbt_docs` — `dbt docs generate --static` into `data/dbt_docs/` (the catalog).

Reads: `raw.*`. Writes: `staging.*`, `intermediate.*`, `marts.*`, `snapshots.*`, `reference.*`,
`raw.model_runs`, `raw.quality_results`, `raw.quarantine`, the published copy, GX Data Docs in
`data/gx/data_docs/`, the dbt catalog. Every task that opens the warehouse runs in the one-slot
`duckdb_writer` pool; one run at a time (`max_active_runs=1`; backfills with `--max-active-runs 1`).
"""

from __future__ import annotations

from pathlib import Path

import pendulum
from airflow.sdk import Asset, AssetOrTimeSchedule, CronTriggerTimetable, dag, get_current_context, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior
from milestones.dagutils import DEFAULT_ARGS, PUBLISHED_ASSET, REGISTER_ASSET, WRITER_POOL

DBT_DIR = Path(__file__).resolve().parent.parent / "dbt"
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
    @task(pool=WRITER_POOL)
    def resolve_as_of() -> str:
        from milestones.dagutils import as_of_from_context
        from milestones.publish import begin_model_run

        context = get_current_context()
        as_of = as_of_from_context(context)
        run_type = getattr(context["dag_run"], "run_type", None)
        begin_model_run(None, context["run_id"], as_of, str(getattr(run_type, "value", run_type) or "") or None)
        return as_of.isoformat()

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
        project_config=ProjectConfig(DBT_DIR),
        profile_config=ProfileConfig(
            profile_name="milestones", target_name="dev", profiles_yml_filepath=DBT_DIR / "profiles.yml"
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,
        ),
        # every test (relationships and source tests span several nodes; unit tests) runs in one final task
        render_config=RenderConfig(load_method=LoadMode.CUSTOM, test_behavior=TestBehavior.AFTER_ALL),
        operator_args={
            "pool": WRITER_POOL,
            "vars": {"as_of": "{{ ti.xcom_pull(task_ids='resolve_as_of') }}"},
            "install_deps": False,
        },
    )

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

        from airflow.sdk.exceptions import AirflowFailException
        from milestones.publish import PublishConflict, publish_warehouse

        try:
            path = publish_warehouse(as_of=dt.date.fromisoformat(as_of), run_id=get_current_context()["run_id"])
        except PublishConflict as exc:
            raise AirflowFailException(str(exc)) from exc
        outlet_events[PUBLISHED].extra = {"logical_date": as_of, "path": str(path)}
        return str(path)

    @task(pool=WRITER_POOL)
    def dbt_docs(as_of: str) -> str:
        from milestones.dbt_docs import generate_docs

        return str(generate_docs(as_of=as_of))

    as_of = resolve_as_of()
    published = publish(as_of)
    as_of >> quality_gate_register(as_of) >> dbt >> quality_gate_marts(as_of) >> published >> dbt_docs(as_of)


register_models()
