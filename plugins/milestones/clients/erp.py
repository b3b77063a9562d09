"""Billing/ERP: NetSuite REST record service and Zuora standalone (draft) invoices (API_BRIEF §16b, §16c).

Neither takes a plain "create" safely twice, so both clients carry our key:
- NetSuite: the record's `externalId` is our key (looked up as `GET /record/v1/{type}/eid:{key}` before
  creating), and the create sends `X-NetSuite-Idempotency-Key` (a UUID derived from the key, the same on every
  retry) with `Prefer: respond-async`; a duplicate answers 400 `IDEMPOTENCY_ERROR`, which means "already taken".
- Zuora: `POST /v1/invoices` with `Idempotency-Key` (≤ 255 chars); a repeat returns the first invoice.
"""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import quote

from .http import HttpClient, PermanentError

__all__ = ["NetSuiteClient", "ZuoraClient", "netsuite_idempotency_key"]


def netsuite_idempotency_key(key: str) -> str:
    """NetSuite wants a UUID; derive it from our key so a retry after a crash sends the same one."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"contract-milestones:{key}"))


def _error_codes(body: Any) -> set[str]:
    details = body.get("o:errorDetails") if isinstance(body, dict) else None
    return {str(d.get("o:errorCode")) for d in details or [] if isinstance(d, dict)}


class NetSuiteClient:
    """`base_url` = https://<account>.suitetalk.api.netsuite.com/services/rest; OAuth 2.0 bearer token."""

    def __init__(self, base_url: str, token: str, *, http: HttpClient | None = None, **http_kw: Any) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http or HttpClient(self.base_url, headers={"Authorization": f"Bearer {token}"}, **http_kw)

    def find_by_external_id(self, record_type: str, external_id: str) -> dict[str, Any] | None:
        try:
            resp = self.http.get(f"record/v1/{record_type}/eid:{quote(external_id, safe='')}")
        except PermanentError as exc:
            if exc.status == 404:
                return None
            raise
        return resp.json()

    def create(self, record_type: str, body: dict[str, Any], key: str) -> str:
        """Create with our key; returns the Location of the new record or async job (or of the earlier one)."""
        headers = {"X-NetSuite-Idempotency-Key": netsuite_idempotency_key(key), "Prefer": "respond-async"}
        resp = self.http.post(f"record/v1/{record_type}", json={**body, "externalId": key}, headers=headers,
                              ok=(202, 204, 400))  # fmt: skip
        if resp.status_code == 400:
            try:
                payload = resp.json()
            except ValueError:
                payload = {}
            if "IDEMPOTENCY_ERROR" not in _error_codes(payload):
                raise PermanentError(f"POST record/v1/{record_type}: HTTP 400: {resp.text[:300]}", status=400)
        return resp.headers.get("Location", "")


class ZuoraClient:
    """OAuth client credentials (`POST /oauth/token`, tokens live 1 h) or a ready bearer token."""

    def __init__(self, base_url: str, *, client_id: str | None = None, client_secret: str | None = None,
                 token: str | None = None, http: HttpClient | None = None, **http_kw: Any) -> None:  # fmt: skip
        if not token and not (client_id and client_secret):
            raise ValueError("ZuoraClient needs client_id + client_secret, or a token")
        self.base_url = base_url.rstrip("/")
        self.http = http or HttpClient(self.base_url, **http_kw)
        self.client_id, self.client_secret = client_id, client_secret
        self._token, self._expires = token, float("inf") if token else 0.0

    def _auth(self) -> dict[str, str]:
        if self._token is None or time.monotonic() >= self._expires:
            resp = self.http.post("oauth/token", data={"client_id": self.client_id, "client_secret": self.client_secret,
                                                        "grant_type": "client_credentials"}, idempotent=True)  # fmt: skip
            body = resp.json()
            self._token = body["access_token"]
            self._expires = time.monotonic() + float(body.get("expires_in", 3600)) - 60
        return {"Authorization": f"Bearer {self._token}"}

    def create_draft_invoice(self, body: dict[str, Any], key: str) -> dict[str, Any]:
        headers = {**self._auth(), "Idempotency-Key": key[:255], "Zuora-Track-Id": key[:64]}
        resp = self.http.post("v1/invoices", json={**body, "status": "Draft"}, headers=headers)
        data = resp.json()
        if not data.get("success", True):
            raise PermanentError(f"POST v1/invoices: {data.get('reasons') or data}", status=resp.status_code)
        return data
