"""The review app: pages for reviewers and the /api/v1 integration API, one FastAPI application.

Runs standalone (`make review-app`, uvicorn) or mounted by the Airflow api-server at /review
(plugins/milestones_plugin.py). Airflow does not authenticate plugin apps, so every route here does its
own authentication (auth.py); only /login is open. Request bodies are capped before they are read.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from extractors.errors import MilestonesError

from . import decisions as dec
from .api import router as api_router
from .auth import AuthError
from .completion import router as completion_router
from .config import ReviewConfig, get_config
from .drafts import api_router as drafts_api_router
from .drafts import ui_router as drafts_ui_router
from .errors import HttpError
from .evidence_api import router as evidence_router
from .evidence_api import ui_router as evidence_ui_router
from .store import Store, WarehouseBusy, WarehouseMissing
from .ui import render_error, render_login
from .ui import router as ui_router

__all__ = ["create_app", "BodyLimit"]

log = logging.getLogger(__name__)


class _TooLarge(StarletteHTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit / 2**20:g} MB; send a smaller file or raise "
                              "MILESTONES_API_MAX_BODY_MB")  # fmt: skip


class BodyLimit:
    """Refuse bodies over `max_bytes`: by Content-Length before reading, and while streaming otherwise."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await self._reply(send, 400, "Content-Length is not a number")
                return
            if size > self.max_bytes:
                await self._reply(send, 413, _TooLarge(self.max_bytes).detail)
                return
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, tracking_send)
        except _TooLarge as exc:
            if not started:
                await self._reply(send, 413, str(exc.detail))

    @staticmethod
    async def _reply(send: Send, status: int, message: str) -> None:
        body = json.dumps({"detail": message}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})


def _wants_html(request: Request) -> bool:
    path = request.url.path[len(str(request.scope.get("root_path", ""))):] if request.scope.get("root_path") else request.url.path
    return not path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def _error(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    if _wants_html(request):
        if status == 401:
            return render_login(request, message, status=401)
        return render_error(request, status, message, headers)
    return JSONResponse({"detail": message}, status_code=status, headers=headers)


def create_app(config: ReviewConfig | None = None) -> FastAPI:
    """Build the app; settings come from the environment unless a ReviewConfig is passed (tests)."""
    config = config or get_config()
    app = FastAPI(
        title="Obligation review and extraction API",
        version="1",
        description=(
            "Review queue, decisions and contract views for the obligation register, and an extraction API for "
            "CLM integrations. Every endpoint needs credentials: `Authorization: Bearer <API token or Airflow "
            "JWT>` or HTTP Basic; roles viewer < reviewer < admin."
        ),
        docs_url=None,  # the generated docs would be public; /docs and /api/v1/openapi.json check credentials
        redoc_url=None,
        openapi_url=None,
    )
    app.state.config = config
    app.state.store = Store(config)
    if not config.auth.has_local_credentials:
        log.warning("review app: no MILESTONES_REVIEW_USERS / MILESTONES_REVIEW_TOKENS set; only Airflow "
                    "credentials (inside the api-server) can get in")  # fmt: skip
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes)
    app.include_router(api_router)
    app.include_router(evidence_router)
    app.include_router(evidence_ui_router)
    app.include_router(drafts_api_router)
    app.include_router(completion_router)
    app.include_router(ui_router)
    app.include_router(drafts_ui_router)

    @app.exception_handler(AuthError)
    async def _auth(request: Request, exc: AuthError) -> Response:
        headers = {"WWW-Authenticate": 'Bearer realm="obligation-review"'} if exc.status == 401 else None
        return _error(request, exc.status, exc.message, headers)

    @app.exception_handler(HttpError)
    async def _http(request: Request, exc: HttpError) -> Response:
        return _error(request, exc.status, exc.message, exc.headers)

    @app.exception_handler(WarehouseBusy)
    async def _busy(request: Request, exc: WarehouseBusy) -> Response:
        return _error(request, 503, str(exc), {"Retry-After": str(WarehouseBusy.retry_after_s)})

    @app.exception_handler(WarehouseMissing)
    async def _missing(request: Request, exc: WarehouseMissing) -> Response:
        return _error(request, 503, str(exc), {"Retry-After": "300"})

    @app.exception_handler(MilestonesError)
    async def _domain(request: Request, exc: MilestonesError) -> Response:
        status = 404 if isinstance(exc, dec.NotFound) else 409 if isinstance(exc, dec.Conflict) else 422
        return _error(request, status, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        details: list[dict[str, Any]] = []
        for e in exc.errors():
            loc = ".".join(str(p) for p in e.get("loc", ()) if p != "body")
            details.append({"field": loc or "body", "problem": e.get("msg"), "type": e.get("type")})
        message = "; ".join(f"{d['field']}: {d['problem']}" for d in details) or "invalid request"
        if _wants_html(request):
            return render_error(request, 422, message)
        return JSONResponse({"detail": message, "errors": details}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _starlette(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 413:
            headers["Connection"] = "close"  # the rest of the body is not wanted: do not drain it
        return _error(request, exc.status_code, str(exc.detail), headers)

    return app

