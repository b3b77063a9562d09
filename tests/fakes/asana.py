"""Asana REST 1.0 (API_BRIEF §6): Bearer auth, {"data": …} envelopes both ways, tasks with `external`
({gid, data}) fetchable as `/tasks/external:<gid>`, limit/offset pagination with `next_page`, 429 body
`{"errors": [{"message": …}]}`."""

from __future__ import annotations

import base64
import itertools
import re
from typing import Any

from werkzeug.wrappers import Request, Response

from .server import FakeServer, json_response

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _err(message: str, status: int) -> Response:
    return json_response({"errors": [{"message": message, "help": "For more information on API status codes and how to handle them, read the docs on errors: https://developers.asana.com/docs/errors"}]}, status)  # fmt: skip


class AsanaFake(FakeServer):
    def __init__(self, token: str = "asana-pat", projects: tuple[str, ...] = ("1200000000000001", "1200000000000002"),
                 workspace: str = "12345") -> None:  # fmt: skip
        super().__init__()
        self.token = token
        self.projects = set(projects)
        self.workspace = workspace
        self.tasks: dict[str, dict[str, Any]] = {}
        self._gids = itertools.count(1201000000000001)
        self.route("POST", r"/api/1\.0/tasks", self.create)
        self.route("GET", r"/api/1\.0/tasks", self.list_tasks)
        self.route("GET", r"/api/1\.0/tasks/(?P<gid>[^/]+)", self.get)
        self.route("PUT", r"/api/1\.0/tasks/(?P<gid>[^/]+)", self.update)

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/1.0"

    def authorize(self, req: Request) -> Response | None:
        if req.headers.get("Authorization") != f"Bearer {self.token}":
            return _err("Not Authorized", 401)
        return None

    # test helpers ----------------------------------------------------------------------------------
    def complete(self, gid: str, at: str = "2026-12-02T10:00:00.000Z") -> None:
        with self.lock:
            self.tasks[gid].update(completed=True, completed_at=at)

    def by_external(self, ext: str) -> list[dict[str, Any]]:
        return [t for t in self.tasks.values() if (t.get("external") or {}).get("gid") == ext]

    # helpers ---------------------------------------------------------------------------------------
    def _find(self, gid: str) -> dict[str, Any] | None:
        if gid.startswith("external:"):
            ext = gid[len("external:") :]
            return next((t for t in self.tasks.values() if (t.get("external") or {}).get("gid") == ext), None)
        return self.tasks.get(gid)

    def _errors(self, data: dict[str, Any]) -> str | None:
        if "due_on" in data and data["due_on"] is not None and not DATE.match(str(data["due_on"])):
            return "due_on: Invalid date string"
        for p in data.get("projects") or []:
            if p not in self.projects:
                return f"projects: Unknown object: {p}"
        ext = data.get("external")
        if ext is not None:
            if (
                not isinstance(ext, dict)
                or not ext.get("gid")
                or len(ext["gid"]) > 1024
                or len(str(ext.get("data", ""))) > 32768
            ):
                return "external: gid (≤1024) required, data ≤32768"
        return None

    def _view(self, task: dict[str, Any], opt_fields: str | None) -> dict[str, Any]:
        base = {"gid": task["gid"], "resource_type": "task", "name": task["name"]}
        if not opt_fields:
            return base
        for f in opt_fields.split(","):
            top = f.split(".")[0]
            if top in task:
                base[top] = task[top]
        return base

    # handlers --------------------------------------------------------------------------------------
    def create(self, req: Request) -> Response:
        body = req.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            return _err('Could not parse request data, invalid JSON: wrap the body in {"data": {...}}', 400)
        data = body["data"]
        if not data.get("name"):
            return _err("name: Missing input", 400)
        if not (data.get("workspace") or data.get("projects") or data.get("parent")):
            return _err("workspace: Missing input", 400)
        problem = self._errors(data)
        if problem:
            return _err(problem, 400)
        if data.get("external") and self.by_external(data["external"]["gid"]):
            return _err("external.gid: already in use by another task", 400)
        gid = str(next(self._gids))
        assignee = data.get("assignee")
        task = {"gid": gid, "resource_type": "task", "name": data["name"], "notes": data.get("notes", ""),
                "html_notes": data.get("html_notes"), "due_on": data.get("due_on"), "completed": False,
                "completed_at": None, "projects": [{"gid": p} for p in data.get("projects") or []],
                "assignee": {"gid": "9" + gid[-6:], "email": assignee} if assignee else None,
                "external": data.get("external"), "permalink_url": f"https://app.asana.com/0/0/{gid}"}  # fmt: skip
        self.tasks[gid] = task
        return json_response({"data": self._view(task, req.args.get("opt_fields") or ",".join(task))}, 201)

    def get(self, req: Request, gid: str) -> Response:
        task = self._find(gid)
        if task is None:
            return _err(f"task: Unknown object: {gid}", 404)
        return json_response({"data": self._view(task, req.args.get("opt_fields"))})

    def update(self, req: Request, gid: str) -> Response:
        task = self._find(gid)
        if task is None:
            return _err(f"task: Unknown object: {gid}", 404)
        body = req.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            return _err('Could not parse request data: wrap the body in {"data": {...}}', 400)
        data = body["data"]
        problem = self._errors(data)
        if problem:
            return _err(problem, 400)
        for k in ("name", "notes", "html_notes", "due_on", "completed"):
            if k in data:
                task[k] = data[k]
        if data.get("completed") is True and not task.get("completed_at"):
            task["completed_at"] = "2026-12-01T03:00:00.000Z"
        if "assignee" in data:
            task["assignee"] = (
                {"gid": "9" + task["gid"][-6:], "email": data["assignee"]} if data["assignee"] else None
            )
        return json_response({"data": self._view(task, ",".join(task))})

    def list_tasks(self, req: Request) -> Response:
        project = req.args.get("project")
        if not project:
            return _err(
                "Must specify exactly one of project, tag, section, user task list, or assignee + workspace",
                400,
            )
        if project not in self.projects:
            return _err(f"project: Unknown object: {project}", 404)
        limit = int(req.args.get("limit") or 0)
        if limit and not 1 <= limit <= 100:
            return _err("limit: Must be between 1 and 100", 400)
        rows = [
            t
            for t in sorted(self.tasks.values(), key=lambda t: t["gid"])
            if {"gid": project} in t["projects"]
        ]
        offset = int(base64.b64decode(req.args["offset"]).decode()) if req.args.get("offset") else 0
        page = rows[offset : offset + limit] if limit else rows
        out: dict[str, Any] = {"data": [self._view(t, req.args.get("opt_fields")) for t in page]}
        if limit:
            if offset + limit < len(rows):
                token = base64.b64encode(str(offset + limit).encode()).decode()
                out["next_page"] = {"offset": token, "path": f"/tasks?project={project}&limit={limit}&offset={token}",
                                    "uri": f"{self.base_url}/tasks?project={project}&limit={limit}&offset={token}"}  # fmt: skip
            else:
                out["next_page"] = None
        return json_response(out)
