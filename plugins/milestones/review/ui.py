"""Server-rendered pages: queue, contract view (text with highlighted evidence, PDF page images, decisions,
timeline, audit trail), admin settings. Plain HTML forms (work without JavaScript) plus review.js for
selecting evidence of a missed obligation and linking highlights to cards."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from extractors.errors import DocumentError
from extractors.schema import OBLIGATION_TYPES
from extractors.text import page_at

from ..evidence import attach_to_milestones
from . import decisions as dec
from . import queries as q
from . import settings as st
from .auth import SESSION_COOKIE, Principal, csrf_token, login, make_session
from .deps import config_of, now_utc, require, root, store_of
from .documents import evidence_boxes, get_segments, get_source_text, render_page_png
from .errors import HttpError
from .store import latest_logical_date, rows

__all__ = ["router", "render_login", "render_error"]

_HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(_HERE / "templates"))
_CSS = (_HERE / "static" / "review.css").read_text(encoding="utf-8")
_JS_FILES = {"review.js": "text/javascript"}
PAGE_SCALE = 1.5

router = APIRouter(include_in_schema=False)

Viewer = Annotated[Principal, Depends(require("viewer"))]
Reviewer = Annotated[Principal, Depends(require("reviewer"))]
Admin = Annotated[Principal, Depends(require("admin"))]


def _fmt_value(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (dict, list)):
        return json.dumps(v, default=str)
    return str(v)


templates.env.filters["v"] = _fmt_value


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    principal: Principal | None = getattr(request.state, "principal", None)
    cfg = config_of(request)
    base = {
        "request": request, "root": root(request), "css": _CSS, "user": principal,
        "csrf": csrf_token(cfg.auth, principal) if principal else "", "types": OBLIGATION_TYPES,
    }  # fmt: skip
    return templates.TemplateResponse(request, name, base | context, status_code=status)


def render_login(request: Request, message: str | None = None, status: int = 200) -> HTMLResponse:
    cfg = config_of(request)
    nxt = request.query_params.get("next") or request.url.path
    hint = None
    if not cfg.auth.users:
        hint = ("No reviewer accounts are configured (MILESTONES_REVIEW_USERS). Inside Airflow, log in to the "
                "Airflow UI first; standalone, see the README section 'Review app'.")  # fmt: skip
    return templates.TemplateResponse(
        request, "login.html",
        {"request": request, "root": root(request), "css": _CSS, "message": message, "next": nxt, "hint": hint,
         "user": None},
        status_code=status,
    )  # fmt: skip


def render_error(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    resp = _page(request, "error.html", {"status": status, "message": message}, status=status)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _safe_next(value: str | None, prefix: str) -> str:
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return prefix + "/queue"
    return value


# -- login ------------------------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return render_login(request)


@router.post("/login")
async def login_submit(request: Request) -> Response:
    form = await request.form()
    cfg = config_of(request)
    name, password = str(form.get("username") or ""), str(form.get("password") or "")
    user = await run_in_threadpool(login, cfg.auth, name, password)
    if user is None:
        return render_login(request, "Wrong user name or password.", status=401)
    resp = RedirectResponse(_safe_next(str(form.get("next") or ""), root(request)), status_code=303)
    resp.set_cookie(SESSION_COOKIE, make_session(cfg.auth, user.name), httponly=True, samesite="strict",
                    secure=request.url.scheme == "https", path=root(request) or "/",
                    max_age=int(cfg.auth.session_hours * 3600))  # fmt: skip
    return resp


@router.post("/logout")
async def logout(request: Request, principal: Viewer) -> Response:
    resp = RedirectResponse(root(request) + "/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path=root(request) or "/")
    return resp


@router.get("/")
def home(request: Request, principal: Viewer) -> Response:
    return RedirectResponse(root(request) + "/queue", status_code=303)


@router.get("/static/{name}")
def static(name: str, principal: Viewer) -> Response:
    if name not in _JS_FILES:
        return Response("not found", status_code=404)
    return Response((_HERE / "static" / name).read_bytes(), media_type=_JS_FILES[name],
                    headers={"Cache-Control": "private, max-age=300"})  # fmt: skip


# -- queue ------------------------------------------------------------------------------------------------------


def _int(value: str | None, lo: int, hi: int) -> int | None:
    try:
        n = int(value) if value is not None and value != "" else None
    except ValueError:
        raise HttpError(422, f"{value!r} is not a whole number of days") from None
    if n is not None and not lo <= n <= hi:
        raise HttpError(422, f"{n} is outside {lo}..{hi}")
    return n


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, principal: Viewer) -> HTMLResponse:
    p = request.query_params
    try:
        max_conf = float(p["max_confidence"]) if p.get("max_confidence") else None
    except ValueError:
        max_conf = None
    if max_conf is not None and not 0 <= max_conf <= 1:
        max_conf = None
    statuses = tuple(s for s in p.getlist("status") if s in q.QUEUE_STATUSES) or q.QUEUE_STATUSES
    obligation_type = p.get("type") if p.get("type") in OBLIGATION_TYPES else None
    f = q.QueueFilter(p.get("contract") or None, obligation_type, max_conf, _int(p.get("due_within"), 0, 3650),
                      statuses, limit=500)  # fmt: skip
    with store_of(request).reader() as (con, snap):
        items, total, as_of = q.get_queue(con, f)
        options = q.get_filter_options(con)
        settings = st.get_review_settings(con)
    return _page(request, "queue.html", {"items": items, "total": total, "as_of": as_of, "f": f,
                                         "options": options, "snap": snap, "settings": settings})  # fmt: skip


@router.get("/contracts", response_class=HTMLResponse)
def contracts(request: Request, principal: Viewer) -> HTMLResponse:
    with store_of(request).reader() as (con, snap):
        items = q.get_contracts(con)
        as_of = latest_logical_date(con)
    return _page(request, "contracts.html", {"items": items, "snap": snap, "as_of": as_of})


# -- contract view --------------------------------------------------------------------------------------------


def _diff(before: Any, after: Any) -> list[tuple[str, Any, Any]]:
    b = before if isinstance(before, dict) else {}
    a = after if isinstance(after, dict) else {}
    return [(k, b.get(k), a.get(k)) for k in sorted(set(a) | set(b)) if b.get(k) != a.get(k)]


@router.get("/contracts/{contract_id}", response_class=HTMLResponse)
async def contract_view(request: Request, contract_id: str, principal: Viewer) -> HTMLResponse:
    store = store_of(request)

    def read() -> tuple[Any, ...]:
        with store.reader() as (con, snap):
            contract = q.get_contract(con, contract_id)
            if contract is None:
                return None, [], [], [], "", snap, None, st.DEFAULTS
            ms = q.get_contract_milestones(con, contract_id)
            attach_to_milestones(con, contract_id, ms)  # completion evidence status per obligation
            audit_rows = q.get_contract_audit(con, contract_id, 300)
            timeline, source = q.get_timeline(con, contract_id)
            return contract, ms, audit_rows, timeline, source, snap, latest_logical_date(con), \
                st.get_review_settings(con)

    contract, ms, audit_rows, timeline, timeline_source, snap, as_of, settings = await run_in_threadpool(read)
    if contract is None:
        return render_error(request, 404, f"No contract {contract_id!r}.")
    source = await run_in_threadpool(get_source_text, contract.get("document_path"), contract.get("current_document_id"))
    segments = []
    pages: list[dict[str, Any]] = []
    if source.document is not None:
        spans = [(m["milestone_id"], m["span_start"], m["span_end"]) for m in ms
                 if m["span_start"] is not None and m["span_end"] is not None]  # fmt: skip
        segments = get_segments(source.document.text, spans)
        if source.document.mime == "application/pdf":
            pages = await run_in_threadpool(_page_boxes, source.document, contract["document_path"], ms)
    for m in ms:
        m["proposal_rows"] = [(k, (m["human_fields"] or {}).get(k), v) for k, v in (m["machine_proposal"] or {}).items()]
    for a in audit_rows:
        a["changes"] = _diff(a.get("before"), a.get("after"))
    months: dict[str, list[dict[str, Any]]] = {}
    for occ in timeline:
        key = occ["due_date"].strftime("%Y-%m") if occ.get("due_date") else "undated"
        months.setdefault(key, []).append(occ)
    focus = request.query_params.get("m")
    return _page(request, "contract.html", {
        "contract": contract, "milestones": ms, "segments": segments, "source": source, "pages": pages,
        "scale": PAGE_SCALE, "audit": audit_rows, "months": months, "timeline_source": timeline_source,
        "snap": snap, "as_of": as_of, "focus": focus, "done": request.query_params.get("done"),
        "settings": settings, "fields": dec.REVIEW_FIELDS, "kinds": dec.RULE_KINDS,
        "directions": dec.RULE_DIRECTIONS, "frequencies": dec.FREQUENCIES,
    })  # fmt: skip


def _page_boxes(doc: Any, path: str, ms: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pages that hold evidence, each with its highlight boxes as percentages of the page (scales with the image)."""
    import pypdfium2 as pdfium

    from .documents import PDFIUM_LOCK

    by_page: dict[int, list[dict[str, Any]]] = {}
    for m in ms:
        if m["span_start"] is None or m["span_end"] is None:
            continue
        try:
            with PDFIUM_LOCK:
                boxes = evidence_boxes(doc, path, m["span_start"], m["span_end"])
        except DocumentError:
            continue
        for b in boxes:
            by_page.setdefault(b["page"], []).append(b | {"milestone_id": m["milestone_id"]})
    if not by_page:
        return []
    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(path)
        try:
            sizes = {n: pdf[n - 1].get_size() for n in by_page if 1 <= n <= len(pdf)}
        finally:
            pdf.close()
    out = []
    for n in sorted(sizes):
        w, h = sizes[n]
        pct = [{"milestone_id": b["milestone_id"], "left": 100 * b["left"] / w, "top": 100 * (h - b["top"]) / h,
                "width": 100 * (b["right"] - b["left"]) / w, "height": 100 * (b["top"] - b["bottom"]) / h}
               for b in by_page[n]]  # fmt: skip
        out.append({"number": n, "width": w, "height": h, "boxes": pct})
    return out


@router.get("/contracts/{contract_id}/pages/{page}.png")
async def page_image(request: Request, contract_id: str, page: int, principal: Viewer) -> Response:
    with store_of(request).reader() as (con, _snap):
        contract = q.get_contract(con, contract_id)
    if contract is None or contract.get("mime") != "application/pdf":
        return render_error(request, 404, "no PDF for this contract")
    source = await run_in_threadpool(get_source_text, contract.get("document_path"), contract.get("current_document_id"))
    if source.document is None:
        return render_error(request, 404, source.problem or "document unavailable")
    try:
        png, _w, _h = await run_in_threadpool(render_page_png, contract["document_path"], page, PAGE_SCALE)
    except DocumentError as exc:
        return render_error(request, 404, str(exc))
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


def _back(request: Request, contract_id: str, milestone_id: str | None, done: str) -> RedirectResponse:
    query = urlencode({k: v for k, v in (("m", milestone_id), ("done", done)) if v})
    anchor = f"#m-{milestone_id}" if milestone_id else ""
    return RedirectResponse(f"{root(request)}/contracts/{quote(contract_id)}?{query}{anchor}", status_code=303)


def _as_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()[:10]
    return str(v)


@router.post("/contracts/{contract_id}/milestones/{milestone_id}/decision")
async def decide(request: Request, contract_id: str, milestone_id: str, principal: Reviewer) -> Response:
    form = await request.form()
    decision = str(form.get("decision") or "")
    expected = form.get("expected_updated_at")
    try:
        expected_at = dt.datetime.fromisoformat(str(expected)) if expected else None
    except ValueError:
        expected_at = None
    comment = str(form.get("comment") or "").strip() or None
    store = store_of(request)

    def write() -> dec.DecisionResult:
        with store.writer() as con:
            current = q.get_milestone(con, milestone_id)
            if current is None or current["contract_id"] != contract_id:
                raise dec.NotFound(f"no milestone {milestone_id} in contract {contract_id}")
            fields = None
            if decision == "edit":
                # only what the reviewer changed: untouched machine values are pinned as they are
                fields = {k: str(form.get(k)) for k in dec.REVIEW_FIELDS
                          if k in form and str(form.get(k)).strip() != _as_text(current.get(k)).strip()}  # fmt: skip
            return dec.apply_decision(con, milestone_id, decision, principal.name, now_utc(), fields=fields,
                                      comment=comment, expected_updated_at=expected_at)  # fmt: skip

    result = await run_in_threadpool(write)
    return _back(request, contract_id, milestone_id, result.review_status)


@router.post("/contracts/{contract_id}/add")
async def add(request: Request, contract_id: str, principal: Reviewer) -> Response:
    form = await request.form()
    try:
        start, end = int(str(form.get("span_start"))), int(str(form.get("span_end")))
    except ValueError:
        return render_error(request, 422, "Select the evidence in the contract text first, then fill in the form.")
    fields = {k: str(form.get(k)) for k in dec.REVIEW_FIELDS if form.get(k) not in (None, "")}
    store = store_of(request)
    with store.reader() as (con, _snap):
        contract = q.get_contract(con, contract_id)
    if contract is None:
        return render_error(request, 404, f"No contract {contract_id!r}.")
    source = await run_in_threadpool(get_source_text, contract.get("document_path"), contract.get("current_document_id"))
    page = page_at(source.document, start) if source.document is not None else None

    def write() -> dec.DecisionResult:
        with store.writer() as con:
            return dec.add_milestone(con, contract_id, principal.name, now_utc(), span_start=start, span_end=end,
                                     fields=fields, document_text=source.text,
                                     selected_text=str(form.get("selected_text") or "") or None, page=page,
                                     comment=str(form.get("comment") or "").strip() or None)  # fmt: skip

    result = await run_in_threadpool(write)
    return _back(request, contract_id, result.milestone_id, "added")


# -- admin ------------------------------------------------------------------------------------------------------


@router.get("/admin", response_class=HTMLResponse)
def admin(request: Request, principal: Admin) -> HTMLResponse:
    with store_of(request).reader() as (con, snap):
        settings = st.get_review_settings(con)
        rules = st.get_owner_rules(con)
        changes = rows(con, "select * from raw.audit_log where action = 'setting_change' "
                            "order by recorded_at desc, audit_id desc limit 50")
    for c in changes:
        c["changes"] = _diff(*(json.loads(c[k]) if c[k] else None for k in ("before", "after")))
    return _page(request, "admin.html", {"settings": settings, "rules": rules, "changes": changes, "snap": snap,
                                         "done": request.query_params.get("done"),
                                         "rule_fields": st.OWNER_RULE_FIELDS})  # fmt: skip


@router.post("/admin/settings")
async def admin_settings(request: Request, principal: Admin) -> Response:
    form = await request.form()
    try:
        changes: dict[str, Any] = {
            "review_threshold": float(str(form.get("review_threshold"))),
            "always_review_types": [str(t) for t in form.getlist("always_review_types")],
            "due_soon_days": int(str(form.get("due_soon_days"))),
        }
    except ValueError:
        return render_error(request, 422, "Threshold must be a number (0-1) and due-soon days a whole number.")
    store = store_of(request)

    def write() -> dict[str, Any]:
        with store.writer() as con:
            return st.update_review_settings(con, principal.name, changes, now_utc())

    result = await run_in_threadpool(write)
    moved = result["requeued"]
    done = f"{len(result['changed'])} changed" + (
        f"; {moved.get('to_pending', 0)} to review, {moved.get('to_not_required', 0)} cleared" if moved else "")
    return RedirectResponse(f"{root(request)}/admin?{urlencode({'done': done})}", status_code=303)


@router.post("/admin/owner-rules")
async def admin_owner_rule(request: Request, principal: Admin) -> Response:
    form = await request.form()
    values: dict[str, Any] = {k: str(form.get(k) or "") for k in st.OWNER_RULE_FIELDS}
    values["is_active"] = form.get("is_active") == "on"
    rule_id = str(form.get("rule_id") or "")
    store = store_of(request)

    def write() -> dict[str, Any]:
        with store.writer() as con:
            return st.upsert_owner_rule(con, principal.name, rule_id, values, now_utc())

    await run_in_threadpool(write)
    return RedirectResponse(f"{root(request)}/admin?{urlencode({'done': f'rule {rule_id} saved'})}", status_code=303)


# -- API reference (rendered from the OpenAPI document; Swagger UI would need a CDN) -----------------------------


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request, principal: Viewer) -> HTMLResponse:
    spec = request.app.openapi()
    ops = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            body = (op.get("requestBody") or {}).get("content", {})
            ops.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                        "params": [p["name"] + ("*" if p.get("required") else "") for p in op.get("parameters", [])],
                        "body": ", ".join(body), "responses": ", ".join(op.get("responses", {}))})  # fmt: skip
    return _page(request, "docs.html", {"ops": ops, "spec_title": spec["info"]["title"]})

