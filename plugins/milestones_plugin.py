"""Airflow plugin: mounts the obligation review app in the Airflow 3 api-server at /review.

Plugin FastAPI apps are not behind Airflow's authentication, so the app authenticates every route itself:
it accepts the Airflow JWT (Bearer header or the UI's `_token` cookie) and maps Airflow roles to review
roles (MILESTONES_REVIEW_AIRFLOW_ROLES), besides its own API tokens and users. The app is built lazily on
the first request, so schedulers and workers that load plugins pay nothing for it.
"""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin

URL_PREFIX = "/review"


class LazyReviewApp:
    """ASGI app that builds milestones.review's FastAPI app on first use (settings read at that moment)."""

    def __init__(self) -> None:
        self._app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            from milestones.review.app import create_app

            self._app = create_app()
        await self._app(scope, receive, send)


class ObligationReviewPlugin(AirflowPlugin):
    name = "obligation_review"
    fastapi_apps = [{"app": LazyReviewApp(), "url_prefix": URL_PREFIX, "name": "Obligation review"}]
    external_views = [
        {"name": "Obligation review", "href": URL_PREFIX + "/queue", "destination": "nav", "category": "browse"},
    ]
