"""Who is calling, and may they: authentication for every route and a three-step role ladder.

Credentials accepted, in this order:
1. ``Authorization: Bearer <token>`` — an API token from MILESTONES_REVIEW_TOKENS (stored as sha256), or,
   when the app runs inside the Airflow api-server, an Airflow JWT (``POST /auth/token``) checked by
   Airflow's own auth manager;
2. ``Authorization: Basic …`` — a user from MILESTONES_REVIEW_USERS (password stored as scrypt);
3. the app's signed session cookie (after ``/login``), or Airflow's ``_token`` cookie (a user logged in to
   the Airflow UI).
Roles: viewer (read) < reviewer (decide) < admin (settings). Cookie-authenticated writes also need the
CSRF token the pages embed, because browsers send cookies on cross-site form posts.

`python -m milestones.review.auth hash-password` / `new-token NAME ROLE` print values for the env vars.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import secrets
import sys
import time
from dataclasses import dataclass
from typing import Any

from .config import ROLES, AuthConfig, UserEntry

__all__ = [
    "Principal",
    "AuthError",
    "hash_password",
    "verify_password",
    "hash_token",
    "new_token",
    "authenticate",
    "make_session",
    "read_session",
    "csrf_token",
    "check_csrf",
    "SESSION_COOKIE",
    "AIRFLOW_COOKIE",
]

log = logging.getLogger(__name__)

SESSION_COOKIE = "milestones_review_session"
AIRFLOW_COOKIE = "_token"  # airflow.api_fastapi.auth.managers.base_auth_manager.COOKIE_NAME_JWT_TOKEN
_SCRYPT = (2**14, 8, 1)


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    via: str  # token | basic | session | airflow | airflow-cookie
    session: str | None = None  # the cookie value, for CSRF tokens

    def can(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    @property
    def uses_cookie(self) -> bool:
        return self.via in ("session", "airflow-cookie")


class AuthError(Exception):
    """401 (no or bad credentials) or 403 (authenticated, role too low)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# -- hashing ------------------------------------------------------------------------------------------------


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    if not password:
        raise ValueError("an empty password cannot be hashed")
    n, r, p = _SCRYPT
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        _, n, r, p, salt, digest = encoded.split("$")
        got = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(got, _unb64(digest))


def hash_token(token: str) -> str:
    return "sha256$" + hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "mrt_" + secrets.token_urlsafe(32)


# -- sessions and CSRF ----------------------------------------------------------------------------------------


def _sign(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())


def make_session(config: AuthConfig, user: str, now: float | None = None) -> str:
    exp = int((now or time.time()) + config.session_hours * 3600)
    payload = _b64(json.dumps({"u": user, "exp": exp, "n": secrets.token_hex(8)}).encode())
    return f"{payload}.{_sign(config.secret_key, 'session|' + payload)}"


def read_session(config: AuthConfig, cookie: str, now: float | None = None) -> str | None:
    """The user name in a valid, unexpired session cookie, else None."""
    payload, _, sig = cookie.partition(".")
    if not payload or not hmac.compare_digest(sig, _sign(config.secret_key, "session|" + payload)):
        return None
    try:
        data = json.loads(_unb64(payload))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(data, dict) or data.get("exp", 0) < (now or time.time()):
        return None
    user = data.get("u")
    return user if isinstance(user, str) else None


def csrf_token(config: AuthConfig, principal: Principal) -> str:
    return _sign(config.secret_key, f"csrf|{principal.via}|{principal.session or principal.name}")


def check_csrf(config: AuthConfig, principal: Principal, supplied: str | None) -> None:
    if not principal.uses_cookie:
        return  # header credentials are not sent by browsers on their own
    if not supplied or not hmac.compare_digest(supplied, csrf_token(config, principal)):
        raise AuthError(403, "missing or stale CSRF token: reload the page and submit again")


# -- authentication -------------------------------------------------------------------------------------------

_basic_cache: dict[tuple[str, str], float] = {}  # (user, sha256(password + hash)) → expiry; scrypt is slow


def _check_basic(user: UserEntry, password: str) -> bool:
    key = (user.name, hashlib.sha256((password + "\0" + user.password_hash).encode()).hexdigest())
    now = time.monotonic()
    if _basic_cache.get(key, 0) > now:
        return True
    ok = verify_password(password, user.password_hash)
    if ok:
        if len(_basic_cache) > 1000:
            _basic_cache.clear()
        _basic_cache[key] = now + 300
    return ok


def _airflow_manager(config: AuthConfig) -> Any | None:
    """Airflow's auth manager when this process is an Airflow api-server (or "on"), else None."""
    if config.airflow_auth == "off":
        return None
    if config.airflow_auth == "auto" and "airflow.api_fastapi.app" not in sys.modules:
        return None
    try:
        from airflow.api_fastapi.app import get_auth_manager

        return get_auth_manager()
    except (ImportError, RuntimeError):
        if config.airflow_auth == "on":
            raise AuthError(401, "Airflow authentication is required (MILESTONES_REVIEW_AIRFLOW_AUTH=on) but "
                            "Airflow's auth manager is not initialised in this process") from None
        return None


async def _airflow_principal(config: AuthConfig, token: str, via: str) -> Principal | None:
    manager = _airflow_manager(config)
    if manager is None:
        return None
    try:
        user = await manager.get_user_from_token(token)
    except Exception as exc:  # expired, bad signature, revoked: all mean "not authenticated"
        log.info("Airflow token rejected: %s", type(exc).__name__)
        return None
    name = str(user.get_name())
    role = config.airflow_users.get(name)
    if role is None:
        airflow_role = getattr(user, "role", None)
        role = config.airflow_roles.get(str(airflow_role).upper()) if airflow_role else None
    if role is None:
        try:
            allowed = manager.is_authorized_custom_view(method="GET", resource_name="Obligation review", user=user)
        except Exception:
            allowed = False
        role = "viewer" if allowed else None
    if role is None:
        raise AuthError(403, f"Airflow user {name!r} has no review role; map it with MILESTONES_REVIEW_AIRFLOW_ROLES "
                             "or MILESTONES_REVIEW_AIRFLOW_USERS")
    return Principal(name, role, via, session=hashlib.sha256(token.encode()).hexdigest() if via.endswith("cookie") else None)


async def authenticate(config: AuthConfig, headers: Any, cookies: Any, query: Any = None) -> Principal:
    """The caller, or AuthError(401). Explicit credentials win over cookies; bad explicit ones never fall back."""
    header = headers.get("authorization") or ""
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    value = value.strip()
    if scheme == "bearer" and value:
        entry = config.tokens.get(hash_token(value))
        if entry is not None:
            return Principal(entry.name, entry.role, "token")
        principal = await _airflow_principal(config, value, "airflow")
        if principal is not None:
            return principal
        raise AuthError(401, "invalid or expired bearer token")
    if scheme == "basic" and value:
        try:
            user_name, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise AuthError(401, "malformed Basic credentials") from None
        user = config.users.get(user_name)
        if user is None or not _check_basic(user, password):
            raise AuthError(401, "wrong user name or password")
        return Principal(user.name, user.role, "basic")
    if header:
        raise AuthError(401, "unsupported Authorization scheme; use Bearer or Basic")
    if query is not None and query.get("token"):  # calendar clients cannot send headers; .ics routes only
        entry = config.tokens.get(hash_token(query["token"]))
        if entry is None:
            raise AuthError(401, "invalid token")
        return Principal(entry.name, entry.role, "token")
    cookie = cookies.get(SESSION_COOKIE)
    if cookie:
        name = read_session(config, cookie)
        user = config.users.get(name) if name else None
        if user is not None:  # a user removed from the env loses access at once
            return Principal(user.name, user.role, "session", session=cookie)
    airflow_cookie = cookies.get(AIRFLOW_COOKIE)
    if airflow_cookie:
        principal = await _airflow_principal(config, airflow_cookie, "airflow-cookie")
        if principal is not None:
            return principal
    raise AuthError(401, "authentication required: log in at /login, or send a Bearer token or Basic credentials")


def login(config: AuthConfig, user_name: str, password: str) -> UserEntry | None:
    user = config.users.get(user_name)
    if user is None:
        verify_password(password, hash_password("timing-equaliser"))  # same cost for unknown users
        return None
    return user if verify_password(password, user.password_hash) else None


def _main(argv: list[str]) -> int:
    import getpass

    if argv[:1] == ["hash-password"]:
        pw = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass("password: ")
        if not pw:
            print("empty password", file=sys.stderr)
            return 2
        print(hash_password(pw))
        return 0
    if argv[:1] == ["new-token"] and len(argv) == 3 and argv[2] in ROLES:
        token = new_token()
        print(f"token (give it to the client; it is not stored): {token}", file=sys.stderr)
        print(f"{argv[1]}:{argv[2]}:{hash_token(token)}")
        return 0
    print("usage: python -m milestones.review.auth hash-password   (reads the password from stdin/prompt)\n"
          "       python -m milestones.review.auth new-token NAME viewer|reviewer|admin", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
