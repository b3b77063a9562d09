"""ServiceNow Table API (API_BRIEF §14): Basic auth, `{"result": [...]}`, string values, sysparm_query
(`^` AND, `=`, `>=`, `<=`, `>`, `<`, `IN`, `ORDERBY`/`ORDERBYDESC`), sysparm_fields, limit/offset paging
with `Link` (first/prev/next/last) and `X-Total-Count` headers."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from .server import FakeServer, json_response

_COND = re.compile(r"^(?P<field>[\w.]+?)(?P<op>>=|<=|!=|=|>|<|IN)(?P<value>.*)$")


class ServiceNowFake(FakeServer):
    def __init__(self, user: str = "svc.milestones", password: str = "sn-password") -> None:
        super().__init__()
        self.basic = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.tables: dict[str, list[dict[str, str]]] = {"incident": [], "task_sla": []}
        self.route("GET", r"/api/now(?:/v1)?/table/(?P<table>\w+)", self.table)

    def authorize(self, req: Request) -> Response | None:
        if req.headers.get("Authorization") != self.basic:
            return json_response({"error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"}, "status": "failure"}, 401)  # fmt: skip
        return None

    def table(self, req: Request, table: str) -> Response:
        if table not in self.tables:
            return json_response(
                {"error": {"message": "Invalid table", "detail": None}, "status": "failure"}, 400
            )
        rows = list(self.tables[table])
        order: list[tuple[str, bool]] = []
        query = req.args.get("sysparm_query", "")
        for part in [p for p in query.split("^") if p]:
            if part.startswith("ORDERBYDESC"):
                order.append((part[len("ORDERBYDESC") :], True))
                continue
            if part.startswith("ORDERBY"):
                order.append((part[len("ORDERBY") :], False))
                continue
            m = _COND.match(part)
            if not m:
                return json_response({"error": {"message": f"bad query {part}"}, "status": "failure"}, 400)
            f, op, v = m.group("field"), m.group("op"), m.group("value")
            rows = [r for r in rows if _test(r.get(f, ""), op, v)]
        for f, desc in reversed(order):
            rows.sort(key=lambda r: r.get(f, ""), reverse=desc)
        total = len(rows)
        limit = int(req.args.get("sysparm_limit") or 10000)
        offset = int(req.args.get("sysparm_offset") or 0)
        page = rows[offset : offset + limit]
        fields = [f for f in (req.args.get("sysparm_fields") or "").split(",") if f]
        if fields:
            page = [{f: r.get(f, "") for f in fields} for r in page]
        headers = {"X-Total-Count": str(total)}
        if req.args.get("sysparm_no_count") == "true":
            headers = {}

        def link(off: int) -> str:
            args = dict(req.args)
            args["sysparm_offset"] = str(off)
            args["sysparm_limit"] = str(limit)
            return f"{self.url}{req.path}?{urlencode(args)}"

        last = max(0, ((total - 1) // limit) * limit) if total else 0
        links = [f'<{link(0)}>;rel="first"']
        if offset > 0:
            links.append(f'<{link(max(0, offset - limit))}>;rel="prev"')
        if offset + limit < total:
            links.append(f'<{link(offset + limit)}>;rel="next"')
        links.append(f'<{link(last)}>;rel="last"')
        headers["Link"] = ",".join(links)
        return json_response({"result": page}, headers=headers)


def _test(have: Any, op: str, want: str) -> bool:
    have = "" if have is None else str(have)
    if op == "IN":
        return have in want.split(",")
    if op == "=":
        return have == want
    if op == "!=":
        return have != want
    if op == ">=":
        return have >= want
    if op == "<=":
        return have <= want
    if op == ">":
        return have > want
    return have < want
