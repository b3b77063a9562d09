"""A tiny threaded WSGI server with routes, a request log and injectable faults (used by every HTTP fake)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

__all__ = ["FakeServer", "Fault", "json_response"]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers or {}, content_type="application/json")


@dataclass
class Fault:
    """Answer the next `times` matching requests with `status` (+headers/body) instead of handling them.

    `delay` sleeps before answering; with `process=True` the request is handled (state changes!) and the
    answer is delayed — a client read timeout then hides a request that did take effect.
    """

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = ""
    delay: float = 0.0
    process: bool = False
    times: int = 1
    method: str | None = None
    path: str | None = None  # regex searched in the path

    def matches(self, req: Request) -> bool:
        if self.method and req.method != self.method:
            return False
        return not (self.path and not re.search(self.path, req.path))


Handler = Callable[..., Response]


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # the test log is self.log
        pass


class FakeServer:
    """Subclasses register routes with `self.route(method, regex, handler)`; handlers get (req, **groups)."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.log: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self.lock = threading.RLock()
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # lifecycle -------------------------------------------------------------------------------------
    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # configuration ---------------------------------------------------------------------------------
    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(f"^{pattern}$"), handler))

    def inject(self, fault: Fault) -> Fault:
        with self.lock:
            self.faults.append(fault)
        return fault

    def requests_to(self, method: str, pattern: str) -> list[dict[str, Any]]:
        rx = re.compile(pattern)
        return [r for r in self.log if r["method"] == method and rx.search(r["path"])]

    def authorize(self, req: Request) -> Response | None:
        """Override: return an error response when the request's credentials are wrong."""
        return None

    # dispatch --------------------------------------------------------------------------------------
    def _take_fault(self, req: Request) -> Fault | None:
        with self.lock:
            for f in self.faults:
                if f.times > 0 and f.matches(req):
                    f.times -= 1
                    return f
        return None

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        req = Request(environ)
        body = req.get_data(as_text=True)
        try:
            parsed = json.loads(body) if body and "json" in (req.content_type or "") else None
        except ValueError:
            parsed = None
        entry = {"method": req.method, "path": req.path, "query": dict(req.args), "headers": dict(req.headers),
                 "body": body, "json": parsed}  # fmt: skip
        with self.lock:
            self.log.append(entry)
        resp = self._answer(req)
        return resp(environ, start_response)

    def _answer(self, req: Request) -> Response:
        fault = self._take_fault(req)
        if fault is not None and not fault.process:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status is None:
                return Response("", status=504)
            body = fault.body if isinstance(fault.body, str) else json.dumps(fault.body)
            return Response(body, status=fault.status, headers=fault.headers)
        denied = self.authorize(req)
        if denied is not None:
            return denied
        resp = self._dispatch(req)
        if fault is not None and fault.process:
            time.sleep(fault.delay)
        return resp

    def _dispatch(self, req: Request) -> Response:
        path_matched = False
        for method, rx, handler in self.routes:
            m = rx.match(req.path)
            if not m:
                continue
            path_matched = True
            if method != req.method:
                continue
            with self.lock:
                return handler(req, **m.groupdict())
        return Response(
            "method not allowed" if path_matched else "not found", status=405 if path_matched else 404
        )
