"""A fake Ironclad public API on 127.0.0.1 following API_BRIEF.md §1 (OpenAPI copy of the vendor spec).

Checks what the vendor documents: OAuth2 client-credentials token endpoint (form or JSON body), bearer token
on every API call (401 otherwise), ``x-as-user-email`` for client-credential tokens, ``page`` 0-based and
``pageSize`` 1–100, ``sortField``/``sortDirection`` values, ``lastUpdated`` as a UTC timestamp; answers with the
``{"page","pageSize","count","list"}`` envelope, the RecordModel shape, the signed copy as bytes, PATCH with
``addProperties``/``removeProperties`` (unknown property → 400 INVALID_PARAM) and the webhook verification key.
Faults: a page that answers 5xx (``fail_pages``), 429 with Retry-After (``Fault``), revoked tokens.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from typing import Any
from urllib.parse import parse_qs

from werkzeug.wrappers import Request, Response

from tests.fakes.server import FakeServer, json_response

API = "/public/api/v1"
_TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?Z$")


def _parse(ts: str) -> dt.datetime:
    return dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))


class FakeIronclad(FakeServer):
    def __init__(
        self,
        *,
        client_id: str = "client-1",
        client_secret: str = "secret-1",
        properties: set[str] | None = None,
        public_key_pem: str = "",
    ) -> None:
        super().__init__()
        self.client_id, self.client_secret = client_id, client_secret
        self.records: dict[str, dict[str, Any]] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        self.workflows: dict[str, list[str]] = {}
        self.tokens: set[str] = set()
        self.token_bodies: list[dict[str, Any]] = []
        self.fail_pages: dict[int, int] = {}  # page index → how many more times to answer 500
        self.properties = properties  # None = accept any property id
        self.public_key_pem = public_key_pem
        self.route("POST", "/oauth/token", self._token)
        self.route("GET", f"{API}/records", self._list)
        self.route("GET", f"{API}/records/(?P<rid>[^/]+)", self._get)
        self.route("PATCH", f"{API}/records/(?P<rid>[^/]+)", self._patch)
        self.route("GET", f"{API}/records/(?P<rid>[^/]+)/attachments/(?P<key>[^/]+)", self._attachment)
        self.route("GET", f"{API}/workflows/(?P<wid>[^/]+)", self._workflow)
        self.route("GET", f"{API}/webhooks/verification-key", self._key)

    @property
    def base_url(self) -> str:
        return self.url + API

    # test set-up ----------------------------------------------------------------------------------------
    def add_record(self, rid: str, ironclad_id: str, name: str, last_updated: str, content: bytes | None,
                   content_type: str = "application/pdf", filename: str | None = None, parent: str | None = None) -> None:  # fmt: skip
        rec: dict[str, Any] = {
            "id": rid, "ironcladId": ironclad_id, "type": "contract", "name": name, "lastUpdated": last_updated,
            "properties": {"agreementDate": {"type": "date", "value": "2026-01-01T00:00:00-07:00"}},
            "attachments": {}, "links": [], "childIds": [],
            "contractStatus": {"status": "active", "enhancedStatus": "executed"},
        }  # fmt: skip
        if parent:
            rec["parent"] = {"recordId": parent}
        if content is not None:
            rec["attachments"]["signedCopy"] = {
                "filename": filename or f"{name}.pdf", "contentType": content_type,
                "href": f"{self.base_url}/records/{rid}/attachments/signedCopy",
            }  # fmt: skip
            self.files[rid] = (content, content_type)
        self.records[rid] = rec

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    # auth -----------------------------------------------------------------------------------------------
    def authorize(self, req: Request) -> Response | None:
        if not req.path.startswith(API):
            return None
        auth = req.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return json_response({"code": "UNAUTHORIZED", "message": "invalid or expired token"}, 401)
        if not req.headers.get("x-as-user-email") and not req.path.endswith("verification-key"):
            return json_response({"code": "MISSING_PARAM", "message": "x-as-user-email or x-as-user-id header is "
                                  "required for client credentials tokens", "param": "x-as-user-email"}, 400)  # fmt: skip
        return None

    def _token(self, req: Request) -> Response:
        raw = req.get_data(as_text=True)
        if "json" in (req.content_type or ""):
            body = json.loads(raw or "{}")
        else:
            body = {k: v[0] for k, v in parse_qs(raw).items()}
        self.token_bodies.append(body)
        if body.get("grant_type") != "client_credentials":
            return json_response({"error": "unsupported_grant_type"}, 400)
        if (body.get("client_id"), body.get("client_secret")) != (self.client_id, self.client_secret):
            return json_response({"error": "invalid_client"}, 401)
        if "public.records.readRecords" not in (body.get("scope") or "").split():
            return json_response({"error": "invalid_scope"}, 400)
        token = secrets.token_hex(12)
        self.tokens.add(token)
        return json_response({"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": body["scope"]})

    # records --------------------------------------------------------------------------------------------
    def _list(self, req: Request) -> Response:
        a = req.args
        try:
            page, size = int(a.get("page", 0)), int(a.get("pageSize", 20))
        except ValueError:
            return json_response({"code": "INVALID_PARAM", "message": "page and pageSize are integers"}, 400)
        if page < 0 or not 1 <= size <= 100:
            return json_response({"code": "INVALID_PARAM", "message": "pageSize must be 1-100", "param": "pageSize"}, 400)
        field = a.get("sortField", "agreementDate")
        direction = a.get("sortDirection", "DESC")
        if field not in ("agreementDate", "name", "lastUpdated") or direction not in ("ASC", "DESC"):
            return json_response({"code": "INVALID_PARAM", "message": "bad sort", "param": "sortField"}, 400)
        since = a.get("lastUpdated")
        if since is not None and not _TS.match(since):
            return json_response({"code": "INVALID_PARAM", "message": "lastUpdated must be a UTC timestamp like "
                                  "2018-03-10T00:00:00.000Z", "param": "lastUpdated"}, 400)  # fmt: skip
        if self.fail_pages.get(page, 0) > 0:
            self.fail_pages[page] -= 1
            return json_response({"code": "INTERNAL_ERROR", "message": "upstream timeout"}, 500)
        recs = list(self.records.values())
        if since:
            recs = [r for r in recs if _parse(r["lastUpdated"]) >= _parse(since)]
        types = a.get("types")
        if types:
            recs = [r for r in recs if r["type"] in types.split(",")]
        key = {"lastUpdated": lambda r: (_parse(r["lastUpdated"]), r["id"]), "name": lambda r: r["name"],
               "agreementDate": lambda r: r["properties"]["agreementDate"]["value"]}[field]  # fmt: skip
        recs.sort(key=key, reverse=direction == "DESC")
        return json_response({"page": page, "pageSize": size, "count": len(recs), "list": recs[page * size : (page + 1) * size]})

    def _find(self, rid: str) -> dict[str, Any] | None:
        return self.records.get(rid) or next((r for r in self.records.values() if r["ironcladId"] == rid), None)

    def _get(self, req: Request, rid: str) -> Response:
        rec = self._find(rid)
        return json_response(rec) if rec else json_response({"code": "NOT_FOUND", "message": f"record {rid}"}, 404)

    def _attachment(self, req: Request, rid: str, key: str) -> Response:
        if rid not in self.files or key != "signedCopy":
            return json_response({"code": "NOT_FOUND", "message": "attachment not found"}, 404)
        content, ctype = self.files[rid]
        return Response(content, status=200, content_type=ctype)

    def _patch(self, req: Request, rid: str) -> Response:
        rec = self._find(rid)
        if rec is None:
            return json_response({"code": "NOT_FOUND", "message": f"record {rid}"}, 404)
        body = json.loads(req.get_data(as_text=True) or "{}")
        allowed = {"addProperties", "removeProperties", "name", "type", "addLinks", "removeLinks", "setParent",
                   "addChildren", "removeParent", "removeChildren"}  # fmt: skip
        if set(body) - allowed:
            return json_response({"code": "INVALID_PARAM", "message": f"unknown field {sorted(set(body) - allowed)}"}, 400)
        for pid, prop in (body.get("addProperties") or {}).items():
            if self.properties is not None and pid not in self.properties:
                return json_response({"code": "INVALID_PARAM", "message": f"unknown property {pid}",
                                      "param": f"properties.{pid}"}, 400)  # fmt: skip
            if set(prop) != {"type", "value"} or prop["type"] not in ("string", "date", "number", "boolean"):
                return json_response({"code": "INVALID_PARAM", "message": f"bad property value {prop}"}, 400)
            if prop["type"] == "date" and not _TS.match(prop["value"]):
                return json_response({"code": "INVALID_PARAM", "message": f"bad date {prop['value']}"}, 400)
            rec["properties"][pid] = prop
        for pid in body.get("removeProperties") or []:
            rec["properties"].pop(pid, None)
        return json_response(rec)

    def _workflow(self, req: Request, wid: str) -> Response:
        if wid not in self.workflows:
            return json_response({"code": "NOT_FOUND", "message": f"workflow {wid}"}, 404)
        return json_response({"id": wid, "status": "completed", "isComplete": True, "recordIds": self.workflows[wid]})

    def _key(self, req: Request) -> Response:
        return Response(self.public_key_pem, status=200, content_type="text/plain")
