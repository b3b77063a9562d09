"""What a clm_sync run does, decided from its params, conf and triggering asset events (kept out of the DAG
file so it stays wiring, and light to import: the DAG parses this module)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CLM_EVENT_ASSET", "SOURCES", "PullRequest", "resolve_request", "clm_run_id"]

CLM_EVENT_ASSET = "clm_contract_executed"  # webhooks in "asset" mode emit events on it; clm_sync is scheduled on it
SOURCES = ("ironclad", "docusign_clm")


@dataclass(frozen=True)
class PullRequest:
    source: str
    mode: str  # incremental | backlog | record
    record_ids: tuple[str, ...] = ()
    workflow_ids: tuple[str, ...] = ()
    events: tuple[str, ...] = field(default_factory=tuple)  # the event ids that asked for this run


def _events_extra(asset_events: Mapping[Any, Iterable[Any]] | None) -> list[dict[str, Any]]:
    out = []
    for events in (asset_events or {}).values():
        for ev in events:
            extra = getattr(ev, "extra", None) or (ev.get("extra") if isinstance(ev, dict) else None) or {}
            if extra.get("source"):
                out.append(dict(extra))
    return out


def resolve_request(
    params: Mapping[str, Any] | None,
    conf: Mapping[str, Any] | None,
    asset_events: Mapping[Any, Iterable[Any]] | None = None,
    env: Mapping[str, str] | None = None,
) -> PullRequest:
    """conf (a webhook's DAG run, or a manual trigger) wins over params; asset events (webhooks in asset mode)
    name records; with nothing named, the run pulls incrementally from MILESTONES_CLM_SOURCE (default ironclad)."""
    from extractors.errors import MilestonesError

    env = os.environ if env is None else env
    merged: dict[str, Any] = {k: v for k, v in dict(params or {}).items() if v not in (None, "")}
    merged.update({k: v for k, v in dict(conf or {}).items() if v not in (None, "")})
    requests_ = [merged] if merged.get("record_id") or merged.get("workflow_id") else []
    requests_ += _events_extra(asset_events)
    source = str(merged.get("source") or (requests_[0]["source"] if requests_ else "") or
                 env.get("MILESTONES_CLM_SOURCE") or "ironclad")  # fmt: skip
    if source not in SOURCES:
        raise MilestonesError(f"source {source!r}: use one of {', '.join(SOURCES)} (param 'source' or "
                              "MILESTONES_CLM_SOURCE)")  # fmt: skip
    mine = [r for r in requests_ if r.get("source", source) == source]
    records = tuple(dict.fromkeys(str(r["record_id"]) for r in mine if r.get("record_id")))
    workflows = tuple(dict.fromkeys(str(r["workflow_id"]) for r in mine if r.get("workflow_id") and not r.get("record_id")))
    events = tuple(str(r["event_id"]) for r in mine if r.get("event_id"))
    mode = str(merged.get("mode") or ("record" if records or workflows else "incremental"))
    if mode not in ("incremental", "backlog", "record"):
        raise MilestonesError(f"mode {mode!r}: use incremental, backlog or record")
    if mode == "record" and not (records or workflows):
        raise MilestonesError("mode 'record' needs conf record_id (or a workflow_id from an Ironclad webhook)")
    return PullRequest(source, mode, records, workflows, events)


def clm_run_id(source: str, airflow_run_id: str) -> str:
    """The register's run id (and work folder) for a clm_sync run: one per Airflow run, never the nightly's."""
    return f"clm_{source}__" + re.sub(r"[^A-Za-z0-9_.-]+", "-", airflow_run_id).strip("-")[:120]
