"""
### dashboards_refresh — the leadership dashboards follow each published warehouse

Triggered by the `published_warehouse` asset (each successful `register_models` run). Checks the published
copy has every mart the dashboards read, then re-provisions Apache Superset from the committed bundle
(`plugins/dashboards/bundle/`, imported with overwrite): the charts query the new copy from the next page view
on. Superset runs from its own virtualenv (`make dashboards-install`); where it is not installed the task is
skipped with that instruction, so a pipeline without dashboards keeps running.

Reads: the published warehouse (read-only). Writes: Superset's metadata DB in `data/dashboards/`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, get_current_context, task
from milestones.dagutils import DEFAULT_ARGS, PUBLISHED_ASSET

PUBLISHED = Asset(PUBLISHED_ASSET)


@dag(
    schedule=[PUBLISHED],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["contract-milestones", "dashboards", "bi"],
    doc_md=__doc__,
)
def dashboards_refresh():
    @task
    def refresh_dashboards() -> dict:
        from pathlib import Path

        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException
        from milestones.dashboards import (
            DASHBOARDS,
            DashboardSettings,
            DashboardsNotInstalled,
            build_dashboards,
            check_published,
        )
        from milestones.paths import get_paths

        from extractors.errors import MilestonesError

        context = get_current_context()
        published = get_paths().published
        for events in (context.get("triggering_asset_events") or {}).values():
            for event in events:
                if (getattr(event, "extra", None) or {}).get("path"):
                    published = Path(event.extra["path"])
        try:
            settings = DashboardSettings.from_env()
            settings.require_installed()
            check_published(published)
        except DashboardsNotInstalled as exc:
            raise AirflowSkipException(str(exc)) from exc
        except MilestonesError as exc:  # bad settings or a copy without the marts: a retry will not help
            raise AirflowFailException(str(exc)) from exc
        first = build_dashboards(
            published, settings
        )  # a failed import (e.g. a locked metadata DB) is retried
        return {"published": str(published), "first": first,
                "urls": {slug: settings.dashboard_url(slug) for slug in DASHBOARDS}}  # fmt: skip

    refresh_dashboards()


dashboards_refresh()
