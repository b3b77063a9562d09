"""A fake DocuSign CLM v2 API on 127.0.0.1 following API_BRIEF.md §2.

Checks: the JWT grant (RS256 assertion signed with the integration's key: iss, sub, aud, exp, scope with
spring_read), bearer tokens, ``offset``/``limit`` (limit ≤ 100); answers with the collection envelope (``Items``,
``Href``, ``Offset``, ``Limit``, ``Total``, ``First``, ``Last`` and ``Next`` only when there is a next page),
Document objects with ``Href`` and a ``DownloadDocumentHref`` on the download "host" (here the /download prefix),
PATCH with ``AttributeGroups``, and 429 with ``X-RateLimit-Reset`` + ``Error.ErrorCode`` 103.
"""

from __future__ import annotations

import email.utils
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qs

from werkzeug.wrappers import Request, Response

from tests.fakes.server import FakeServer, json_response

ACCOUNT = "a1b2c3d4-0000-4000-8000-acc0000000001"


class FakeDocuSignCLM(FakeServer):
    def __init__(self, *, public_key_pem: str, integration_key: str = "ik-1", user_id: str = "user-1") -> None:
        super().__init__()
        self.public_key_pem, self.integration_key, self.user_id = public_key_pem, integration_key, user_id
        self.folders: dict[str, list[str]] = {}
        self.documents: dict[str, dict[str, Any]] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        self.tokens: set[str] = set()
        self.fail_offsets: dict[int, int] = {}  # folder listing offset → how many more 503s
        self.rate_limit_next = 0  # answer the next N API calls with 429
        self.route("POST", "/oauth/token", self._token)
        self.route("GET", f"/v2/{ACCOUNT}/folders/(?P<fid>[^/]+)/documents", self._list)
        self.route("GET", f"/v2/{ACCOUNT}/documents/(?P<did>[^/]+)", self._get)
        self.route("PATCH", f"/v2/{ACCOUNT}/documents/(?P<did>[^/]+)", self._patch)
        self.route("GET", f"/download/v2/{ACCOUNT}/documents/(?P<did>[^/]+)", self._download)

    @property
    def base_url(self) -> str:
        return f"{self.url}/v2/{ACCOUNT}"

    def add_document(self, did: str, folder: str, name: str, updated: str, content: bytes, content_type: str) -> None:
        self.folders.setdefault(folder, []).append(did)
        self.documents[did] = {
            "Name": name, "CreatedDate": updated, "CreatedBy": "clm@example.com", "UpdatedDate": updated,
            "UpdatedBy": "clm@example.com", "Description": "", "PageCount": 1,
            "ParentFolder": {"Href": f"{self.base_url}/folders/{folder}"},
            "DownloadDocumentHref": f"{self.url}/download/v2/{ACCOUNT}/documents/{did}",
            "Href": f"{self.base_url}/documents/{did}", "AttributeGroups": {},
        }  # fmt: skip
        self.files[did] = (content, content_type)

    def authorize(self, req: Request) -> Response | None:
        if req.path == "/oauth/token":
            return None
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            reset = email.utils.formatdate(time.time() + 2, usegmt=True)
            return json_response({"Error": {"HttpStatusCode": 429, "UserMessage": "Rate limit exceeded.",
                                            "DeveloperMessage": "Rate limit exceeded.", "ErrorCode": 103,
                                            "ReferenceId": secrets.token_hex(8)}}, 429,
                                 {"X-RateLimit-Limit": "6250", "X-RateLimit-Reset": reset})  # fmt: skip
        auth = req.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return json_response({"Error": {"HttpStatusCode": 401, "UserMessage": "Unauthorized", "ErrorCode": 1}}, 401)
        return None

    def _token(self, req: Request) -> Response:
        import jwt

        form = {k: v[0] for k, v in parse_qs(req.get_data(as_text=True)).items()}
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return json_response({"error": "unsupported_grant_type"}, 400)
        try:
            claims = jwt.decode(form.get("assertion", ""), self.public_key_pem, algorithms=["RS256"], audience=req.host,
                                options={"require": ["iss", "sub", "aud", "iat", "exp"]})  # fmt: skip
        except jwt.PyJWTError as exc:
            return json_response({"error": "invalid_grant", "error_description": str(exc)}, 400)
        if claims["iss"] != self.integration_key or claims["sub"] != self.user_id:
            return json_response({"error": "invalid_grant", "error_description": "no_valid_keys_or_signatures"}, 400)
        if "spring_read" not in claims.get("scope", "").split():
            return json_response({"error": "invalid_scope"}, 400)
        token = secrets.token_hex(12)
        self.tokens.add(token)
        return json_response({"access_token": token, "token_type": "Bearer", "expires_in": 3600})

    def _list(self, req: Request, fid: str) -> Response:
        try:
            offset, limit = int(req.args.get("offset", 0)), int(req.args.get("limit", 20))
        except ValueError:
            return json_response({"Error": {"HttpStatusCode": 400, "UserMessage": "bad paging"}}, 400)
        if not 1 <= limit <= 100 or offset < 0:
            return json_response({"Error": {"HttpStatusCode": 400, "UserMessage": "limit must be 1-100"}}, 400)
        if self.fail_offsets.get(offset, 0) > 0:
            self.fail_offsets[offset] -= 1
            return json_response({"Error": {"HttpStatusCode": 503, "UserMessage": "Service unavailable"}}, 503)
        if fid not in self.folders:
            return json_response({"Error": {"HttpStatusCode": 404, "UserMessage": "folder not found"}}, 404)
        docs = [self.documents[d] for d in self.folders[fid]]
        if req.args.get("sortproperty") == "UpdatedDate":
            docs.sort(key=lambda d: d["UpdatedDate"], reverse=req.args.get("sortdirection") == "desc")
        base = f"{self.base_url}/folders/{fid}/documents"
        env: dict[str, Any] = {
            "Items": [{k: v for k, v in d.items() if k != "AttributeGroups"} for d in docs[offset : offset + limit]],
            "Href": f"{base}?offset={offset}&limit={limit}", "Offset": offset, "Limit": limit, "Total": len(docs),
            "First": f"{base}?offset=0&limit={limit}",
            "Last": f"{base}?offset={max(0, (len(docs) - 1) // limit * limit)}&limit={limit}",
        }  # fmt: skip
        if offset + limit < len(docs):
            sort = "".join(f"&{k}={req.args[k]}" for k in ("sortproperty", "sortdirection") if k in req.args)
            env["Next"] = f"{base}?offset={offset + limit}&limit={limit}{sort}"
        if offset > 0:
            env["Previous"] = f"{base}?offset={max(0, offset - limit)}&limit={limit}"
        return json_response(env)

    def _get(self, req: Request, did: str) -> Response:
        doc = self.documents.get(did)
        return json_response(doc) if doc else json_response({"Error": {"HttpStatusCode": 404}}, 404)

    def _download(self, req: Request, did: str) -> Response:
        if did not in self.files:
            return json_response({"Error": {"HttpStatusCode": 404}}, 404)
        content, ctype = self.files[did]
        return Response(content, status=200, content_type=ctype)

    def _patch(self, req: Request, did: str) -> Response:
        doc = self.documents.get(did)
        if doc is None:
            return json_response({"Error": {"HttpStatusCode": 404}}, 404)
        body = json.loads(req.get_data(as_text=True) or "{}")
        groups = body.get("AttributeGroups")
        if not isinstance(groups, dict) or set(body) - {"AttributeGroups", "Name", "Description"}:
            return json_response({"Error": {"HttpStatusCode": 400, "UserMessage": "AttributeGroups expected"}}, 400)
        for gname, attrs in groups.items():
            for aname, attr in attrs.items():
                if set(attr) != {"AttributeType", "RepeatingAttribute", "Value"}:
                    return json_response({"Error": {"HttpStatusCode": 400, "UserMessage": f"bad attribute {aname}"}}, 400)
                doc["AttributeGroups"].setdefault(gname, {})[aname] = attr
        return json_response(doc)
