"""Settings of the review app, read from the environment once and validated at the boundary.

Everything secret (password hashes, token hashes, the signing key) comes from the environment, never
from git. A malformed value raises :class:`extractors.errors.MilestonesError` naming the variable and
how to fix it, so the app refuses to start instead of running half-configured.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from extractors.errors import MilestonesError

from ..paths import get_paths

__all__ = ["ROLES", "ReviewConfig", "AuthConfig", "UserEntry", "TokenEntry", "get_config", "parse_role_map"]

ROLES: tuple[str, ...] = ("viewer", "reviewer", "admin")  # each role includes the ones before it

DEFAULT_AIRFLOW_ROLES = "ADMIN:admin,OP:reviewer,USER:reviewer,VIEWER:viewer"


@dataclass(frozen=True)
class UserEntry:
    name: str
    role: str
    password_hash: str  # scrypt$n$r$p$salt$hash (see auth.hash_password)


@dataclass(frozen=True)
class TokenEntry:
    name: str
    role: str
    token_hash: str  # sha256$hex (see auth.hash_token)


@dataclass(frozen=True)
class AuthConfig:
    users: Mapping[str, UserEntry] = field(default_factory=dict)
    tokens: Mapping[str, TokenEntry] = field(default_factory=dict)  # keyed by token_hash
    secret_key: bytes = b""
    secret_is_ephemeral: bool = True
    airflow_auth: str = "auto"  # auto | on | off
    airflow_roles: Mapping[str, str] = field(default_factory=dict)  # Airflow role (upper case) → review role
    airflow_users: Mapping[str, str] = field(default_factory=dict)  # Airflow user name → review role
    session_hours: float = 8.0

    @property
    def has_local_credentials(self) -> bool:
        return bool(self.users or self.tokens)


@dataclass(frozen=True)
class ReviewConfig:
    warehouse: Path
    published: Path
    outbox_dir: Path = Path("data/outbox")  # where the fan-out writes calendars/owners/<owner>.ics
    read_from: str = "warehouse"  # warehouse | published
    max_body_bytes: int = 20 * 1024 * 1024
    max_text_chars: int = 1_000_000
    lock_retries: int = 6
    lock_backoff_s: float = 0.05
    auth: AuthConfig = field(default_factory=AuthConfig)

    @property
    def audit_spool(self) -> Path:
        """Audit rows that could not be written while the warehouse was busy wait here (see store.py)."""
        return self.warehouse.with_name(self.warehouse.name + ".audit-spool.jsonl")


def _entries(raw: str) -> list[str]:
    return [e.strip() for chunk in raw.splitlines() for e in chunk.replace(";", ",").split(",") if e.strip()]


def _role(value: str, var: str, entry: str) -> str:
    role = value.strip().lower()
    if role not in ROLES:
        raise MilestonesError(f"{var}: entry {entry!r} has role {value!r}; use one of {', '.join(ROLES)}")
    return role


def _parse_users(raw: str, var: str = "MILESTONES_REVIEW_USERS") -> dict[str, UserEntry]:
    out: dict[str, UserEntry] = {}
    for entry in _entries(raw):
        parts = entry.split(":", 2)
        if len(parts) != 3 or not parts[0]:
            raise MilestonesError(
                f"{var}: entry {entry.split(':', 1)[0]!r} is not NAME:ROLE:HASH; create the hash with "
                "`python -m milestones.review.auth hash-password`"
            )
        name, role, hashed = parts
        if not hashed.startswith("scrypt$") or hashed.count("$") != 5:
            raise MilestonesError(
                f"{var}: user {name!r} has no scrypt hash (plain passwords are not accepted); create one with "
                "`python -m milestones.review.auth hash-password`"
            )
        out[name] = UserEntry(name, _role(role, var, name), hashed)
    return out


def _parse_tokens(raw: str, var: str = "MILESTONES_REVIEW_TOKENS") -> dict[str, TokenEntry]:
    out: dict[str, TokenEntry] = {}
    for entry in _entries(raw):
        parts = entry.split(":", 2)
        if len(parts) != 3 or not parts[0]:
            raise MilestonesError(
                f"{var}: entry {entry.split(':', 1)[0]!r} is not NAME:ROLE:sha256$HEX; create one with "
                "`python -m milestones.review.auth new-token NAME ROLE`"
            )
        name, role, hashed = parts
        digest = hashed.removeprefix("sha256$")
        if not hashed.startswith("sha256$") or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise MilestonesError(
                f"{var}: token {name!r} is not stored as sha256$<64 hex digits> (never put the token itself "
                "here); create one with `python -m milestones.review.auth new-token NAME ROLE`"
            )
        out[hashed] = TokenEntry(name, _role(role, var, name), hashed)
    return out


def parse_role_map(raw: str, var: str, *, upper_keys: bool) -> dict[str, str]:
    out: dict[str, str] = {}
    for entry in _entries(raw):
        key, sep, role = entry.partition(":")
        if not sep or not key.strip():
            raise MilestonesError(f"{var}: entry {entry!r} is not NAME:ROLE (e.g. {DEFAULT_AIRFLOW_ROLES})")
        out[key.strip().upper() if upper_keys else key.strip()] = _role(role, var, entry)
    return out


def _number(env: Mapping[str, str], var: str, default: float, *, minimum: float) -> float:
    raw = env.get(var)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise MilestonesError(f"{var}={raw!r}: set a number >= {minimum:g} (default {default:g})")
    return value


def _secret(env: Mapping[str, str]) -> tuple[bytes, bool]:
    raw = env.get("MILESTONES_REVIEW_SECRET_KEY", "")
    if raw:
        if len(raw) < 32:
            raise MilestonesError(
                "MILESTONES_REVIEW_SECRET_KEY is shorter than 32 characters; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        return raw.encode(), False
    # Inside Airflow every api-server worker shares the JWT secret: derive from it so sessions work across
    # workers. Otherwise a per-process random key (sessions end when the app restarts).
    jwt_secret = env.get("AIRFLOW__API_AUTH__JWT_SECRET", "")
    if jwt_secret:
        return hashlib.sha256(b"milestones-review|" + jwt_secret.encode()).digest(), False
    return secrets.token_bytes(32), True


def get_config(env: Mapping[str, str] | None = None) -> ReviewConfig:
    """Read and validate every MILESTONES_REVIEW_* / MILESTONES_API_* variable (see README, "Review app")."""
    env = os.environ if env is None else env
    paths = get_paths()
    read_from = env.get("MILESTONES_REVIEW_READ_FROM", "warehouse").strip().lower()
    if read_from not in ("warehouse", "published"):
        raise MilestonesError(f"MILESTONES_REVIEW_READ_FROM={read_from!r}: use 'warehouse' or 'published'")
    airflow_auth = env.get("MILESTONES_REVIEW_AIRFLOW_AUTH", "auto").strip().lower()
    if airflow_auth not in ("auto", "on", "off"):
        raise MilestonesError(f"MILESTONES_REVIEW_AIRFLOW_AUTH={airflow_auth!r}: use auto, on or off")
    secret, ephemeral = _secret(env)
    auth = AuthConfig(
        users=_parse_users(env.get("MILESTONES_REVIEW_USERS", "")),
        tokens=_parse_tokens(env.get("MILESTONES_REVIEW_TOKENS", "")),
        secret_key=secret,
        secret_is_ephemeral=ephemeral,
        airflow_auth=airflow_auth,
        airflow_roles=parse_role_map(
            env.get("MILESTONES_REVIEW_AIRFLOW_ROLES", DEFAULT_AIRFLOW_ROLES), "MILESTONES_REVIEW_AIRFLOW_ROLES",
            upper_keys=True,
        ),
        airflow_users=parse_role_map(
            env.get("MILESTONES_REVIEW_AIRFLOW_USERS", ""), "MILESTONES_REVIEW_AIRFLOW_USERS", upper_keys=False
        ),
        session_hours=_number(env, "MILESTONES_REVIEW_SESSION_HOURS", 8.0, minimum=0.1),
    )
    return ReviewConfig(
        warehouse=Path(env.get("MILESTONES_WAREHOUSE") or paths.warehouse),
        published=paths.published,
        outbox_dir=paths.outbox,
        read_from=read_from,
        max_body_bytes=int(_number(env, "MILESTONES_API_MAX_BODY_MB", 20, minimum=0.001) * 1024 * 1024),
        max_text_chars=int(_number(env, "MILESTONES_API_MAX_TEXT_CHARS", 1_000_000, minimum=1)),
        lock_retries=int(_number(env, "MILESTONES_REVIEW_LOCK_RETRIES", 6, minimum=1)),
        lock_backoff_s=_number(env, "MILESTONES_REVIEW_LOCK_BACKOFF_S", 0.05, minimum=0.0),
        auth=auth,
    )
