"""Human review before anything leaves the system: review queue, contract view, decisions, extraction API,
audit trail and access control — one FastAPI app (see app.py), standalone or inside the Airflow api-server."""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def create_app(*args: Any, **kwargs: Any) -> Any:
    """milestones.review.app.create_app (imported on call, so `python -m milestones.review.auth` stays light)."""
    from .app import create_app as _create_app

    return _create_app(*args, **kwargs)
