"""Small helpers shared by the DAG files (kept here so the DAG files stay wiring only)."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Any

__all__ = ["WRITER_POOL", "DEFAULT_ARGS", "as_of_from_context", "REGISTER_ASSET", "PUBLISHED_ASSET"]

WRITER_POOL = "duckdb_writer"  # one slot: DuckDB allows one writer process per file
REGISTER_ASSET = "obligation_register"
PUBLISHED_ASSET = "published_warehouse"

DEFAULT_ARGS: dict[str, Any] = {
    "owner": "data-engineering",
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=10),
}


def as_of_from_context(context: Any) -> dt.date:
    """The run's reference date: conf["as_of"], else the logical date, else the triggering asset event's
    logical date (asset-triggered runs have none of their own), else the date the run was created for."""
    dag_run = context.get("dag_run")
    conf = (getattr(dag_run, "conf", None) or {}) if dag_run is not None else {}
    if conf.get("as_of"):
        return dt.date.fromisoformat(str(conf["as_of"]))
    logical = context.get("logical_date")
    if logical is not None:
        return logical.date()
    events = context.get("triggering_asset_events") or {}
    dates = []
    for evs in events.values():
        for ev in evs:
            extra = getattr(ev, "extra", None) or {}
            if extra.get("logical_date"):
                dates.append(dt.date.fromisoformat(extra["logical_date"]))
    if dates:
        return max(dates)
    run_after = getattr(dag_run, "run_after", None)
    if run_after is not None:
        return run_after.date()
    raise ValueError("cannot tell the run's reference date: pass conf {'as_of': 'YYYY-MM-DD'}")
