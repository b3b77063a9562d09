"""Google Calendar v3 events (API_BRIEF §12) and Microsoft Graph events (§13).

Google: client-supplied event id must be base32hex (a-v, 0-9, 5-1024 chars); a duplicate id → 409;
all-day events use start.date/end.date with an exclusive end. Graph: `POST /users/{upn}/events` → 201;
a repeated `transactionId` returns the event already created; client-credentials token endpoint."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

from werkzeug.wrappers import Request, Response

from .server import FakeServer, json_response

_B32HEX = re.compile(r"^[a-v0-9]{5,1024}$")


def _all_day_errors(start: Any, end: Any) -> str | None:
    try:
        s = dt.date.fromisoformat(start["date"])
        e = dt.date.fromisoformat(end["date"])
    except (KeyError, TypeError, ValueError):
        return "start.date and end.date (YYYY-MM-DD) are required for all-day events"
    return None if e > s else "The specified time range is empty (end is exclusive)."


class GoogleCalendarFake(FakeServer):
    def __init__(self, token: str = "ya29.test-token") -> None:
        super().__init__()
        self.token = token
        self.events: dict[tuple[str, str], dict[str, Any]] = {}
        base = r"/calendar/v3/calendars/(?P<cal>[^/]+)/events"
        self.route("POST", base, self.insert)
        self.route("GET", base + r"/(?P<eid>[^/]+)", self.get)
        self.route("PUT", base + r"/(?P<eid>[^/]+)", self.update)
        self.route("DELETE", base + r"/(?P<eid>[^/]+)", self.delete)

    @property
    def base_url(self) -> str:
        return f"{self.url}/calendar/v3"

    def authorize(self, req: Request) -> Response | None:
        if req.headers.get("Authorization") != f"Bearer {self.token}":
            return json_response(
                {
                    "error": {
                        "code": 401,
                        "message": "Invalid Credentials",
                        "errors": [{"reason": "authError"}],
                    }
                },
                401,
            )
        return None

    def _validate(self, body: dict[str, Any]) -> str | None:
        if not _B32HEX.match(str(body.get("id", "x"))):
            return "Invalid resource id value."
        if not body.get("summary"):
            return "Missing summary."
        problem = _all_day_errors(body.get("start"), body.get("end"))
        if problem:
            return problem
        for r in (body.get("reminders") or {}).get("overrides") or []:
            if r.get("method") not in ("email", "popup") or not 0 <= int(r.get("minutes", -1)) <= 40320:
                return "Invalid reminder: method email|popup, minutes 0..40320"
        return None

    def insert(self, req: Request, cal: str) -> Response:
        body = req.get_json(silent=True) or {}
        problem = self._validate(body)
        if problem:
            return json_response({"error": {"code": 400, "message": problem}}, 400)
        if (cal, body["id"]) in self.events:
            return json_response({"error": {"code": 409, "message": "The requested identifier already exists.",
                                            "errors": [{"reason": "duplicate"}]}}, 409)  # fmt: skip
        ev = {**body, "kind": "calendar#event", "status": "confirmed", "iCalUID": f"{body['id']}@google.com",
              "htmlLink": f"https://www.google.com/calendar/event?eid={body['id']}", "sequence": 0}  # fmt: skip
        self.events[(cal, body["id"])] = ev
        return json_response(ev, 200)

    def get(self, req: Request, cal: str, eid: str) -> Response:
        ev = self.events.get((cal, eid))
        if ev is None:
            return json_response({"error": {"code": 404, "message": "Not Found"}}, 404)
        return json_response(ev)

    def update(self, req: Request, cal: str, eid: str) -> Response:
        ev = self.events.get((cal, eid))
        if ev is None:
            return json_response({"error": {"code": 404, "message": "Not Found"}}, 404)
        body = req.get_json(silent=True) or {}
        problem = self._validate({**body, "id": eid})
        if problem:
            return json_response({"error": {"code": 400, "message": problem}}, 400)
        ev.update(body)
        ev["status"] = "confirmed"
        ev["sequence"] = ev.get("sequence", 0) + 1
        return json_response(ev)

    def delete(self, req: Request, cal: str, eid: str) -> Response:
        ev = self.events.get((cal, eid))
        if ev is None or ev.get("status") == "cancelled":
            return json_response({"error": {"code": 410, "message": "Resource has been deleted"}}, 410)
        ev["status"] = "cancelled"
        return Response("", status=204)


class GraphFake(FakeServer):
    def __init__(
        self, client_id: str = "app-id", client_secret: str = "app-secret", tenant: str = "contoso"
    ) -> None:
        super().__init__()
        self.client_id, self.client_secret, self.tenant = client_id, client_secret, tenant
        self.issued: set[str] = set()
        self.events: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self.route("POST", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token", self.token)
        self.route("POST", r"/v1\.0/(?:me|users/(?P<user>[^/]+))/events", self.create)
        self.route("PATCH", r"/v1\.0/(?:me|users/(?P<user>[^/]+))/events/(?P<eid>[^/]+)", self.update)
        self.route("DELETE", r"/v1\.0/(?:me|users/(?P<user>[^/]+))/events/(?P<eid>[^/]+)", self.delete)

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1.0"

    @property
    def token_url(self) -> str:
        return f"{self.url}/{self.tenant}/oauth2/v2.0/token"

    def authorize(self, req: Request) -> Response | None:
        if "/oauth2/" in req.path:
            return None
        token = req.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.issued:
            return json_response(
                {
                    "error": {
                        "code": "InvalidAuthenticationToken",
                        "message": "Access token is empty or invalid.",
                    }
                },
                401,
            )
        return None

    def token(self, req: Request, tenant: str) -> Response:
        f = req.form
        if (
            tenant != self.tenant
            or f.get("grant_type") != "client_credentials"
            or f.get("client_id") != self.client_id
            or f.get("client_secret") != self.client_secret
            or not f.get("scope", "").endswith("/.default")
        ):
            return json_response(
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided.",
                },
                401,
            )
        tok = f"eyJ0eXAi.test.{len(self.issued) + 1}"
        self.issued.add(tok)
        return json_response({"token_type": "Bearer", "expires_in": 3599, "access_token": tok})

    def _validate(self, body: dict[str, Any], creating: bool) -> str | None:
        if creating and not body.get("subject"):
            return "subject is required"
        for k in ("start", "end"):
            if k in body or creating:
                v = body.get(k) or {}
                if not v.get("dateTime") or not v.get("timeZone"):
                    return f"{k} needs dateTime and timeZone"
        if body.get("isAllDay") and any(
            not (body.get(k) or {}).get("dateTime", "").endswith("T00:00:00")
            for k in ("start", "end")
            if k in body
        ):
            return "all-day events must start and end at midnight"
        return None

    def create(self, req: Request, user: str | None = None) -> Response:
        body = req.get_json(silent=True) or {}
        problem = self._validate(body, creating=True)
        if problem:
            return json_response({"error": {"code": "ErrorInvalidRequest", "message": problem}}, 400)
        tid = body.get("transactionId")
        if tid:
            for ev in self.events.values():
                if ev.get("transactionId") == tid:
                    return json_response(ev, 201)
        eid = f"AAMkAG{next(self._ids):06d}="
        ev = {
            **body,
            "id": eid,
            "iCalUId": f"0400000082{eid}",
            "webLink": f"https://outlook.office365.com/owa/?itemid={eid}",
        }
        self.events[eid] = ev
        return json_response(ev, 201)

    def update(self, req: Request, eid: str, user: str | None = None) -> Response:
        ev = self.events.get(eid)
        if ev is None:
            return json_response(
                {
                    "error": {
                        "code": "ErrorItemNotFound",
                        "message": "The specified object was not found in the store.",
                    }
                },
                404,
            )
        body = req.get_json(silent=True) or {}
        problem = self._validate(body, creating=False)
        if problem:
            return json_response({"error": {"code": "ErrorInvalidRequest", "message": problem}}, 400)
        ev.update(body)
        return json_response(ev)

    def delete(self, req: Request, eid: str, user: str | None = None) -> Response:
        if self.events.pop(eid, None) is None:
            return json_response({"error": {"code": "ErrorItemNotFound", "message": "Not found"}}, 404)
        return Response("", status=204)
