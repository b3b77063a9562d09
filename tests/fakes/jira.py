"""Jira Cloud REST v3 (API_BRIEF §5): Basic auth (email:API token), issues with ADF descriptions and
properties, `POST /rest/api/3/search/jql` with nextPageToken pagination (ids only unless `fields` is
asked), 410 Gone on the removed `/rest/api/3/search`, transitions by id, user search."""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import re
from typing import Any

from werkzeug.wrappers import Request, Response

from .server import FakeServer, json_response

ADF_NODES = {"doc", "paragraph", "text", "heading", "bulletList", "orderedList", "listItem", "hardBreak", "rule",
             "blockquote", "codeBlock", "panel", "mention", "emoji", "inlineCard"}  # fmt: skip
STATUSES = {
    "To Do": ("10000", "new"),
    "In Progress": ("10001", "indeterminate"),
    "Done": ("10002", "done"),
    "Won't Do": ("10003", "done"),
}
TRANSITIONS = [("11", "To Do"), ("21", "In Progress"), ("31", "Done"), ("41", "Won't Do")]
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def adf_errors(node: Any, path: str = "description") -> list[str]:
    if not isinstance(node, dict) or node.get("type") not in ADF_NODES:
        return [f"{path}: not an ADF node"]
    errs: list[str] = []
    if node["type"] == "doc" and node.get("version") != 1:
        errs.append(f"{path}: doc.version must be 1")
    if node["type"] == "text":
        if not isinstance(node.get("text"), str) or not node["text"]:
            errs.append(f"{path}: text nodes need non-empty text")
        for mark in node.get("marks") or []:
            if mark.get("type") == "link" and not (mark.get("attrs") or {}).get("href"):
                errs.append(f"{path}: link mark needs attrs.href")
    for i, child in enumerate(node.get("content") or []):
        errs += adf_errors(child, f"{path}.content[{i}]")
    return errs


class JiraFake(FakeServer):
    def __init__(self, email: str = "bot@example.com", token: str = "jira-api-token",
                 projects: tuple[str, ...] = ("OBL", "FIN", "PROC", "OPS", "CMP"),
                 users: dict[str, str] | None = None) -> None:  # fmt: skip
        super().__init__()
        self.basic = "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()
        self.projects = set(projects)
        self.users = users or {"jane.doe@example.com": "5b10ac8d82e05b22cc7d4ef5"}  # email → accountId
        self.issues: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(10000)
        self._keys: dict[str, itertools.count] = {}
        self.route("POST", r"/rest/api/3/issue", self.create)
        self.route("GET", r"/rest/api/3/issue/(?P<key>[A-Z]+-\d+|\d+)", self.get)
        self.route("PUT", r"/rest/api/3/issue/(?P<key>[A-Z]+-\d+|\d+)", self.update)
        self.route("GET", r"/rest/api/3/issue/(?P<key>[A-Z]+-\d+|\d+)/transitions", self.list_transitions)
        self.route("POST", r"/rest/api/3/issue/(?P<key>[A-Z]+-\d+|\d+)/transitions", self.do_transition)
        self.route(
            "GET", r"/rest/api/3/issue/(?P<key>[A-Z]+-\d+|\d+)/properties/(?P<prop>[^/]+)", self.get_property
        )
        self.route(
            "PUT", r"/rest/api/3/issue/(?P<key>[A-Z]+-\d+|\d+)/properties/(?P<prop>[^/]+)", self.put_property
        )
        self.route("POST", r"/rest/api/3/search/jql", self.search)
        self.route("GET", r"/rest/api/3/search/jql", self.search)
        self.route("POST", r"/rest/api/(?P<v>[23])/search", self.gone)
        self.route("GET", r"/rest/api/(?P<v>[23])/search", self.gone)
        self.route("GET", r"/rest/api/3/user/search", self.user_search)

    def authorize(self, req: Request) -> Response | None:
        if req.headers.get("Authorization") != self.basic:
            return json_response({"errorMessages": ["You are not authenticated."], "errors": {}}, 401)
        return None

    # test helpers ----------------------------------------------------------------------------------
    def set_status(self, key: str, status: str, at: str = "2026-12-02T10:00:00.000+0000") -> None:
        """What a person does in the Jira UI."""
        with self.lock:
            issue = self._find(key)
            assert issue is not None, key
            self._set_status(issue, status, at)

    def by_label(self, label: str) -> list[dict[str, Any]]:
        return [i for i in self.issues.values() if label in i["fields"].get("labels", [])]

    # helpers ---------------------------------------------------------------------------------------
    def _find(self, key: str) -> dict[str, Any] | None:
        return self.issues.get(key) or next((i for i in self.issues.values() if i["id"] == key), None)

    def _set_status(self, issue: dict[str, Any], name: str, at: str) -> None:
        sid, cat = STATUSES[name]
        issue["fields"]["status"] = {"id": sid, "name": name, "statusCategory": {"key": cat, "name": name}}
        issue["fields"]["resolutiondate"] = at if cat == "done" else None
        issue["fields"]["statuscategorychangedate"] = at

    def _field_errors(self, fields: dict[str, Any], creating: bool) -> dict[str, str]:
        errs: dict[str, str] = {}
        if creating:
            if (fields.get("project") or {}).get("key") not in self.projects:
                errs["project"] = "valid project is required"
            if (fields.get("issuetype") or {}).get("name") not in ("Task", "Bug", "Story"):
                errs["issuetype"] = "valid issue type is required"
            if not fields.get("summary"):
                errs["summary"] = "You must specify a summary of the issue."
        if "summary" in fields:
            s = fields["summary"]
            if not isinstance(s, str) or len(s) > 255 or "\n" in s:
                errs["summary"] = "Summary must be less than 255 characters, on one line."
        if "description" in fields and fields["description"] is not None:
            if isinstance(fields["description"], str):
                errs["description"] = (
                    "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
                )
            elif adf_errors(fields["description"]):
                errs["description"] = "; ".join(adf_errors(fields["description"]))
        if fields.get("duedate") is not None and not DATE.match(str(fields["duedate"])):
            errs["duedate"] = "Error parsing date string"
        for label in fields.get("labels") or []:
            if not isinstance(label, str) or " " in label or len(label) > 255:
                errs["labels"] = "The label must not contain spaces."
        assignee = fields.get("assignee")
        if assignee is not None and assignee.get("accountId") not in self.users.values():
            errs["assignee"] = "Specify a valid value for assignee"
        return errs

    # handlers --------------------------------------------------------------------------------------
    def create(self, req: Request) -> Response:
        body = req.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("fields"), dict):
            return json_response({"errorMessages": ["fields are required"], "errors": {}}, 400)
        fields = body["fields"]
        errs = self._field_errors(fields, creating=True)
        props = body.get("properties") or []
        for p in props:
            if not p.get("key") or len(p["key"]) > 255 or p.get("value") in (None, {}, ""):
                errs["properties"] = "property key (≤255) and a non-empty value are required"
        if errs:
            return json_response({"errorMessages": [], "errors": errs}, 400)
        project = fields["project"]["key"]
        counter = self._keys.setdefault(project, itertools.count(1))
        iid, key = str(next(self._ids)), f"{project}-{next(counter)}"
        stored = {k: v for k, v in fields.items()}
        stored.setdefault("labels", [])
        issue = {"id": iid, "key": key, "self": f"{self.url}/rest/api/3/issue/{iid}", "fields": stored,
                 "properties": {p["key"]: p["value"] for p in props}}  # fmt: skip
        self._set_status(issue, "To Do", "2026-12-01T02:00:00.000+0000")
        stored["created"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        self.issues[key] = issue
        return json_response({"id": iid, "key": key, "self": issue["self"]}, 201)

    def get(self, req: Request, key: str) -> Response:
        issue = self._find(key)
        if issue is None:
            return json_response(
                {
                    "errorMessages": ["Issue does not exist or you do not have permission to see it."],
                    "errors": {},
                },
                404,
            )
        return json_response(
            self._view(issue, req.args.get("fields", "").split(",") if req.args.get("fields") else None)
        )

    def update(self, req: Request, key: str) -> Response:
        issue = self._find(key)
        if issue is None:
            return json_response(
                {
                    "errorMessages": ["Issue does not exist or you do not have permission to see it."],
                    "errors": {},
                },
                404,
            )
        body = req.get_json(silent=True) or {}
        fields = body.get("fields") or {}
        errs = self._field_errors(fields, creating=False)
        if "project" in fields or "status" in fields:
            errs["status" if "status" in fields else "project"] = (
                "Field cannot be set. It is not on the appropriate screen, or unknown."
            )
        if errs:
            return json_response({"errorMessages": [], "errors": errs}, 400)
        issue["fields"].update(fields)
        return Response("", status=204)

    def list_transitions(self, req: Request, key: str) -> Response:
        issue = self._find(key)
        if issue is None:
            return json_response({"errorMessages": ["Issue does not exist"], "errors": {}}, 404)
        current = issue["fields"]["status"]["name"]
        out = [{"id": tid, "name": name, "to": {"id": STATUSES[name][0], "name": name,
                "statusCategory": {"key": STATUSES[name][1]}}} for tid, name in TRANSITIONS if name != current]  # fmt: skip
        return json_response({"transitions": out})

    def do_transition(self, req: Request, key: str) -> Response:
        issue = self._find(key)
        if issue is None:
            return json_response({"errorMessages": ["Issue does not exist"], "errors": {}}, 404)
        tid = ((req.get_json(silent=True) or {}).get("transition") or {}).get("id")
        name = dict(TRANSITIONS).get(str(tid))
        if name is None:
            return json_response(
                {"errorMessages": [f"Transition id '{tid}' is not valid for this issue."], "errors": {}}, 400
            )
        self._set_status(issue, name, "2026-12-01T03:00:00.000+0000")
        return Response("", status=204)

    def get_property(self, req: Request, key: str, prop: str) -> Response:
        issue = self._find(key)
        if issue is None or prop not in issue["properties"]:
            return json_response({"errorMessages": ["The property was not found."], "errors": {}}, 404)
        return json_response({"key": prop, "value": issue["properties"][prop]})

    def put_property(self, req: Request, key: str, prop: str) -> Response:
        issue = self._find(key)
        if issue is None:
            return json_response({"errorMessages": ["Issue does not exist"], "errors": {}}, 404)
        existed = prop in issue["properties"]
        issue["properties"][prop] = req.get_json(silent=True)
        return Response("", status=200 if existed else 201)

    def gone(self, req: Request, v: str) -> Response:
        return json_response({"errorMessages": ["The requested API has been removed. Please migrate to the "
                                                "/rest/api/3/search/jql API. A full migration guideline is available at "
                                                "https://developer.atlassian.com/changelog/#CHANGE-2046"], "errors": {}}, 410)  # fmt: skip

    def user_search(self, req: Request) -> Response:
        q = (req.args.get("query") or "").lower()
        return json_response([{"accountId": aid, "emailAddress": email, "accountType": "atlassian", "active": True}
                              for email, aid in self.users.items() if q and q in email.lower()])  # fmt: skip

    def search(self, req: Request) -> Response:
        body = req.get_json(silent=True) if req.method == "POST" else dict(req.args)
        body = body or {}
        jql = str(body.get("jql") or "")
        try:
            pred = _parse_jql(jql)
        except ValueError as exc:
            return json_response({"errorMessages": [str(exc)], "errors": {}}, 400)
        fields = body.get("fields")
        if isinstance(fields, str):
            fields = fields.split(",")
        max_results = min(int(body.get("maxResults") or 50), 100)
        offset = int(base64.b64decode(body["nextPageToken"]).decode()) if body.get("nextPageToken") else 0
        hits = [i for i in sorted(self.issues.values(), key=lambda i: int(i["id"])) if pred(i)]
        page = hits[offset : offset + max_results]
        out: dict[str, Any] = {"issues": [self._view(i, fields) for i in page]}
        if offset + max_results < len(hits):
            out["nextPageToken"] = base64.b64encode(str(offset + max_results).encode()).decode()
            out["isLast"] = False
        else:
            out["isLast"] = True
        return json_response(out)

    def _view(self, issue: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
        view: dict[str, Any] = {"id": issue["id"], "key": issue["key"], "self": issue["self"]}
        if fields:
            wanted = issue["fields"] if "*all" in fields else {k: issue["fields"].get(k) for k in fields}
            view["fields"] = wanted
        return view


_CLAUSE = re.compile(
    r'^\s*(?P<field>labels|project|key|status|statusCategory)\s*(?P<op>=|!=|in)\s*(?P<value>"[^"]*"|\([^)]*\)|[\w-]+)\s*$',
    re.I,
)


def _parse_jql(jql: str):  # type: ignore[no-untyped-def]
    """The JQL subset our client uses: clauses joined by AND; `labels|project|key|status = x`, `in (…)`."""
    if not jql.strip():
        raise ValueError(
            "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
        )
    jql = re.sub(r"\s+ORDER\s+BY\s+.*$", "", jql, flags=re.I)
    preds = []
    for clause in re.split(r"\s+AND\s+", jql, flags=re.I):
        m = _CLAUSE.match(clause)
        if not m:
            raise ValueError(f"Error in the JQL Query: cannot parse '{clause.strip()}'")
        field, op, raw = m.group("field").lower(), m.group("op").lower(), m.group("value")
        values = (
            [v.strip().strip('"') for v in raw.strip("()").split(",")] if op == "in" else [raw.strip('"')]
        )
        preds.append((field, op, values))

    def pred(issue: dict[str, Any]) -> bool:
        for field, op, values in preds:
            f = issue["fields"]
            if field == "labels":
                have = set(f.get("labels") or [])
            elif field == "project":
                have = {(f.get("project") or {}).get("key")}
            elif field == "key":
                have = {issue["key"]}
            elif field == "status":
                have = {f["status"]["name"]}
            else:
                have = {f["status"]["statusCategory"]["name"], f["status"]["statusCategory"]["key"]}
            hit = bool(have & set(values))
            if (op == "!=" and hit) or (op != "!=" and not hit):
                return False
        return True

    return pred
