"""Salesforce REST (API_BRIEF §15): OAuth bearer under `/services/data/vNN.0`, `PATCH /sobjects/Opportunity/{id}`
→ 204, Task upsert by External ID field `PATCH /sobjects/Task/{field}/{value}` → 201 created / 200 updated
(`{"id", "success", "errors", "created"}`), `GET` of the same path, `Sforce-Limit-Info: api-usage=N/M` on
every answer, errors as a JSON array `[{"message", "errorCode"}]`, 403 `REQUEST_LIMIT_EXCEEDED` past the
daily allocation."""

from __future__ import annotations

import itertools
import re
from typing import Any

from werkzeug.wrappers import Request, Response

from .server import FakeServer, json_response

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
          "Perception Analysis", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost")  # fmt: skip
OPPORTUNITY_FIELDS = {"Name", "StageName", "CloseDate", "Amount", "Description", "NextStep", "Renewal_Date__c",
                      "Notice_Deadline__c", "Renewal_Stage_Suggestion__c"}  # fmt: skip
TASK_FIELDS = {"Subject", "ActivityDate", "Status", "Priority", "WhatId", "WhoId", "OwnerId", "Description"}
DATE_FIELDS = {"CloseDate", "Renewal_Date__c", "Notice_Deadline__c", "ActivityDate"}


def _errors(status: int, message: str, code: str, headers: dict[str, str] | None = None) -> Response:
    return json_response([{"message": message, "errorCode": code}], status, headers)


class SalesforceFake(FakeServer):
    def __init__(self, token: str = "00Dxx0000001gPL!sf-token", api_version: str = "v62.0",
                 opportunities: tuple[str, ...] = ("006Dn00000AlderAAA", "006Dn00000IndigAAA"),
                 accounts: tuple[str, ...] = ("001Dn00000AlderAAA", "001Dn00000IndigAAA", "001Dn00000TidewAAA"),
                 external_field: str = "Contract_Milestones_Key__c", daily_limit: int = 15000) -> None:  # fmt: skip
        super().__init__()
        self.token = token
        self.prefix = f"/services/data/{api_version}"
        self.opportunities: dict[str, dict[str, Any]] = {
            o: {"Id": o, "Name": f"Renewal {o}", "StageName": "Prospecting", "CloseDate": "2027-12-31"} for o in opportunities
        }  # fmt: skip
        self.accounts = set(accounts)
        self.external_field = external_field
        self.tasks: dict[str, dict[str, Any]] = {}
        self.daily_limit = daily_limit
        self.used = 0
        self._ids = itertools.count(1)
        p = re.escape(self.prefix)
        self.route("PATCH", rf"{p}/sobjects/Opportunity/(?P<oid>[^/]+)", self.patch_opportunity)
        self.route("GET", rf"{p}/sobjects/Opportunity/(?P<oid>[^/]+)", self.get_opportunity)
        self.route("PATCH", rf"{p}/sobjects/Task/(?P<field>[^/]+)/(?P<value>[^/]+)", self.upsert_task)
        self.route("GET", rf"{p}/sobjects/Task/(?P<field>[^/]+)/(?P<value>[^/]+)", self.get_task_by_key)

    def _limits(self) -> dict[str, str]:
        return {"Sforce-Limit-Info": f"api-usage={self.used}/{self.daily_limit}"}

    def authorize(self, req: Request) -> Response | None:
        if req.headers.get("Authorization") != f"Bearer {self.token}":
            return _errors(401, "Session expired or invalid", "INVALID_SESSION_ID")
        self.used += 1
        if self.used > self.daily_limit:
            return _errors(403, "TotalRequests Limit exceeded.", "REQUEST_LIMIT_EXCEEDED", self._limits())
        return None

    # test helpers ----------------------------------------------------------------------------------
    def tasks_by_key(self, key: str) -> list[dict[str, Any]]:
        return [t for t in self.tasks.values() if t.get(self.external_field) == key]

    # helpers ---------------------------------------------------------------------------------------
    def _check(self, sobject: str, fields: Any, allowed: set[str]) -> Response | None:
        if not isinstance(fields, dict) or not fields:
            return _errors(
                400, "The request body is either invalid or incomplete", "JSON_PARSER_ERROR", self._limits()
            )
        for name, value in fields.items():
            if name not in allowed:
                return _errors(
                    400,
                    f"No such column '{name}' on sobject of type {sobject}",
                    "INVALID_FIELD",
                    self._limits(),
                )
            if name in DATE_FIELDS and value is not None and not DATE.match(str(value)):
                return _errors(400, f"{name}: value not of required type: {value}", "INVALID_TYPE_ON_FIELD_IN_RECORD",
                               self._limits())  # fmt: skip
        if "StageName" in fields and fields["StageName"] not in STAGES:
            return _errors(400, f"Stage: bad value for restricted picklist field: {fields['StageName']}",
                           "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", self._limits())  # fmt: skip
        return None

    # handlers --------------------------------------------------------------------------------------
    def patch_opportunity(self, req: Request, oid: str) -> Response:
        opp = self.opportunities.get(oid)
        if opp is None:
            return _errors(404, "The requested resource does not exist", "NOT_FOUND", self._limits())
        fields = req.get_json(silent=True)
        bad = self._check("Opportunity", fields, OPPORTUNITY_FIELDS)
        if bad is not None:
            return bad
        opp.update(fields)
        return Response("", status=204, headers=self._limits())

    def get_opportunity(self, req: Request, oid: str) -> Response:
        opp = self.opportunities.get(oid)
        if opp is None:
            return _errors(404, "The requested resource does not exist", "NOT_FOUND", self._limits())
        return json_response({"attributes": {"type": "Opportunity"}, **opp}, 200, self._limits())

    def upsert_task(self, req: Request, field: str, value: str) -> Response:
        if field != self.external_field:
            return _errors(404, f"Provided external ID field does not exist or is not accessible: {field}", "NOT_FOUND",
                           self._limits())  # fmt: skip
        fields = req.get_json(silent=True)
        bad = self._check("Task", fields, TASK_FIELDS)
        if bad is not None:
            return bad
        what = fields.get("WhatId")
        if what is not None and what not in self.opportunities and what not in self.accounts:
            return _errors(400, f"Related To ID: id value of incorrect type: {what}", "FIELD_INTEGRITY_EXCEPTION",
                           self._limits())  # fmt: skip
        existing = self.tasks_by_key(value)
        if len(existing) > 1:
            return _errors(
                300, "More than one record found for external ID field", "MULTIPLE_CHOICES", self._limits()
            )
        if existing:
            existing[0].update(fields)
            return json_response({"id": existing[0]["Id"], "success": True, "errors": [], "created": False}, 200,
                                 self._limits())  # fmt: skip
        if not fields.get("Subject"):
            return _errors(
                400, "Required fields are missing: [Subject]", "REQUIRED_FIELD_MISSING", self._limits()
            )
        tid = f"00TDn{next(self._ids):013d}"
        self.tasks[tid] = {"Id": tid, "Status": "Not Started", **fields, self.external_field: value}
        return json_response({"id": tid, "success": True, "errors": [], "created": True}, 201,
                             {**self._limits(), "Location": f"{self.prefix}/sobjects/Task/{tid}"})  # fmt: skip

    def get_task_by_key(self, req: Request, field: str, value: str) -> Response:
        found = self.tasks_by_key(value) if field == self.external_field else []
        if not found:
            return _errors(404, "The requested resource does not exist", "NOT_FOUND", self._limits())
        return json_response({"attributes": {"type": "Task"}, **found[0]}, 200, self._limits())
