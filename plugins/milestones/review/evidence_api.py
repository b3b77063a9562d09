"""Completion evidence API, /api/v1/contracts/{contract_id}/evidence: upload a certificate or report, read statuses.

An upload (reviewer role) is checked before anything is kept: non-empty, within MILESTONES_EVIDENCE_MAX_MB
(default 10), and by its bytes a PDF, DOCX or text file. It is stored write-once under the uploads folder
beside the warehouse (``milestones.evidence.upload_folder``) and the contract's obligations are judged at
once; if the nightly writer holds the warehouse the file stays stored and the next nightly scan judges it (202).
"""

from __future__ import annotations

import os
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.datastructures import UploadFile

from extractors.schema import OBLIGATION_TYPES

from .. import evidence as evd
from .auth import Principal
from .deps import config_of, require, root, store_of
from .errors import HttpError
from .store import WarehouseBusy, latest_logical_date

__all__ = ["router", "ui_router", "max_upload_bytes"]

router = APIRouter(prefix="/api/v1", tags=["evidence"])
ui_router = APIRouter()

Viewer = Annotated[Principal, Depends(require("viewer"))]
Reviewer = Annotated[Principal, Depends(require("reviewer"))]

_KINDS = {"pdf": "application/pdf", "zip": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          "text": "text/plain"}  # fmt: skip


def max_upload_bytes(env: dict[str, str] | None = None) -> int:
    raw = (env if env is not None else os.environ).get("MILESTONES_EVIDENCE_MAX_MB", "10")
    try:
        mb = float(raw)
    except ValueError:
        mb = -1
    if mb <= 0:
        raise HttpError(500, f"MILESTONES_EVIDENCE_MAX_MB={raw!r}: set it to a positive number of MB (default 10)")
    return int(mb * 1024 * 1024)


def _contract_and_targets(request: Request, contract_id: str) -> tuple[bool, set[str]]:
    with store_of(request).reader() as (con, _snap):
        row = con.execute("select status from raw.contracts where contract_id = ?", [contract_id]).fetchone()
        ids = {r[0] for r in con.execute("select milestone_id from raw.milestones where contract_id = ?",
                                         [contract_id]).fetchall()}  # fmt: skip
    return bool(row and row[0] == "active"), ids


async def _accept(request: Request, contract_id: str, principal: Principal) -> tuple[Any, bool, dict[str, Any] | None]:
    """Check, store and judge one uploaded file: (stored path, created, evidence of the contract or None if the
    warehouse is busy). Raises HttpError (4xx) before anything is stored."""
    from extractors.guard import sniff_type

    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "multipart/form-data":
        raise HttpError(415, "send multipart/form-data with a 'file' part (and optionally 'target')")
    limit = max_upload_bytes()
    form = await request.form(max_files=1, max_fields=4)
    upload, raw_target = form.get("file"), form.get("target")
    if not isinstance(upload, UploadFile) or (not upload.filename and upload.size == 0):
        raise HttpError(422, "multipart upload needs a 'file' part (PDF, DOCX or TXT)")
    data = bytearray()
    while chunk := await upload.read(1 << 20):
        data += chunk
        if len(data) > limit:
            raise HttpError(413, f"evidence file larger than {limit / 2**20:g} MB; send a smaller file or raise "
                                 "MILESTONES_EVIDENCE_MAX_MB")  # fmt: skip
    if not data:
        raise HttpError(422, "the uploaded file is empty (0 bytes)")
    kind = sniff_type(bytes(data[:65536]))
    if kind not in _KINDS:
        raise HttpError(415, f"{upload.filename or 'the file'} is not a PDF, DOCX or text file ({kind}); "
                             "save it as PDF and upload again")  # fmt: skip
    target = raw_target.strip() if isinstance(raw_target, str) and raw_target.strip() else None
    active, milestone_ids = await run_in_threadpool(_contract_and_targets, request, contract_id)
    if not active:
        raise HttpError(404, f"no active contract {contract_id!r}")
    if target is not None and target not in milestone_ids and target not in OBLIGATION_TYPES:
        raise HttpError(422, f"target {target!r} is neither a milestone id of {contract_id} nor an obligation type "
                             f"({', '.join(OBLIGATION_TYPES)})")  # fmt: skip
    cfg = config_of(request)
    path, created = await run_in_threadpool(evd.store_upload, cfg.warehouse, contract_id, target,
                                            upload.filename or "evidence", bytes(data))  # fmt: skip

    def judge() -> dict[str, Any]:
        with store_of(request).writer() as con:
            as_of = latest_logical_date(con)
            if as_of is None:
                raise HttpError(409, "the register has no nightly run yet; the file is stored and the first run judges it")
            # both roots: the contract's status also rests on evidence dropped in the folder share
            evd.scan_evidence(con, f"upload__{as_of.isoformat()}", as_of,
                              [(evd.evidence_folder(_inbox()), "folder"), (evd.upload_folder(cfg.warehouse), "upload")],
                              contract_ids={contract_id}, uploaded_by={str(path): principal.name})  # fmt: skip
            return evd.contract_evidence(con, contract_id)

    try:
        return path, created, await run_in_threadpool(judge)
    except WarehouseBusy:
        return path, created, None


@router.post(
    "/contracts/{contract_id}/evidence",
    status_code=201,
    summary="Attach completion evidence (certificate of insurance, audit report, report) to a contract's obligations",
    responses={202: {"description": "stored; the warehouse is busy, the next nightly run judges it"},
               404: {"description": "no such active contract"}, 413: {"description": "file too large"},
               415: {"description": "not a PDF, DOCX or text file"},
               422: {"description": "missing/empty file or unknown target"}},  # fmt: skip
    openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary"},
                       "target": {"type": "string", "description": "milestone id or obligation type (insurance, "
                                  "audit, reporting…); omitted: from the document's kind"}}}}}}},  # fmt: skip
)
async def upload_evidence(request: Request, contract_id: str, principal: Reviewer) -> JSONResponse:
    path, created, found = await _accept(request, contract_id, principal)
    if found is None:
        return JSONResponse(jsonable_encoder({"contract_id": contract_id, "stored": path.name, "created": created,
                                              "judged": False, "note": "warehouse busy; the next nightly run judges it"}),
                            status_code=202)  # fmt: skip
    payload = {"contract_id": contract_id, "stored": path.name, "created": created, "judged": True} | found
    return JSONResponse(jsonable_encoder(payload), status_code=201 if created else 200)


@ui_router.post("/contracts/{contract_id}/evidence", include_in_schema=False)
async def upload_evidence_form(request: Request, contract_id: str, principal: Reviewer) -> RedirectResponse:
    """The contract page's upload form (reviewers; CSRF token in the form): back to the card with the outcome."""
    path, _created, found = await _accept(request, contract_id, principal)
    target = (await request.form()).get("target")
    done = f"evidence {path.name.split('-', 1)[-1]} attached" + ("" if found is not None else " (judged tonight)")
    query = urlencode({"m": target, "done": done} if isinstance(target, str) and target else {"done": done})
    anchor = f"#m-{target}" if isinstance(target, str) and target else ""
    return RedirectResponse(f"{root(request)}/contracts/{quote(contract_id)}?{query}{anchor}", status_code=303)


def _inbox() -> str:
    from ..paths import get_paths

    return str(get_paths().inbox)


@router.get("/contracts/{contract_id}/evidence", summary="Evidence status of a contract's obligations and its documents")
def get_evidence(request: Request, contract_id: str, principal: Viewer) -> JSONResponse:
    with store_of(request).reader() as (con, _snap):
        found = evd.contract_evidence(con, contract_id)
    return JSONResponse(jsonable_encoder({"contract_id": contract_id} | found))
