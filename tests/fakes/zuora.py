"""Zuora Billing (API_BRIEF §16c): OAuth client credentials (`POST /oauth/token`, form body → bearer token
valid 1 h), `POST /v1/invoices` (standalone invoice: `accountId`, `invoiceDate`, `invoiceItems[].amount`,
`invoiceItems[].serviceStartDate` mandatory; `status` Draft), `Idempotency-Key` (≤ 255 characters: a
repeat returns the first answer and creates nothing), errors as `{"success": false, "reasons": [...]}`."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from werkzeug.wrappers import Request, Response

from .server import FakeServer, json_response

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _fail(status: int, code: int, message: str) -> Response:
    return json_response({"success": False, "processId": "F0E1D2C3B4A59687",
                          "reasons": [{"code": code, "message": message}]}, status)  # fmt: skip


class ZuoraFake(FakeServer):
    def __init__(self, client_id: str = "zuora-client", client_secret: str = "zuora-secret",
                 accounts: tuple[str, ...] = ("2c92c0f87ae2ed67017ae5c126a36101", "2c92c0f87ae2ed67017ae5c126a36102")
                 ) -> None:  # fmt: skip
        super().__init__()
        self.client_id, self.client_secret = client_id, client_secret
        self.accounts = set(accounts)
        self.tokens: set[str] = set()
        self.invoices: dict[str, dict[str, Any]] = {}
        self.replies: dict[str, tuple[int, str]] = {}  # Idempotency-Key → the first answer
        self._ids = itertools.count(1)
        self.route("POST", r"/oauth/token", self.token)
        self.route("POST", r"/v1/invoices", self.create_invoice)
        self.route("GET", r"/v1/invoices/(?P<iid>[^/]+)", self.get_invoice)

    def authorize(self, req: Request) -> Response | None:
        if req.path == "/oauth/token":
            return None
        auth = req.headers.get("Authorization") or ""
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return json_response({"message": "Authentication error"}, 401)
        return None

    def token(self, req: Request) -> Response:
        form = req.form
        if form.get("grant_type") != "client_credentials":
            return json_response({"error": "unsupported_grant_type"}, 400)
        if (form.get("client_id"), form.get("client_secret")) != (self.client_id, self.client_secret):
            return json_response(
                {"error": "invalid_client", "error_description": "Bad client credentials"}, 401
            )
        tok = f"zuora-token-{len(self.tokens) + 1}"
        self.tokens.add(tok)
        return json_response({"access_token": tok, "token_type": "bearer", "expires_in": 3599, "scope": "entity.1 user.1",
                              "jti": tok})  # fmt: skip

    def _problem(self, body: dict[str, Any]) -> str | None:
        if body.get("accountId") not in self.accounts:
            return f"Invalid value for field accountId: {body.get('accountId')}"
        if not DATE.match(str(body.get("invoiceDate") or "")):
            return "invoiceDate is required (yyyy-mm-dd)"
        items = body.get("invoiceItems")
        if not isinstance(items, list) or not items:
            return "invoiceItems is required"
        for item in items:
            if not isinstance(item.get("amount"), int | float):
                return "invoiceItems.amount is required"
            if not DATE.match(str(item.get("serviceStartDate") or "")):
                return "invoiceItems.serviceStartDate is required (yyyy-mm-dd)"
        if body.get("status", "Draft") not in ("Draft", "Posted"):
            return "status must be Draft or Posted"
        return None

    def create_invoice(self, req: Request) -> Response:
        key = req.headers.get("Idempotency-Key")
        if key is not None and (not key or len(key) > 255):
            return _fail(400, 50000040, "Idempotency-Key must be 1-255 characters")
        if key is not None and key in self.replies:
            status, text = self.replies[key]
            return Response(text, status=status, content_type="application/json")
        body = req.get_json(silent=True)
        if not isinstance(body, dict):
            return _fail(400, 50000040, "Malformed JSON")
        problem = self._problem(body)
        if problem:
            return _fail(400, 53100020, problem)
        n = next(self._ids)
        iid = f"8a90a1b2c3d4e5f6{n:016d}"
        inv = {"id": iid, "invoiceNumber": f"INV{n:08d}", "accountId": body["accountId"], "status": body.get("status", "Draft"),
               "invoiceDate": body["invoiceDate"], "amount": sum(float(i["amount"]) for i in body["invoiceItems"]),
               "invoiceItems": body["invoiceItems"], "idempotencyKey": key}  # fmt: skip
        self.invoices[iid] = inv
        reply = json.dumps({"success": True, **{k: v for k, v in inv.items() if k != "idempotencyKey"}})
        if key is not None:
            self.replies[key] = (200, reply)
        return Response(reply, status=200, content_type="application/json")

    def get_invoice(self, req: Request, iid: str) -> Response:
        inv = self.invoices.get(iid)
        if inv is None:
            return _fail(404, 50000040, f"Invoice {iid} not found")
        return json_response({"success": True, **inv})
