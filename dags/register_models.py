"""
### register_models — marts from the register, checked, then published

Triggered by the `obligation_register` asset (each successful `contracts_nightly` load). Builds the dbt
project in `dbt/` through astronomer-cosmos (one `dbt build` per node: model + its data and unit tests),
as of the run's reference date; validates the marts with Great Expectations; then publishes a read-only
copy of the warehouse atomically to `data/published/warehouse.duckdb` for analysts and BI.

Reads: `raw.*`. Writes: `staging.*`, `intermediate.*`, `marts.*`, `reference.*` in the warehouse, the
published copy, GX Data Docs in `data/gx/`. Emits `published_warehouse`, which triggers `obligation_fanout`.
Every writer runs in the single-slot `duckdb_writer` pool.
"""

from __future__ import annotations

from pathlib import Path

import pendulum
from airflow.sdk import Asset, dag, get_current_context, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior, TestIndirectSelection
from milestones.dagutils import DEFAULT_ARGS, PUBLISHED_ASSET, REGISTER_ASSET, WRITER_POOL

DBT_DIR = Path(__file__).resolve().parent.parent / "dbt"
REGISTER = Asset(REGISTER_ASSET)
PUBLISHED = Asset(PUBLISHED_ASSET)


@dag(
    schedule=[REGISTER],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["contract-milestones", "dbt", "quality", "publish"],
    doc_md=__doc__,
)
def register_models():
    @task
    def resolve_as_of() -> str:
        from milestones.dagutils import as_of_from_context

        return as_of_from_context(get_current_context()).isoformat()

    dbt = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(DBT_DIR),
        profile_config=ProfileConfig(
            profile_name="milestones", target_name="dev", profiles_yml_filepath=DBT_DIR / "profiles.yml"
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,
            test_indirect_selection=TestIndirectSelection.CAUTIOUS,  # a test runs with the last model it needs
        ),
        render_config=RenderConfig(load_method=LoadMode.CUSTOM, test_behavior=TestBehavior.BUILD),
        operator_args={
            "pool": WRITER_POOL,
            "vars": {"as_of": "{{ ti.xcom_pull(task_ids='resolve_as_of') }}"},
            "install_deps": False,
        },
    )

    @task(pool=WRITER_POOL)
    def quality_gate_marts() -> list[dict]:
        from airflow.sdk.exceptions import AirflowFailException
        from milestones.quality import QualityGateError, enforce_marts_gate

        try:
            return enforce_marts_gate(get_current_context()["run_id"])
        except QualityGateError as exc:  # bad data does not get better on retry
            raise AirflowFailException(str(exc)) from exc

    @task(pool=WRITER_POOL, outlets=[PUBLISHED])
    def publish(as_of: str, *, outlet_events) -> str:
        from milestones.publish import publish_warehouse

        path = publish_warehouse()
        outlet_events[PUBLISHED].extra = {"logical_date": as_of, "path": str(path)}
        return str(path)

    as_of = resolve_as_of()
    as_of >> dbt >> quality_gate_marts() >> publish(as_of)


register_models()
