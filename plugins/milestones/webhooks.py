""""Contract executed" webhooks: verify the sender, then ask Airflow to ingest that one contract.

Mounted in the Airflow api-server as a plugin FastAPI app (``create_app``/``app_from_environment``; the
plugin file wires it at ``/clm-webhooks``). Plugin apps are NOT behind Airflow's authentication, so every
request proves itself by signature:

- ``POST /ironclad`` — Ironclad's scheme (API_BRIEF §1): headers ``X-Ironclad-Webhook-Event-Id`` and
  ``X-Ironclad-Webhook-Verification`` = JSON ``{"nonce","signAlgorithm","signature","encoding"}``; the signature
  is RSA-SHA256 over event id + raw body + nonce (order configurable: an older vendor page says id + nonce +
  body) with Ironclad's public key (``GET /webhooks/verification-key``). It is asymmetric, not an HMAC.
- ``POST /events`` — any other sender (a DocuSign CLM workflow step, a relay): HMAC-SHA256 with a shared secret,
  ``X-Milestones-Signature: t=<unix seconds>,v1=<hex of HMAC(secret, "<t>." + raw body)>``, body
  ``{"source": "ironclad"|"docusign_clm", "record_id": "…", "event_id": "…"}``.

Missing or forged signatures get 401. Replays: an event id already handled is answered 200 "duplicate" without a
second trigger (also across api-server workers: the DAG run id is derived from the event id and Airflow
answers 409). A timestamp outside the window is refused with 401 — the HMAC window is 5 minutes; Ironclad's
window is 24 hours because Ironclad re-delivers a failed event for up to 13.6 hours with its original timestamp.

Ingestion is a DAG run of ``clm_sync`` with conf ``{"source", "record_id" | "workflow_id", "event_id", …}``
(``POST /api/v2/dags/clm_sync/dagRuns``, run id ``webhook__<source>__<event id>``) or, in ``asset`` mode, an
asset event on ``clm_contract_executed`` (``POST /api/v2/assets/events``, the same fields in ``extra``), which
also schedules ``clm_sync``. If Airflow cannot be reached the webhook answers 503, so the sender retries.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from extractors.errors import MilestonesError

from .sources.base import safe_id
from .sources.http import ApiClient, RetryPolicy, SourceError, TokenProvider
from .sources.runs import CLM_EVENT_ASSET

__all__ = [
    "WebhookRejected",
    "IroncladVerifier",
    "HmacVerifier",
    "AirflowTrigger",
    "WebhookSettings",
    "create_app",
    "app_from_environment",
    "sign_hmac",
    "CLM_EVENT_ASSET",
    "IRONCLAD_EVENTS",
]

log = logging.getLogger(__name__)
IRONCLAD_EVENTS = ("workflow_completed", "record_contract_status_changed")


class WebhookRejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _parse_ts(value: Any) -> float | None:
    import datetime as dt

    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value) / (1000.0 if value > 1e11 else 1.0)
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


@dataclass
class IroncladVerifier:
    """Ironclad's RSA signature. ``public_key`` is the PEM text or a loader (fetched once, then cached)."""

    public_key: str | Callable[[], str]
    order: str = "id_body_nonce"  # or "id_nonce_body"
    max_age_s: float = 24 * 3600.0
    max_future_s: float = 300.0
    _key: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.order not in ("id_body_nonce", "id_nonce_body"):
            raise MilestonesError(f"Ironclad signature order {self.order!r}: use id_body_nonce or id_nonce_body")

    def _public_key(self) -> Any:
        if self._key is None:
            from cryptography.hazmat.primitives.serialization import load_pem_public_key

            pem = self.public_key() if callable(self.public_key) else self.public_key
            try:
                self._key = load_pem_public_key(pem.encode())
            except ValueError as exc:
                raise MilestonesError(f"the Ironclad webhook verification key is not a PEM public key: {exc}") from exc
        return self._key

    def verify(self, headers: Mapping[str, str], body: bytes, now: float) -> dict[str, Any]:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        event_id = headers.get("x-ironclad-webhook-event-id")
        raw = headers.get("x-ironclad-webhook-verification")
        if not event_id or not raw:
            raise WebhookRejected(401, "missing X-Ironclad-Webhook-Event-Id or X-Ironclad-Webhook-Verification")
        try:
            ver = json.loads(raw)
            nonce, signature = str(ver["nonce"]), str(ver["signature"])
            algorithm, encoding = str(ver.get("signAlgorithm", "RSA-SHA256")), str(ver.get("encoding", "base64"))
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRejected(401, "X-Ironclad-Webhook-Verification is not the documented JSON") from exc
        if algorithm.upper().replace("-", "") not in ("RSASHA256", "SHA256"):
            raise WebhookRejected(401, f"unsupported signAlgorithm {algorithm!r}")
        try:
            sig = base64.b64decode(signature, validate=True) if encoding == "base64" else bytes.fromhex(signature)
        except ValueError as exc:
            raise WebhookRejected(401, "the signature is not valid base64/hex") from exc
        parts = (event_id.encode(), body, nonce.encode())
        data = b"".join(parts if self.order == "id_body_nonce" else (parts[0], parts[2], parts[1]))
        try:
            self._public_key().verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature as exc:
            raise WebhookRejected(401, "signature does not match (forged, altered, or the wrong key)") from exc
        try:
            payload = json.loads(body)
        except ValueError as exc:
            raise WebhookRejected(400, "body is not JSON") from exc
        sent = _parse_ts(payload.get("timestamp"))
        if sent is None or now - sent > self.max_age_s or sent - now > self.max_future_s:
            raise WebhookRejected(401, "timestamp missing or outside the accepted window (replayed or clock skew)")
        return {"event_id": event_id, "payload": payload}


@dataclass(frozen=True)
class HmacVerifier:
    secret: str
    tolerance_s: float = 300.0

    def verify(self, headers: Mapping[str, str], body: bytes, now: float) -> dict[str, Any]:
        raw = headers.get("x-milestones-signature") or ""
        fields = dict(p.split("=", 1) for p in raw.split(",") if "=" in p)
        if "t" not in fields or "v1" not in fields:
            raise WebhookRejected(401, "missing X-Milestones-Signature (t=<unix seconds>,v1=<hex hmac>)")
        try:
            sent = float(fields["t"])
        except ValueError as exc:
            raise WebhookRejected(401, "signature timestamp is not a number") from exc
        expected = hmac.new(self.secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields["v1"].strip().lower()):
            raise WebhookRejected(401, "signature does not match (forged or altered)")
        if abs(now - sent) > self.tolerance_s:
            raise WebhookRejected(401, "signature timestamp outside the 5-minute window (replayed?)")
        try:
            payload = json.loads(body)
        except ValueError as exc:
            raise WebhookRejected(400, "body is not JSON") from exc
        if not isinstance(payload, dict) or not payload.get("event_id") or not payload.get("source"):
            raise WebhookRejected(400, 'body must be {"source": …, "record_id": …, "event_id": …}')
        return {"event_id": str(payload["event_id"]), "payload": payload}


def sign_hmac(secret: str, body: bytes, t: int) -> str:
    """The X-Milestones-Signature header value for a body (what a sender computes)."""
    return f"t={t},v1=" + hmac.new(secret.encode(), str(t).encode() + b"." + body, hashlib.sha256).hexdigest()


class _AirflowToken(TokenProvider):
    """POST /auth/token with the API user's name and password (Airflow's simple and FAB auth managers)."""

    def __init__(self, url: str, username: str, password: str) -> None:
        self.url, self.username, self.password = url, username, password
        self._token: str | None = None
        self._lock = threading.Lock()

    @property
    def refreshable(self) -> bool:
        return True

    def invalidate(self) -> None:
        self._token = None

    def token(self, session: Any, policy: RetryPolicy) -> str:
        import requests

        with self._lock:
            if self._token:
                return self._token
            try:
                resp = session.post(self.url, json={"username": self.username, "password": self.password},
                                    timeout=(policy.connect_timeout_s, policy.read_timeout_s))  # fmt: skip
            except requests.RequestException as exc:
                raise SourceError(f"Airflow token request failed: {exc}", transient=True) from exc
            if resp.status_code not in (200, 201):
                raise SourceError(f"Airflow refused the API user ({resp.status_code}); check the connection "
                                  "milestones_airflow_api", status=resp.status_code,
                                  transient=resp.status_code >= 500)  # fmt: skip
            self._token = resp.json()["access_token"]
            return self._token


class _Bearer(TokenProvider):
    def __init__(self, value: str) -> None:
        self.value = value

    def token(self, session: Any, policy: RetryPolicy) -> str:
        return self.value


class AirflowTrigger:
    """Starts ingestion of one contract through the Airflow REST API (v2)."""

    def __init__(
        self,
        base_url: str,
        *,
        username: str = "",
        password: str = "",
        token: str = "",
        dag_id: str = "clm_sync",
        mode: str = "dag_run",
        asset_name: str = CLM_EVENT_ASSET,
        policy: RetryPolicy | None = None,
    ) -> None:
        if mode not in ("dag_run", "asset"):
            raise MilestonesError(f"trigger mode {mode!r}: use dag_run or asset")
        if not (token or (username and password)):
            raise MilestonesError("the Airflow API needs a user (login/password) or a token in the connection "
                                  "milestones_airflow_api")  # fmt: skip
        base_url = base_url.rstrip("/")
        auth = _Bearer(token) if token else _AirflowToken(f"{base_url}/auth/token", username, password)
        self.api = ApiClient(base_url, auth, policy or RetryPolicy(max_attempts=2, backoff_s=0.5, read_timeout_s=15),
                             name="airflow-api", connection_hint="the connection milestones_airflow_api")  # fmt: skip
        self.dag_id, self.mode, self.asset_name = dag_id, mode, asset_name
        self._asset_id: int | None = None

    def _asset(self) -> int:
        if self._asset_id is None:
            body = self.api.json("GET", "api/v2/assets", params={"name_pattern": self.asset_name, "limit": 100})
            ids = [a["id"] for a in body.get("assets", []) if a.get("name") == self.asset_name]
            if not ids:
                raise SourceError(f"Airflow has no asset named {self.asset_name!r}; is the clm_sync DAG deployed "
                                  "and parsed?", status=404)  # fmt: skip
            self._asset_id = int(ids[0])
        return self._asset_id

    def fire(self, conf: dict[str, Any]) -> dict[str, Any]:
        """Returns {"status": "triggered"|"duplicate", ...}; raises SourceError when Airflow cannot take it."""
        if self.mode == "asset":
            event = self.api.json("POST", "api/v2/assets/events", json_body={"asset_id": self._asset(), "extra": conf})
            return {"status": "triggered", "asset_event_id": (event or {}).get("id")}
        run_id = f"webhook__{conf['source']}__{safe_id(str(conf['event_id']))}"[:250]
        body = {"dag_run_id": run_id, "logical_date": None, "conf": conf,
                "note": f"{conf['source']} event {conf['event_id']}"}  # fmt: skip
        try:
            self.api.json("POST", f"api/v2/dags/{self.dag_id}/dagRuns", json_body=body)
        except SourceError as exc:
            if exc.status == 409:
                return {"status": "duplicate", "dag_run_id": run_id}
            raise
        return {"status": "triggered", "dag_run_id": run_id}


@dataclass
class WebhookSettings:
    trigger: AirflowTrigger | None = None
    ironclad: IroncladVerifier | None = None
    hmac: HmacVerifier | None = None
    ironclad_events: tuple[str, ...] = IRONCLAD_EVENTS
    clock: Callable[[], float] = time.time
    seen_limit: int = 10_000


class _Seen:
    """Event ids handled by this process (bounded); Airflow's 409 on the run id covers other processes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.ids: OrderedDict[str, None] = OrderedDict()
        self.lock = threading.Lock()

    def __contains__(self, key: str) -> bool:
        with self.lock:
            return key in self.ids

    def add(self, key: str) -> None:
        with self.lock:
            self.ids[key] = None
            while len(self.ids) > self.limit:
                self.ids.popitem(last=False)


def _record_ref(payload: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in ("recordID", "recordId", "record_id"):
        if payload.get(key):
            out["record_id"] = str(payload[key])
            break
    for key in ("workflowID", "workflowId", "workflow_id"):
        if payload.get(key):
            out["workflow_id"] = str(payload[key])
            break
    return out


def create_app(settings: WebhookSettings | Callable[[], WebhookSettings]) -> FastAPI:
    """The FastAPI app. ``settings`` may be a factory, called on the first request (the api-server loads plugins
    before connections are needed; an unconfigured part answers 503 with what to set)."""
    app = FastAPI(title="contract-milestones webhooks", docs_url=None, redoc_url=None, openapi_url=None)
    state: dict[str, Any] = {}
    lock = threading.Lock()

    def cfg() -> WebhookSettings:
        with lock:
            if "settings" not in state:
                state["settings"] = settings() if callable(settings) else settings
                state["seen"] = _Seen(state["settings"].seen_limit)
            return state["settings"]

    def reply(http_status: int, **body: Any) -> JSONResponse:
        return JSONResponse(body, status_code=http_status)

    def handle(source: str, event_id: str, conf: dict[str, Any]) -> JSONResponse:
        s, seen = cfg(), state["seen"]
        key = f"{source}:{event_id}"
        if key in seen:
            return reply(200, status="duplicate", event_id=event_id)
        if s.trigger is None:
            return reply(503, status="not_configured", detail="set the Airflow connection milestones_airflow_api "
                         "(AIRFLOW_CONN_MILESTONES_AIRFLOW_API) so webhooks can start ingestion")  # fmt: skip
        try:
            result = s.trigger.fire(conf)
        except SourceError as exc:
            log.error("webhook %s: could not start ingestion: %s", key, exc)
            return reply(503, status="airflow_unavailable", detail="ingestion could not be started; retry later")
        seen.add(key)
        log.info("webhook %s: %s %s", key, result["status"], result)
        return reply(202 if result["status"] == "triggered" else 200, event_id=event_id, **result)

    @app.get("/health")
    def health() -> dict[str, Any]:
        try:
            s = cfg()
        except MilestonesError as exc:
            return {"status": "misconfigured", "detail": str(exc)}
        return {"status": "ok", "ironclad": s.ironclad is not None, "hmac": s.hmac is not None,
                "trigger": None if s.trigger is None else s.trigger.mode}  # fmt: skip

    @app.post("/ironclad")
    async def ironclad(request: Request) -> JSONResponse:
        body = await request.body()
        try:
            s = cfg()
        except MilestonesError as exc:
            return reply(503, status="misconfigured", detail=str(exc))
        if s.ironclad is None:
            return reply(503, status="not_configured", detail="set the Ironclad webhook key (extra webhook_public_key "
                         "of the connection ironclad, or MILESTONES_IRONCLAD_WEBHOOK_KEY)")  # fmt: skip
        try:
            ev = s.ironclad.verify({k.lower(): v for k, v in request.headers.items()}, body, s.clock())
        except WebhookRejected as exc:
            log.warning("ironclad webhook rejected: %s", exc.reason)
            return reply(exc.status, status="rejected", detail=exc.reason)
        except MilestonesError as exc:
            return reply(503, status="misconfigured", detail=str(exc))
        outer = ev["payload"]
        inner = outer.get("payload") if isinstance(outer.get("payload"), dict) else {}
        event = str(inner.get("event") or "")
        if event not in s.ironclad_events:
            return reply(200, status="ignored", detail=f"event {event!r} does not start ingestion")
        ref = _record_ref(inner)
        if not ref:
            return reply(200, status="ignored", detail="the event names no record or workflow")
        conf = {"source": "ironclad", "event": event, "event_id": ev["event_id"], **ref,
                "webhook_id": outer.get("webhookID"), "event_timestamp": outer.get("timestamp")}  # fmt: skip
        return handle("ironclad", ev["event_id"], conf)

    @app.post("/events")
    async def events(request: Request) -> JSONResponse:
        body = await request.body()
        s = cfg()
        if s.hmac is None:
            return reply(503, status="not_configured", detail="set the shared secret: password of the connection "
                         "milestones_webhook (AIRFLOW_CONN_MILESTONES_WEBHOOK)")  # fmt: skip
        try:
            ev = s.hmac.verify({k.lower(): v for k, v in request.headers.items()}, body, s.clock())
        except WebhookRejected as exc:
            log.warning("signed webhook rejected: %s", exc.reason)
            return reply(exc.status, status="rejected", detail=exc.reason)
        p = ev["payload"]
        source = str(p["source"])
        if source not in ("ironclad", "docusign_clm") or not re.match(r"^[\w.:-]{1,200}$", str(p.get("record_id") or "")):
            return reply(400, status="rejected", detail="source must be ironclad or docusign_clm and record_id an id")
        conf = {"source": source, "event": str(p.get("event") or "contract_executed"), "event_id": ev["event_id"],
                "record_id": str(p["record_id"])}  # fmt: skip
        return handle(source, ev["event_id"], conf)

    return app


# --- wiring inside the api-server ----------------------------------------------------------------------------


def _connection(conn_id: str) -> Any | None:
    """An Airflow connection (env AIRFLOW_CONN_<ID> or the metadata DB), or None when it is not defined."""
    try:
        from airflow.models.connection import Connection

        return Connection.get_connection_from_secrets(conn_id)
    except Exception:  # noqa: BLE001 — "not found" has several types across Airflow versions
        return None


def settings_from_environment() -> WebhookSettings:
    """Build the settings from Airflow connections (and two env overrides):

    - ``milestones_airflow_api``: host/port/schema of the api-server, login/password of an API user (or extra
      token); extra ``dag_id`` (clm_sync), ``mode`` (dag_run | asset);
    - ``ironclad``: extra ``webhook_public_key`` (PEM from GET /webhooks/verification-key), else the key is
      fetched once with the connection's credentials; extra ``webhook_signature_order``;
      env ``MILESTONES_IRONCLAD_WEBHOOK_KEY`` overrides the key;
    - ``milestones_webhook``: password = the HMAC secret for POST /events.
    """
    import os

    settings = WebhookSettings()
    api = _connection("milestones_airflow_api")
    if api is not None:
        extra = api.extra_dejson or {}
        host = api.host or "localhost"
        base = host if host.startswith("http") else f"{api.schema or 'http'}://{host}{f':{api.port}' if api.port else ''}"
        settings.trigger = AirflowTrigger(base, username=api.login or "", password=api.password or "",
                                          token=extra.get("token", ""), dag_id=extra.get("dag_id", "clm_sync"),
                                          mode=extra.get("mode", "dag_run"))  # fmt: skip
    ic = _connection("ironclad")
    key = os.environ.get("MILESTONES_IRONCLAD_WEBHOOK_KEY") or ((ic.extra_dejson or {}).get("webhook_public_key") if ic else None)
    if key or ic is not None:
        order = ((ic.extra_dejson or {}).get("webhook_signature_order") if ic else None) or "id_body_nonce"

        def fetch_key() -> str:
            from .sources.config import ironclad_config
            from .sources.ironclad import IroncladSource

            if ic is None:
                raise MilestonesError("no Ironclad webhook key: set MILESTONES_IRONCLAD_WEBHOOK_KEY or the connection ironclad")
            src = IroncladSource(ironclad_config(ic))
            return src.api.request("GET", "webhooks/verification-key", headers={"Accept": "text/plain"}).text

        settings.ironclad = IroncladVerifier(key or fetch_key, order=order)
    hook = _connection("milestones_webhook")
    if hook is not None and hook.password:
        settings.hmac = HmacVerifier(hook.password)
    return settings


def app_from_environment() -> FastAPI:
    """What the plugin mounts: ``fastapi_apps = [{"app": app_from_environment(), "url_prefix": "/clm-webhooks",
    "name": "Contract webhooks"}]``. Connections are read on the first request, not at api-server start."""
    return create_app(settings_from_environment)
