"""Integration API, /api/v1 (OpenAPI at /api/v1/openapi.json): extraction for CLMs, queue, decisions, feeds.

Reference date of `extract-milestones`: the request's `as_of` if given, else the register's latest logical
date (the date the nightly run computed deadlines for) — never the server's clock, so the same request
gives the same answer tomorrow. With an empty register and no `as_of`, the call is refused (422).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.datastructures import UploadFile

from extractors.errors import DocumentError
from extractors.schema import OBLIGATION_TYPES

from . import decisions as dec
from . import queries as q
from . import settings as st
from .auth import Principal
from .calendar import empty_feed, owner_feed
from .deps import config_of, now_utc, require, store_of
from .documents import get_source_text
from .errors import HttpError
from .store import Snapshot, latest_logical_date

__all__ = ["router", "ExtractRequest", "ExtractResponse", "MilestoneOut"]

router = APIRouter(prefix="/api/v1", tags=["api"])

Viewer = Annotated[Principal, Depends(require("viewer"))]
Reviewer = Annotated[Principal, Depends(require("reviewer"))]
Admin = Annotated[Principal, Depends(require("admin"))]


def _clean_id(value: str) -> str:
    value = value.strip()
    if not value or any(ord(c) < 32 for c in value):
        raise ValueError("contract_id must be non-empty text without control characters")
    return value


# -- models (the OpenAPI document is generated from these) ----------------------------------------------------


class ExtractRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contract_id: str = Field(min_length=1, max_length=200, description="Your id for the contract (CLM record id).")
    source_text: str = Field(description="The contract's full text; form feeds (\\f) separate pages.")
    as_of: dt.date | None = Field(None, description="Reference date for next deadlines (YYYY-MM-DD); default: "
                                  "the register's latest logical date.")  # fmt: skip

    _id = field_validator("contract_id")(_clean_id)

    @field_validator("source_text")
    @classmethod
    def _not_empty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("source_text is empty; send the contract's text (or upload the file as multipart 'file')")
        return v


class DueRuleOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    kind: str
    amount: int | None = None
    unit: str | None = None
    direction: str | None = None
    anchor: str | None = None
    frequency: str | None = None
    date: dt.date | None = None


class SpanOut(BaseModel):
    start: int
    end: int
    page: int | None = None


class MilestoneOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    milestone_name: str
    deliverable: str | None
    due_date: dt.date | None
    responsible_party: str | None
    condition: str | None
    clause_reference: str | None
    obligation_type: str
    due_rule: DueRuleOut
    recurrence: str | None = None
    confidence: float
    needs_review: bool = Field(description="confidence is below the review threshold")
    review_status: Literal["pending", "not_required"] = Field(
        description="what the register would do: 'pending' (low confidence or an always-review type) or "
        "'not_required'")
    source_text: str = Field(description="the evidence sentence")
    source_span: SpanOut
    amount: str | None = None
    currency: str | None = None
    percentage: str | None = None
    depends_on: str | None = None


class ExtractResponse(BaseModel):
    contract_id: str
    source_text: str
    extracted_milestones: list[MilestoneOut]
    as_of: dt.date
    as_of_source: Literal["request", "register"]
    key_dates: dict[str, Any]
    parties: list[Any] = []
    warnings: list[str] = []
    extractor_version: str | None = None
    model_version: str | None = None


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "edit", "reject", "keep_human", "accept_machine"]
    fields: dict[str, str | int | None] | None = Field(
        None, description=f"for 'edit': new values of any of {', '.join(dec.REVIEW_FIELDS)}")
    comment: str | None = Field(None, max_length=2000)
    expected_updated_at: dt.datetime | None = Field(
        None, description="the milestone's updated_at when you read it; a newer row gives 409 instead of "
        "overwriting someone else's change")


class AddMilestoneRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    span_start: int = Field(ge=0, description="offset of the evidence in the contract's full text")
    span_end: int = Field(gt=0)
    selected_text: str | None = Field(None, max_length=5000, description="the selected text, checked against "
                                      "the document at those offsets")  # fmt: skip
    fields: dict[str, str | int | None] = Field(description="obligation_type (required), milestone_name, "
                                                "due_date, responsible_party, deliverable, condition, …")  # fmt: skip
    comment: str | None = Field(None, max_length=2000)


class SettingsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    review_threshold: float | None = Field(None, ge=0, le=1)
    always_review_types: list[str] | None = None
    due_soon_days: int | None = Field(None, ge=1, le=3650)


class OwnerRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contract_id: str | None = None
    counterparty: str | None = None
    obligation_type: str | None = None
    owner: str
    owner_kind: str | None = None
    owner_email: str | None = None
    owner_channel: str | None = None
    manager: str | None = None
    manager_email: str | None = None
    jira_project: str | None = None
    asana_project: str | None = None
    is_active: bool = True


def _snapshot(s: Snapshot) -> dict[str, Any]:
    return {"source": s.source, "published_at": s.published_at, "note": s.fallback_reason}


def _json(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(jsonable_encoder(content), status_code=status, headers=headers)


# -- extraction ---------------------------------------------------------------------------------------------

_MULTIPART_SCHEMA = {
    "type": "object",
    "required": ["contract_id", "file"],
    "properties": {
        "contract_id": {"type": "string"},
        "as_of": {"type": "string", "format": "date"},
        "file": {"type": "string", "format": "binary", "description": "PDF, DOCX or TXT"},
    },
}


def _run_extraction(
    contract_id: str, text: str | None, upload: Path | None, as_of: dt.date, settings: st.ReviewSettings
) -> dict[str, Any]:
    from extractors.pipeline import extract_document
    from extractors.text import document_from_text

    if upload is not None:
        from extractors.guard import load_document_guarded

        from ..nightly import doc_limits

        timeout_s, memory_mb = doc_limits()
        doc = load_document_guarded(upload, timeout_s=timeout_s, max_memory_mb=memory_mb)
        doc = dataclasses.replace(doc, doc_id=contract_id, source="<upload>")
    else:
        doc = document_from_text(text or "", contract_id, source="<api>")
    result = extract_document(doc, as_of, settings.review_threshold).to_dict()
    for m in result["extracted_milestones"]:
        always = m["obligation_type"] in settings.always_review_types
        m["review_status"] = "pending" if (m["needs_review"] or always) else "not_required"
    result["source_text"] = doc.text
    return result


@router.post(
    "/extract-milestones",
    response_model=ExtractResponse,
    summary="Extract dated obligations from a contract's text (JSON) or file (multipart)",
    responses={413: {"description": "body or text too large"}, 415: {"description": "unsupported content type"},
               422: {"description": "invalid input (empty text, wrong types, unreadable file)"}},  # fmt: skip
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": ExtractRequest.model_json_schema()},
        "multipart/form-data": {"schema": _MULTIPART_SCHEMA},
    }}},  # fmt: skip
)
async def extract_milestones(request: Request, principal: Viewer) -> JSONResponse:
    cfg = config_of(request)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    upload_path: Path | None = None
    text: str | None = None
    if ctype == "application/json":
        body = await request.body()
        try:
            req = ExtractRequest.model_validate_json(body)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False)) from None
        contract_id, text, as_of = req.contract_id, req.source_text, req.as_of
        if len(text) > cfg.max_text_chars:
            raise HttpError(413, f"source_text has {len(text):,} characters (limit {cfg.max_text_chars:,}); split "
                                 "the contract or raise MILESTONES_API_MAX_TEXT_CHARS")
    elif ctype == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=5)
        raw_id, raw_as_of, upload = form.get("contract_id"), form.get("as_of"), form.get("file")
        if not isinstance(raw_id, str):
            raise HttpError(422, "multipart upload needs a 'contract_id' text field")
        try:
            contract_id = _clean_id(raw_id)
        except ValueError as exc:
            raise HttpError(422, str(exc)) from None
        if len(contract_id) > 200:
            raise HttpError(422, "contract_id is longer than 200 characters")
        if not isinstance(upload, UploadFile):
            raise HttpError(422, "multipart upload needs a 'file' part (PDF, DOCX or TXT)")
        try:
            as_of = dt.date.fromisoformat(raw_as_of) if isinstance(raw_as_of, str) and raw_as_of else None
        except ValueError:
            raise HttpError(422, f"as_of {raw_as_of!r} is not a date; write YYYY-MM-DD") from None
        suffix = Path(upload.filename or "upload").suffix.lower()[:8]
        with tempfile.NamedTemporaryFile(prefix="milestones-upload-", suffix=suffix, delete=False) as fh:
            while chunk := await upload.read(1 << 20):
                fh.write(chunk)
            upload_path = Path(fh.name)
        if upload_path.stat().st_size == 0:
            upload_path.unlink(missing_ok=True)
            raise HttpError(422, "the uploaded file is empty (0 bytes); upload the signed contract")
    else:
        raise HttpError(415, "send application/json {\"contract_id\", \"source_text\"} or multipart/form-data "
                             "with contract_id and file")
    store = store_of(request)
    as_of_source = "request"
    settings = st.DEFAULTS
    try:
        with store.reader() as (con, _snap):
            settings = st.get_review_settings(con)
            if as_of is None:
                as_of, as_of_source = latest_logical_date(con), "register"
    except Exception as exc:  # no register reachable: settings defaults; as_of must then come with the request
        if as_of is None:
            raise HttpError(422, f"as_of is required: the register's latest logical date is unavailable ({exc})") from None
    if as_of is None:
        raise HttpError(422, "as_of is required: the register has no nightly run yet to take the date from")
    try:
        result = await run_in_threadpool(_run_extraction, contract_id, text, upload_path, as_of, settings)
    except DocumentError as exc:
        raise HttpError(422, f"the file cannot be read ({exc.reason}): {exc}") from None
    finally:
        if upload_path is not None:
            upload_path.unlink(missing_ok=True)
    after = {"milestones": len(result["extracted_milestones"]), "content_hash": result.get("content_hash"),
             "as_of": as_of.isoformat(), "extractor_version": result.get("extractor_version"),
             "model_version": result.get("model_version"), "via": "upload" if upload_path else "text",
             "pending_review": sum(m["review_status"] == "pending" for m in result["extracted_milestones"])}  # fmt: skip
    how = await run_in_threadpool(store.audit_or_spool, principal.name, "suggest", "api_extraction", contract_id,
                                  after, now_utc())  # fmt: skip
    payload = {
        "contract_id": contract_id, "source_text": result["source_text"],
        "extracted_milestones": result["extracted_milestones"], "as_of": as_of, "as_of_source": as_of_source,
        "key_dates": result["key_dates"], "parties": result.get("parties") or [], "warnings": result["warnings"],
        "extractor_version": result.get("extractor_version"), "model_version": result.get("model_version"),
    }  # fmt: skip
    return _json(ExtractResponse.model_validate(payload).model_dump(mode="json"), headers={"X-Audit": how})


# -- queue and contracts ------------------------------------------------------------------------------------


@router.get("/review-queue", summary="Milestones waiting for a reviewer (pending, rereview), most urgent first")
def review_queue(
    request: Request,
    principal: Viewer,
    contract_id: str | None = None,
    obligation_type: Annotated[str | None, Query(description="one obligation type")] = None,
    max_confidence: Annotated[float | None, Query(ge=0, le=1)] = None,
    due_within_days: Annotated[int | None, Query(ge=0, le=3650, description="due on or before as_of + N days "
                                                 "(overdue included)")] = None,  # fmt: skip
    status: Annotated[list[Literal["pending", "rereview"]] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> JSONResponse:
    if obligation_type is not None and obligation_type not in OBLIGATION_TYPES:
        raise HttpError(422, f"obligation_type must be one of {', '.join(OBLIGATION_TYPES)}")
    f = q.QueueFilter(contract_id, obligation_type, max_confidence, due_within_days,
                      tuple(status) if status else q.QUEUE_STATUSES, limit, offset)  # fmt: skip
    with store_of(request).reader() as (con, snap):
        items, total, as_of = q.get_queue(con, f)
    return _json({"items": items, "total": total, "as_of": as_of, "snapshot": _snapshot(snap)})


@router.get("/contracts", summary="Contracts with their count of milestones to review")
def contracts(request: Request, principal: Viewer) -> JSONResponse:
    with store_of(request).reader() as (con, snap):
        return _json({"items": q.get_contracts(con), "snapshot": _snapshot(snap)})


@router.get("/contracts/{contract_id}/milestones", summary="A contract's milestones (effective values, review state)")
def contract_milestones(request: Request, contract_id: str, principal: Viewer, include_removed: bool = False) -> JSONResponse:
    with store_of(request).reader() as (con, snap):
        contract = q.get_contract(con, contract_id)
        if contract is None:
            raise HttpError(404, f"no contract {contract_id!r}; list them at /api/v1/contracts")
        items = q.get_contract_milestones(con, contract_id, include_removed=include_removed)
        as_of = latest_logical_date(con)
    return _json({"contract_id": contract_id, "counterparty": contract.get("counterparty"), "as_of": as_of,
                  "milestones": items, "snapshot": _snapshot(snap)})  # fmt: skip


@router.get("/contracts/{contract_id}/audit", summary="The contract's audit trail, newest first (read-only)")
def contract_audit(request: Request, contract_id: str, principal: Viewer,
                   limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> JSONResponse:  # fmt: skip
    with store_of(request).reader() as (con, snap):
        if q.get_contract(con, contract_id) is None:
            raise HttpError(404, f"no contract {contract_id!r}")
        return _json({"contract_id": contract_id, "events": q.get_contract_audit(con, contract_id, limit),
                      "snapshot": _snapshot(snap)})  # fmt: skip


@router.get("/contracts/{contract_id}/timeline", summary="The contract's obligation occurrences by due date")
def contract_timeline(request: Request, contract_id: str, principal: Viewer) -> JSONResponse:
    with store_of(request).reader() as (con, snap):
        if q.get_contract(con, contract_id) is None:
            raise HttpError(404, f"no contract {contract_id!r}")
        items, source = q.get_timeline(con, contract_id)
    return _json({"contract_id": contract_id, "occurrences": items, "source": source, "snapshot": _snapshot(snap)})


@router.get("/milestones/{milestone_id}", summary="One milestone")
def milestone(request: Request, milestone_id: str, principal: Viewer) -> JSONResponse:
    with store_of(request).reader() as (con, snap):
        m = q.get_milestone(con, milestone_id)
    if m is None:
        raise HttpError(404, f"no milestone {milestone_id!r}")
    return _json(m)


# -- decisions ----------------------------------------------------------------------------------------------


@router.post("/milestones/{milestone_id}/decision", summary="Approve, edit, reject, or resolve a re-review")
def decide(request: Request, milestone_id: str, body: DecisionRequest, principal: Reviewer) -> JSONResponse:
    with store_of(request).writer() as con:
        result = dec.apply_decision(con, milestone_id, body.decision, principal.name, now_utc(), fields=body.fields,
                                    comment=body.comment, expected_updated_at=body.expected_updated_at)  # fmt: skip
        row = q.get_milestone(con, milestone_id)
    return _json(result.to_dict() | {"milestone": row})


@router.post("/contracts/{contract_id}/milestones", status_code=201,
             summary="Add an obligation the extractor missed, evidenced by a span of the contract text")  # fmt: skip
def add(request: Request, contract_id: str, body: AddMilestoneRequest, principal: Reviewer) -> JSONResponse:
    store = store_of(request)
    with store.reader() as (con, _snap):
        contract = q.get_contract(con, contract_id)
    if contract is None:
        raise HttpError(404, f"no contract {contract_id!r}")
    source = get_source_text(contract.get("document_path"), contract.get("current_document_id"))
    page = None
    if source.document is not None:
        from extractors.text import page_at

        page = page_at(source.document, body.span_start)
    with store.writer() as con:
        result = dec.add_milestone(
            con, contract_id, principal.name, now_utc(), span_start=body.span_start, span_end=body.span_end,
            fields=body.fields, document_text=source.text, selected_text=body.selected_text, page=page,
            comment=body.comment,
        )
        row = q.get_milestone(con, result.milestone_id)
    return _json(result.to_dict() | {"milestone": row}, status=201)


# -- settings (admin) ---------------------------------------------------------------------------------------


@router.get("/settings", summary="Review rules: threshold, always-review types, due-soon window")
def get_settings(request: Request, principal: Viewer) -> JSONResponse:
    with store_of(request).reader() as (con, _snap):
        return _json(st.get_review_settings(con).to_dict())


@router.put("/settings", summary="Change review rules (admin; audited; applied to undecided milestones at once)")
def put_settings(request: Request, body: SettingsUpdate, principal: Admin) -> JSONResponse:
    changes = body.model_dump(exclude_none=True)
    with store_of(request).writer() as con:
        return _json(st.update_review_settings(con, principal.name, changes, now_utc()))


@router.get("/owner-rules", summary="Owner rules set by admins")
def owner_rules(request: Request, principal: Viewer) -> JSONResponse:
    with store_of(request).reader() as (con, _snap):
        return _json({"items": st.get_owner_rules(con)})


@router.put("/owner-rules/{rule_id}", summary="Create or change an owner rule (admin; audited; never deleted)")
def put_owner_rule(request: Request, rule_id: str, body: OwnerRuleIn, principal: Admin) -> JSONResponse:
    with store_of(request).writer() as con:
        return _json(st.upsert_owner_rule(con, principal.name, rule_id, body.model_dump(), now_utc()))


# -- feeds and meta -------------------------------------------------------------------------------------------


@router.get("/calendar/{owner}.ics", summary="An owner's calendar feed (the one the fan-out publishes)",
            response_class=Response, responses={200: {"content": {"text/calendar": {}}}, 404: {}})  # fmt: skip
def calendar(
    request: Request, owner: str,
    principal: Annotated[Principal, Depends(require("viewer", allow_query_token=True))],
) -> Response:  # fmt: skip
    body = owner_feed(config_of(request).outbox_dir, owner)
    if body is None:
        with store_of(request).reader() as (con, _snap):
            known = q.is_known_owner(con, owner)
        if not known:
            raise HttpError(404, f"no owner {owner!r} in the register; owners come from dbt/seeds/owner_map.csv")
        body = empty_feed(owner)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="{owner}.ics"'})  # fmt: skip


@router.get("/whoami", summary="The caller's name and role")
def whoami(principal: Viewer) -> dict[str, str]:
    return {"name": principal.name, "role": principal.role, "via": principal.via}


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request, principal: Viewer) -> JSONResponse:
    return JSONResponse(request.app.openapi())

