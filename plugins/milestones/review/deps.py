"""Request-scoped helpers shared by the API and the pages: the app's state, the caller, role checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request

from .auth import AuthError, Principal, authenticate, check_csrf
from .config import ROLES, ReviewConfig
from .store import Store

__all__ = ["config_of", "store_of", "current_principal", "require", "now_utc", "root"]

_WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def config_of(request: Request) -> ReviewConfig:
    return request.app.state.config


def store_of(request: Request) -> Store:
    return request.app.state.store


def root(request: Request) -> str:
    """The prefix the app is mounted under ('' standalone, '/review' inside the Airflow api-server)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def now_utc() -> dt.datetime:
    """Wall-clock time for audit stamps only (never for business logic, which uses the register's as_of)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


async def current_principal(request: Request, *, allow_query_token: bool = False) -> Principal:
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    cfg = config_of(request)
    principal = await authenticate(cfg.auth, request.headers, request.cookies,
                                   request.query_params if allow_query_token else None)  # fmt: skip
    request.state.principal = principal
    return principal


def require(role: str, *, allow_query_token: bool = False) -> Callable[[Request], Awaitable[Principal]]:
    """Dependency: the caller must have at least `role`; cookie-authenticated writes need the CSRF token."""
    if role not in ROLES:
        raise ValueError(role)

    async def dependency(request: Request) -> Principal:
        principal = await current_principal(request, allow_query_token=allow_query_token)
        if not principal.can(role):
            raise AuthError(403, f"{principal.name} has role {principal.role}; this needs {role}")
        if request.method in _WRITE_METHODS and principal.uses_cookie:
            supplied: Any = request.headers.get("x-csrf-token")
            ctype = request.headers.get("content-type", "")
            if supplied is None and ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
                supplied = (await request.form()).get("csrf_token")
            check_csrf(config_of(request).auth, principal, supplied if isinstance(supplied, str) else None)
        return principal

    dependency.__name__ = f"require_{role}"
    return dependency
