"""A reviewer marks a milestone done (or reopens it): /api/v1/milestones/{id}/complete and /reopen.

The other way a milestone completes is its task done in Jira/Asana (milestones.fanout.pullback). Either way
the next model build dates the milestones that wait on it (dbt: int_milestone_dependency_dates — completion
date + the dependent's own rule) and the fan-out gives them tasks and calendar events. The completion date is
the reviewer's statement of when it happened, not the clock's; it may not lie in the future.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ..register import audit
from .auth import Principal
from .deps import now_utc, require, store_of
from .errors import HttpError
from .store import has_table, rows

__all__ = ["router", "CompleteRequest", "mark_completed", "reopen", "dependents_of"]

router = APIRouter(prefix="/api/v1", tags=["completion"])
Reviewer = Annotated[Principal, Depends(require("reviewer"))]


class CompleteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    completed_on: dt.date = Field(description="the day it was done (approved, accepted, delivered)")
    comment: str | None = Field(None, max_length=2000)


class ReopenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str | None = Field(None, max_length=2000)


def _load(con: duckdb.DuckDBPyConnection, milestone_id: str) -> dict[str, Any]:
    found = rows(con, "select milestone_id, contract_id, milestone_name, lifecycle_status, completed_at "
                      "from raw.milestones where milestone_id = ?", [milestone_id])  # fmt: skip
    if not found:
        raise HttpError(404, f"no milestone {milestone_id!r}")
    return found[0]


def dependents_of(con: duckdb.DuckDBPyConnection, milestone_id: str) -> list[dict[str, Any]]:
    """Milestones that wait on this one, as resolved by the last model build (empty before the first)."""
    if not has_table(con, "intermediate.int_milestone_dependencies"):
        return []
    return rows(con, "select d.milestone_id, m.milestone_name from intermediate.int_milestone_dependencies d "
                     "join raw.milestones m using (milestone_id) where d.predecessor_milestone_id = ? "
                     "and d.dependency_status = 'resolved' order by 1", [milestone_id])  # fmt: skip


def mark_completed(con: duckdb.DuckDBPyConnection, milestone_id: str, completed_on: dt.date, actor: str,
                   at: dt.datetime, comment: str | None = None) -> dict[str, Any]:  # fmt: skip
    row = _load(con, milestone_id)
    if row["lifecycle_status"] != "open":
        raise HttpError(409, f"milestone {milestone_id} is {row['lifecycle_status']}; only an open one can be completed")
    if completed_on > at.date():
        raise HttpError(422, f"completed_on {completed_on} is in the future")
    done_at = dt.datetime.combine(completed_on, dt.time())
    con.execute("update raw.milestones set lifecycle_status = 'completed', completed_at = ?, updated_at = ? "
                "where milestone_id = ?", [done_at, at, milestone_id])  # fmt: skip
    audit(con, actor, "complete", "milestone", milestone_id, None,
          {"lifecycle_status": "open", "completed_at": None},
          {"lifecycle_status": "completed", "completed_at": done_at, "comment": comment}, at)  # fmt: skip
    return row | {"lifecycle_status": "completed", "completed_at": done_at}


def reopen(con: duckdb.DuckDBPyConnection, milestone_id: str, actor: str, at: dt.datetime,
           comment: str | None = None) -> dict[str, Any]:  # fmt: skip
    row = _load(con, milestone_id)
    if row["lifecycle_status"] != "completed":
        raise HttpError(409, f"milestone {milestone_id} is {row['lifecycle_status']}, not completed")
    con.execute("update raw.milestones set lifecycle_status = 'open', completed_at = null, updated_at = ? "
                "where milestone_id = ?", [at, milestone_id])  # fmt: skip
    audit(con, actor, "reopen", "milestone", milestone_id, None,
          {"lifecycle_status": "completed", "completed_at": row["completed_at"]},
          {"lifecycle_status": "open", "completed_at": None, "comment": comment}, at)  # fmt: skip
    return row | {"lifecycle_status": "open", "completed_at": None}


@router.post("/milestones/{milestone_id}/complete",
             summary="Mark a milestone done; the milestones waiting on it are dated at the next model build")  # fmt: skip
def complete(request: Request, milestone_id: str, body: CompleteRequest, principal: Reviewer) -> JSONResponse:
    with store_of(request).writer() as con:
        row = mark_completed(con, milestone_id, body.completed_on, principal.name, now_utc(), body.comment)
        waiting = dependents_of(con, milestone_id)
    return JSONResponse(jsonable_encoder(row | {"dependents": waiting}))


@router.post("/milestones/{milestone_id}/reopen", summary="Undo a completion (its dependents lose the date it gave)")
def reopen_milestone(request: Request, milestone_id: str, body: ReopenRequest, principal: Reviewer) -> JSONResponse:
    with store_of(request).writer() as con:
        return JSONResponse(jsonable_encoder(reopen(con, milestone_id, principal.name, now_utc(), body.comment)))
