"""HubSpot CRM v3 (API_BRIEF §16a): private-app bearer token, `PATCH /crm/v3/objects/deals/{id}`
(`{"properties": …}`), tasks `POST /crm/v3/objects/tasks` (hs_timestamp required; status, priority and type
enumerations; associations `{to: {id}, types: [{associationCategory, associationTypeId}]}`), read by a
unique-value property with `GET /crm/v3/objects/tasks/{value}?idProperty=<property>`, 409 CONFLICT when
a unique value is taken, errors as `{"status": "error", "message", "category", "correlationId"}`, rate-limit
headers `X-HubSpot-RateLimit-*`."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

from werkzeug.wrappers import Request, Response

from .server import FakeServer, json_response

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
DEAL_PROPERTIES = {"dealname", "dealstage", "closedate", "amount", "pipeline", "renewal_date", "notice_deadline",
                   "renewal_stage_suggestion"}  # fmt: skip
DEAL_STAGES = ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin",
               "contractsent", "closedwon", "closedlost")  # fmt: skip
TASK_PROPERTIES = {"hs_timestamp", "hs_task_subject", "hs_task_body", "hs_task_status", "hs_task_priority",
                   "hs_task_type", "hubspot_owner_id"}  # fmt: skip
TASK_TO_DEAL = 216


def _error(status: int, message: str, category: str) -> Response:
    return json_response({"status": "error", "message": message, "correlationId": "3f1c2a4e-0000-4000-8000-000000000000",
                          "category": category}, status)  # fmt: skip


class HubSpotFake(FakeServer):
    def __init__(self, token: str = "pat-na1-hubspot-token", deals: tuple[str, ...] = ("9001001", "9001002"),
                 unique_property: str = "contract_milestones_key") -> None:  # fmt: skip
        super().__init__()
        self.token = token
        self.deals: dict[str, dict[str, Any]] = {
            d: {"id": d, "properties": {"dealname": f"Renewal {d}", "dealstage": "appointmentscheduled"}} for d in deals
        }  # fmt: skip
        self.unique_property = unique_property
        self.tasks: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(70001)
        self.route("PATCH", r"/crm/v3/objects/deals/(?P<did>[^/]+)", self.patch_deal)
        self.route("POST", r"/crm/v3/objects/tasks", self.create_task)
        self.route("GET", r"/crm/v3/objects/tasks/(?P<ref>[^/]+)", self.get_task)
        self.route("PATCH", r"/crm/v3/objects/tasks/(?P<ref>[^/]+)", self.patch_task)

    def authorize(self, req: Request) -> Response | None:
        if req.headers.get("Authorization") != f"Bearer {self.token}":
            return _error(401, "Authentication credentials not found. This API supports OAuth 2.0 authentication.",
                          "INVALID_AUTHENTICATION")  # fmt: skip
        return None

    def _dispatch(self, req: Request) -> Response:
        resp = super()._dispatch(req)
        resp.headers.update({"X-HubSpot-RateLimit-Daily": "250000", "X-HubSpot-RateLimit-Daily-Remaining": "249990",
                             "X-HubSpot-RateLimit-Secondly": "10", "X-HubSpot-RateLimit-Secondly-Remaining": "9"})  # fmt: skip
        return resp

    # test helpers ----------------------------------------------------------------------------------
    def tasks_by_key(self, key: str) -> list[dict[str, Any]]:
        return [t for t in self.tasks.values() if t["properties"].get(self.unique_property) == key]

    # helpers ---------------------------------------------------------------------------------------
    def _bad_properties(self, props: Any, allowed: set[str]) -> Response | None:
        if not isinstance(props, dict) or not props:
            return _error(400, "Invalid input JSON: properties are required", "VALIDATION_ERROR")
        unknown = [k for k in props if k not in allowed]
        if unknown:
            return _error(400, f"Property values were not valid: Property \"{unknown[0]}\" does not exist",
                          "VALIDATION_ERROR")  # fmt: skip
        for k in ("closedate", "renewal_date", "notice_deadline", "hs_timestamp"):
            if (
                k in props
                and props[k] is not None
                and not DATE.match(str(props[k]))
                and not str(props[k]).isdigit()
            ):
                return _error(
                    400, f"Property values were not valid: {k} was not a valid date", "VALIDATION_ERROR"
                )
        enums = {"dealstage": DEAL_STAGES, "hs_task_status": ("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED"),
                 "hs_task_priority": ("LOW", "MEDIUM", "HIGH"), "hs_task_type": ("EMAIL", "CALL", "TODO")}  # fmt: skip
        for k, values in enums.items():
            if k in props and props[k] not in values:
                return _error(400, f"Property values were not valid: {props[k]!r} was not one of the allowed options "
                              f"for {k}", "VALIDATION_ERROR")  # fmt: skip
        return None

    def _view(self, obj: dict[str, Any], wanted: str | None = None) -> dict[str, Any]:
        props = obj["properties"]
        if wanted:
            props = {k: v for k, v in props.items() if k in wanted.split(",")}
        return {"id": obj["id"], "properties": props, "createdAt": obj["createdAt"], "updatedAt": obj["updatedAt"],
                "archived": False}  # fmt: skip

    def _find_task(self, ref: str, id_property: str | None) -> dict[str, Any] | None:
        if id_property:
            return next(iter(self.tasks_by_key(ref)), None)
        return self.tasks.get(ref)

    @staticmethod
    def _now() -> str:
        return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    # handlers --------------------------------------------------------------------------------------
    def patch_deal(self, req: Request, did: str) -> Response:
        deal = self.deals.get(did)
        if deal is None:
            return _error(404, f"Object not found.  objectId are usually numeric. {did}", "OBJECT_NOT_FOUND")
        props = (req.get_json(silent=True) or {}).get("properties")
        bad = self._bad_properties(props, DEAL_PROPERTIES)
        if bad is not None:
            return bad
        deal["properties"].update(props)
        deal.setdefault("createdAt", self._now())
        deal["updatedAt"] = self._now()
        return json_response(self._view(deal))

    def create_task(self, req: Request) -> Response:
        body = req.get_json(silent=True) or {}
        props = body.get("properties")
        bad = self._bad_properties(props, TASK_PROPERTIES | {self.unique_property})
        if bad is not None:
            return bad
        if not props.get("hs_timestamp"):
            return _error(400, "Property values were not valid: hs_timestamp is required", "VALIDATION_ERROR")
        key = props.get(self.unique_property)
        if key is not None and self.tasks_by_key(str(key)):
            existing = self.tasks_by_key(str(key))[0]
            return _error(409, f"Object already exists. Existing ID: {existing['id']}", "CONFLICT")
        for a in body.get("associations") or []:
            to = (a.get("to") or {}).get("id")
            types = a.get("types") or []
            if to not in self.deals:
                return _error(
                    400, f"One or more associations are invalid: deal {to} does not exist", "VALIDATION_ERROR"
                )
            if not any(t.get("associationCategory") == "HUBSPOT_DEFINED" and t.get("associationTypeId") == TASK_TO_DEAL
                       for t in types):  # fmt: skip
                return _error(400, "One or more associations are invalid: association type not valid for task to deal",
                              "VALIDATION_ERROR")  # fmt: skip
        tid = str(next(self._ids))
        task = {"id": tid, "properties": dict(props), "associations": body.get("associations") or [],
                "createdAt": self._now(), "updatedAt": self._now()}  # fmt: skip
        self.tasks[tid] = task
        return json_response(self._view(task), 201)

    def get_task(self, req: Request, ref: str) -> Response:
        id_property = req.args.get("idProperty")
        if id_property and id_property != self.unique_property:
            return _error(400, f"{id_property} is not a unique identifier property", "VALIDATION_ERROR")
        task = self._find_task(ref, id_property)
        if task is None:
            return _error(404, "Object not found.", "OBJECT_NOT_FOUND")
        return json_response(self._view(task, req.args.get("properties")))

    def patch_task(self, req: Request, ref: str) -> Response:
        task = self.tasks.get(ref)
        if task is None:
            return _error(404, "Object not found.", "OBJECT_NOT_FOUND")
        props = (req.get_json(silent=True) or {}).get("properties")
        bad = self._bad_properties(props, TASK_PROPERTIES | {self.unique_property})
        if bad is not None:
            return bad
        task["properties"].update(props)
        task["updatedAt"] = self._now()
        return json_response(self._view(task))
