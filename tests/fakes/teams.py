"""Microsoft Teams Workflows webhook (Power Automate trigger "When a Teams webhook request is received"):
accepts a message with an Adaptive Card attachment and answers 202 (API_BRIEF §9). Bodies without
`attachments` fail the flow, as the real one does."""

from __future__ import annotations

import itertools
import json
from typing import Any

from werkzeug.wrappers import Request, Response

from .server import FakeServer, json_response

ELEMENT_TYPES = {"TextBlock", "FactSet", "ColumnSet", "Container", "Image", "RichTextBlock", "ActionSet"}


def card_errors(body: Any) -> list[str]:
    if not isinstance(body, dict) or body.get("type") != "message":
        return ["body must be {'type': 'message', 'attachments': [...]}"]
    atts = body.get("attachments")
    if not isinstance(atts, list) or not atts:
        return ["The 'from' property value in the 'foreach' expression is of type 'Null'"]
    errs = []
    for a in atts:
        if a.get("contentType") != "application/vnd.microsoft.card.adaptive":
            errs.append("attachment contentType must be application/vnd.microsoft.card.adaptive")
            continue
        card = a.get("content") or {}
        if card.get("type") != "AdaptiveCard" or not card.get("version"):
            errs.append("content must be an AdaptiveCard with a version")
        for el in card.get("body") or []:
            if el.get("type") not in ELEMENT_TYPES:
                errs.append(f"unknown element {el.get('type')}")
            if el.get("type") == "FactSet" and not all(
                {"title", "value"} <= set(f) for f in el.get("facts", [])
            ):
                errs.append("FactSet facts need title and value")
        for act in card.get("actions") or []:
            if act.get("type") == "Action.OpenUrl" and not str(act.get("url", "")).startswith(
                ("http://", "https://")
            ):
                errs.append("Action.OpenUrl needs an absolute url")
    return errs


class TeamsFake(FakeServer):
    PATH = "/workflows/0a1b2c3d/triggers/manual/paths/invoke"

    def __init__(self, sig: str = "test-signature") -> None:
        super().__init__()
        self.sig = sig
        self.cards: list[dict[str, Any]] = []
        self._run = itertools.count(1)
        self.route("POST", r"/workflows/(?P<wid>[^/]+)/triggers/manual/paths/invoke", self.invoke)

    @property
    def webhook_url(self) -> str:
        return f"{self.url}{self.PATH}?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={self.sig}"

    def invoke(self, req: Request, wid: str) -> Response:
        if req.args.get("sig") != self.sig:
            return json_response(
                {"error": {"code": "DirectApiAuthorizationRequired", "message": "bad signature"}}, 401
            )
        try:
            body = json.loads(req.get_data(as_text=True))
        except ValueError:
            return json_response({"error": {"code": "InvalidRequestContent", "message": "not JSON"}}, 400)
        errs = card_errors(body)
        if errs:
            return json_response({"error": {"code": "InvalidTemplate", "message": "; ".join(errs)}}, 400)
        self.cards.append(body)
        return Response("", status=202, headers={"x-ms-workflow-run-id": f"0858{next(self._run):06d}"})
