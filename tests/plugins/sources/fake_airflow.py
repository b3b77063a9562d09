"""A fake Airflow 3 api-server (REST API v2) on 127.0.0.1: the parts the webhook uses.

Shapes from apache-airflow 3.3.2's own models (airflow/api_fastapi/core_api/datamodels): ``POST /auth/token``
with ``{"username","password"}`` → ``{"access_token"}``; ``POST /api/v2/dags/{dag_id}/dagRuns`` with
TriggerDAGRunPostBody (``logical_date`` required but nullable, extra fields forbidden → 422), 404 for an
unknown DAG, 409 for an existing run id; ``GET /api/v2/assets?name_pattern=`` → ``{"assets","total_entries"}``;
``POST /api/v2/assets/events`` with CreateAssetEventsBody (``asset_id`` int, ``extra`` dict, nothing else).
Every /api/v2 call needs ``Authorization: Bearer`` (401 ``{"detail": "Not authenticated"}``).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.fakes.server import FakeServer, json_response

_TRIGGER_FIELDS = {"dag_run_id", "data_interval_start", "data_interval_end", "logical_date", "run_after", "conf",
                   "note", "partition_key"}  # fmt: skip


class FakeAirflowApi(FakeServer):
    def __init__(self, users: dict[str, str] | None = None, dags: tuple[str, ...] = ("clm_sync",),
                 assets: dict[str, int] | None = None) -> None:  # fmt: skip
        super().__init__()
        self.users = users or {"webhook-bot": "s3cret-pass"}
        self.dags = set(dags)
        self.assets = assets or {"clm_contract_executed": 7}
        self.tokens: set[str] = set()
        self.dag_runs: dict[tuple[str, str], dict[str, Any]] = {}
        self.asset_events: list[dict[str, Any]] = []
        self.route("POST", "/auth/token", self._token)
        self.route("POST", "/api/v2/dags/(?P<dag_id>[^/]+)/dagRuns", self._trigger)
        self.route("GET", "/api/v2/assets", self._assets)
        self.route("POST", "/api/v2/assets/events", self._asset_event)

    def authorize(self, req: Request) -> Response | None:
        if not req.path.startswith("/api/v2"):
            return None
        auth = req.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return json_response({"detail": "Not authenticated"}, 401)
        return None

    def _token(self, req: Request) -> Response:
        body = json.loads(req.get_data(as_text=True) or "{}")
        if self.users.get(body.get("username")) != body.get("password") or not body.get("password"):
            return json_response({"detail": "Invalid credentials"}, 401)
        token = secrets.token_hex(16)
        self.tokens.add(token)
        return json_response({"access_token": token}, 201)

    def _trigger(self, req: Request, dag_id: str) -> Response:
        body = json.loads(req.get_data(as_text=True) or "{}")
        if dag_id not in self.dags:
            return json_response({"detail": f"Dag with dag_id: '{dag_id}' not found"}, 404)
        extra = set(body) - _TRIGGER_FIELDS
        if extra or "logical_date" not in body or not isinstance(body.get("conf", {}), dict):
            return json_response({"detail": [{"type": "extra_forbidden" if extra else "missing",
                                              "loc": ["body", *(sorted(extra) or ["logical_date"])]}]}, 422)  # fmt: skip
        run_id = body.get("dag_run_id") or f"manual__{secrets.token_hex(4)}"
        if (dag_id, run_id) in self.dag_runs:
            return json_response({"detail": f"DAG Run {run_id} already exists"}, 409)
        run = {"dag_run_id": run_id, "dag_id": dag_id, "logical_date": body["logical_date"], "conf": body.get("conf", {}),
               "state": "queued", "run_type": "manual", "note": body.get("note")}  # fmt: skip
        self.dag_runs[(dag_id, run_id)] = run
        return json_response(run)

    def _assets(self, req: Request) -> Response:
        pattern = (req.args.get("name_pattern") or "").lower()
        found = [{"id": i, "name": n, "uri": n, "group": "asset", "extra": {}} for n, i in self.assets.items()
                 if pattern in n.lower()]  # fmt: skip
        return json_response({"assets": found, "total_entries": len(found)})

    def _asset_event(self, req: Request) -> Response:
        body = json.loads(req.get_data(as_text=True) or "{}")
        if set(body) - {"asset_id", "partition_key", "extra", "access_control"} or not isinstance(body.get("asset_id"), int):
            return json_response({"detail": [{"type": "invalid", "loc": ["body"]}]}, 422)
        if body["asset_id"] not in self.assets.values():
            return json_response({"detail": f"Asset with ID: `{body['asset_id']}` was not found"}, 404)
        event = {"id": len(self.asset_events) + 1, "asset_id": body["asset_id"],
                 "extra": {**body.get("extra", {}), "from_rest_api": True}}  # fmt: skip
        self.asset_events.append(event)
        return json_response(event)
