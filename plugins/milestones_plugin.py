"""Airflow plugin: mounts the obligation review app at /review and the CLM webhooks at /clm-webhooks.

Plugin FastAPI apps are not behind Airflow's authentication, so the app authenticates every route itself:
it accepts the Airflow JWT (Bearer header or the UI's `_token` cookie) and maps Airflow roles to review
roles (MILESTONES_REVIEW_AIRFLOW_ROLES), besides its own API tokens and users. The app is built lazily on
the first request, so schedulers and workers that load plugins pay nothing for it.
"""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin

URL_PREFIX = "/review"


WEBHOOK_PREFIX = "/clm-webhooks"


class LazyApp:
    """ASGI app built on first use from "module:factory" (settings read at that moment, not at import)."""

    def __init__(self, factory: str) -> None:
        self._factory = factory
        self._app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            import importlib

            module, _, name = self._factory.partition(":")
            self._app = getattr(importlib.import_module(module), name)()
        await self._app(scope, receive, send)


class ObligationReviewPlugin(AirflowPlugin):
    name = "obligation_review"
    fastapi_apps = [
        {"app": LazyApp("milestones.review.app:create_app"), "url_prefix": URL_PREFIX, "name": "Obligation review"},
        {"app": LazyApp("milestones.webhooks:app_from_environment"), "url_prefix": WEBHOOK_PREFIX,
         "name": "Contract webhooks"},
    ]
    external_views = [
        {"name": "Obligation review", "href": URL_PREFIX + "/queue", "destination": "nav", "category": "browse"},
    ]
