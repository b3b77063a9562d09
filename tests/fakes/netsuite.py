"""NetSuite REST record service (API_BRIEF §16b): OAuth 2.0 bearer, `POST /services/rest/record/v1/{type}`
→ 204 + `Location` of the new record (or, with `Prefer: respond-async`, 202 + `Location` of an async job),
`X-NetSuite-Idempotency-Key` (a UUID; a repeat → 400 `IDEMPOTENCY_ERROR` with the earlier job's Location),
records readable by internal id or `eid:<externalId>`, errors as `{"title", "status", "o:errorDetails"}`.
Async jobs complete at once here (a real one may take a while)."""

from __future__ import annotations

import itertools
import re
import uuid
from typing import Any

from werkzeug.wrappers import Request, Response

from .server import FakeServer, json_response

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RECORD_TYPES = ("salesOrder", "invoice")


def _err(status: int, title: str, detail: str, code: str, headers: dict[str, str] | None = None) -> Response:
    return json_response({"type": f"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.{status - 399}",
                          "title": title, "status": status,
                          "o:errorDetails": [{"detail": detail, "o:errorCode": code}]}, status, headers)  # fmt: skip


class NetSuiteFake(FakeServer):
    def __init__(self, token: str = "netsuite-oauth2-token", customers: tuple[str, ...] = ("647", "648", "649"),
                 items: tuple[str, ...] = ("1", "12")) -> None:  # fmt: skip
        super().__init__()
        self.token = token
        self.customers = set(customers)
        self.items = set(items)
        self.records: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in RECORD_TYPES}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[str, str] = {}  # key → job id
        self._ids = itertools.count(1001)
        self._jobs = itertools.count(501)
        types = "|".join(RECORD_TYPES)
        self.route("POST", rf"/services/rest/record/v1/(?P<rtype>{types})", self.create)
        self.route("GET", rf"/services/rest/record/v1/(?P<rtype>{types})/(?P<ref>[^/]+)", self.get)
        self.route("GET", r"/services/rest/async/v1/job/(?P<job>\d+)", self.get_job)

    @property
    def base_url(self) -> str:
        return f"{self.url}/services/rest"

    def authorize(self, req: Request) -> Response | None:
        if req.headers.get("Authorization") != f"Bearer {self.token}":
            return _err(401, "Unauthorized", "Invalid login attempt. For more details, see the Login Audit Trail "
                        "in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.",
                        "INVALID_LOGIN")  # fmt: skip
        return None

    # test helpers ----------------------------------------------------------------------------------
    def all_records(self, rtype: str = "salesOrder") -> list[dict[str, Any]]:
        return list(self.records[rtype].values())

    # handlers --------------------------------------------------------------------------------------
    def _problems(self, body: dict[str, Any]) -> str | None:
        if (body.get("entity") or {}).get("id") not in self.customers:
            return "Invalid entity reference key for customer."
        items = (body.get("item") or {}).get("items")
        if not isinstance(items, list) or not items:
            return "You must enter at least one line item for this transaction."
        for line in items:
            if (line.get("item") or {}).get("id") not in self.items:
                return "Invalid item reference key."
            if not isinstance(line.get("amount"), int | float):
                return "Invalid amount: a number is required."
        if body.get("tranDate") is not None and not DATE.match(str(body["tranDate"])):
            return "Invalid date value (must be YYYY-MM-DD)."
        ext = body.get("externalId")
        if ext is not None and (not isinstance(ext, str) or len(ext) > 255):
            return "externalId must be text of at most 255 characters."
        return None

    def create(self, req: Request, rtype: str) -> Response:
        body = req.get_json(silent=True)
        if not isinstance(body, dict):
            return _err(400, "Bad Request", "Invalid content in the request body.", "INVALID_CONTENT")
        is_async = "respond-async" in (req.headers.get("Prefer") or "")
        key = req.headers.get("X-NetSuite-Idempotency-Key")
        if key is not None:
            try:
                uuid.UUID(key)
            except ValueError:
                return _err(400, "Bad Request", "The idempotency key must be a UUID.", "INVALID_HEADER")
            if not is_async:
                return _err(400, "Bad Request", "Idempotency keys are supported for asynchronous requests only.",
                            "INVALID_HEADER")  # fmt: skip
            if key in self.idempotency:
                job = self.idempotency[key]
                return _err(400, "Bad Request", f"A request with this idempotency key was already made: job {job}.",
                            "IDEMPOTENCY_ERROR", {"Location": f"{self.base_url}/async/v1/job/{job}"})  # fmt: skip
        problem = self._problems(body)
        if problem:
            return _err(400, "Bad Request", problem, "USER_ERROR")
        ext = body.get("externalId")
        if ext is not None and any(r.get("externalId") == ext for r in self.records[rtype].values()):
            return _err(400, "Bad Request", "A record with this external ID already exists.", "DUP_RCRD")
        rid = str(next(self._ids))
        rec = {
            "id": rid,
            **body,
            "links": [{"rel": "self", "href": f"{self.base_url}/record/v1/{rtype}/{rid}"}],
        }
        self.records[rtype][rid] = rec
        location = f"{self.base_url}/record/v1/{rtype}/{rid}"
        if not is_async:
            return Response("", status=204, headers={"Location": location})
        job = str(next(self._jobs))
        self.jobs[job] = {"id": job, "completed": True, "progress": "succeeded", "record": location}
        if key is not None:
            self.idempotency[key] = job
        return Response("", status=202, headers={"Location": f"{self.base_url}/async/v1/job/{job}"})

    def get(self, req: Request, rtype: str, ref: str) -> Response:
        if ref.startswith("eid:"):
            ext = ref[4:]
            rec = next((r for r in self.records[rtype].values() if r.get("externalId") == ext), None)
        else:
            rec = self.records[rtype].get(ref)
        if rec is None:
            return _err(404, "Not Found", f"The record instance does not exist. Provide a valid record instance ID: {ref}.",
                        "NONEXISTENT_ID")  # fmt: skip
        return json_response(rec)

    def get_job(self, req: Request, job: str) -> Response:
        if job not in self.jobs:
            return _err(404, "Not Found", "The async job does not exist.", "NONEXISTENT_ID")
        j = self.jobs[job]
        return json_response({"id": j["id"], "completed": j["completed"], "progress": j["progress"]})
