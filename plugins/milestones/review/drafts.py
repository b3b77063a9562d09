"""Status update drafts in the review app: /api/v1/status-drafts (generate, list, read, discard) and the pages
/status-drafts. Viewers read; reviewers generate and discard. A draft is text for a person to review and send
from their own mail client — nothing here (or anywhere in the pipeline) sends it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from .. import status_drafts as sd
from .auth import Principal
from .deps import now_utc, require, root, store_of
from .errors import HttpError
from .ui import _page

__all__ = ["api_router", "ui_router", "DraftRequest"]

api_router = APIRouter(prefix="/api/v1", tags=["status drafts"])
ui_router = APIRouter(include_in_schema=False)

Viewer = Annotated[Principal, Depends(require("viewer"))]
Reviewer = Annotated[Principal, Depends(require("reviewer"))]


class DraftRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    counterparty: str = Field(min_length=1, max_length=300, description="counterparty name or counterparty_id")
    horizon_days: int = Field(sd.DEFAULT_HORIZON_DAYS, ge=1, le=365,
                              description="'upcoming' = open and due within this many days of the register's date")  # fmt: skip


def _json(content: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(jsonable_encoder(content), status_code=status)


def _generate(request: Request, counterparty: str, horizon_days: int, actor: str) -> dict[str, Any]:
    store = store_of(request)
    try:
        with store.reader() as (con, snap):
            draft = sd.compose_draft(con, counterparty, horizon_days=horizon_days)
        with store.writer() as con:
            return sd.save_draft(con, draft, actor, now_utc(), snap.source)
    except sd.DraftNotFound as exc:
        raise HttpError(404, str(exc)) from None


def _get(request: Request, draft_id: str) -> dict[str, Any]:
    with store_of(request).reader() as (con, _snap):
        row = sd.get_draft(con, draft_id)
    if row is None:
        raise HttpError(404, f"no status draft {draft_id!r}; list them at /api/v1/status-drafts")
    return row


# -- API ------------------------------------------------------------------------------------------------------


@api_router.post("/status-drafts", status_code=201,
                 summary="Draft (never send) a status e-mail for a counterparty from register facts")  # fmt: skip
def create_draft(request: Request, body: DraftRequest, principal: Reviewer) -> JSONResponse:
    row = _generate(request, body.counterparty, body.horizon_days, principal.name)
    return _json(row | {"sent": False}, status=201)


@api_router.get("/status-drafts", summary="Stored status drafts, newest first (text not included)")
def drafts(request: Request, principal: Viewer, counterparty: str | None = None, include_discarded: bool = False,
           limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> JSONResponse:  # fmt: skip
    with store_of(request).reader() as (con, _snap):
        items = sd.list_drafts(con, counterparty, include_discarded=include_discarded, limit=limit)
    return _json({"items": items})


@api_router.get("/status-drafts/{draft_id}", summary="One status draft: subject, text and the facts behind it")
def draft(request: Request, draft_id: str, principal: Viewer) -> JSONResponse:
    return _json(_get(request, draft_id))


@api_router.post("/status-drafts/{draft_id}/discard", summary="Discard a draft (kept for the record)")
def discard(request: Request, draft_id: str, principal: Reviewer) -> JSONResponse:
    try:
        with store_of(request).writer() as con:
            return _json(sd.discard_draft(con, draft_id, principal.name, now_utc()))
    except sd.DraftNotFound as exc:
        raise HttpError(404, str(exc)) from None


@api_router.get("/counterparties", summary="Counterparties with obligations, with late and open counts")
def counterparties(request: Request, principal: Viewer) -> JSONResponse:
    with store_of(request).reader() as (con, _snap):
        return _json({"items": sd.get_counterparties(con)})


# -- pages ----------------------------------------------------------------------------------------------------


@ui_router.get("/status-drafts", response_class=HTMLResponse)
def drafts_page(request: Request, principal: Viewer) -> HTMLResponse:
    with store_of(request).reader() as (con, snap):
        try:
            parties = sd.get_counterparties(con)
        except sd.DraftError:
            parties = []
        items = sd.list_drafts(con, include_discarded=True)
    return _page(request, "status_drafts.html", {"parties": parties, "items": items, "snap": snap,
                                                 "horizon": sd.DEFAULT_HORIZON_DAYS})  # fmt: skip


@ui_router.post("/status-drafts")
async def drafts_submit(request: Request, principal: Reviewer) -> Response:
    form = await request.form()
    counterparty = str(form.get("counterparty") or "").strip()
    try:
        horizon = int(str(form.get("horizon_days") or sd.DEFAULT_HORIZON_DAYS))
    except ValueError:
        raise HttpError(422, "horizon_days must be a whole number of days") from None
    if not counterparty:
        raise HttpError(422, "choose a counterparty")
    row = await run_in_threadpool(_generate, request, counterparty, horizon, principal.name)
    return RedirectResponse(f"{root(request)}/status-drafts/{row['draft_id']}", status_code=303)


@ui_router.get("/status-drafts/{draft_id}", response_class=HTMLResponse)
def draft_page(request: Request, draft_id: str, principal: Viewer) -> HTMLResponse:
    return _page(request, "status_draft.html", {"d": _get(request, draft_id)})


@ui_router.post("/status-drafts/{draft_id}/discard")
async def discard_submit(request: Request, draft_id: str, principal: Reviewer) -> Response:
    def write() -> None:
        with store_of(request).writer() as con:
            sd.discard_draft(con, draft_id, principal.name, now_utc())

    try:
        await run_in_threadpool(write)
    except sd.DraftNotFound as exc:
        raise HttpError(404, str(exc)) from None
    return RedirectResponse(f"{root(request)}/status-drafts/{draft_id}", status_code=303)
