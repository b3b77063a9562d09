"""Source settings from a connection-like object (host, port, schema, login, password, extra_dejson),
validated here so a wrong connection fails with a message that says which field to fix. No Airflow import."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from extractors.errors import MilestonesError

from .docusign_clm import DEFAULT_ATTRIBUTES, DocuSignCLMConfig
from .http import RetryPolicy
from .ironclad import DEFAULT_PROPERTIES, DEFAULT_SCOPES, IroncladConfig

__all__ = ["ConnectionLike", "ironclad_config", "docusign_clm_config", "retry_policy"]


class ConnectionLike(Protocol):
    host: str | None
    port: int | None
    schema: str | None
    login: str | None
    password: str | None

    @property
    def extra_dejson(self) -> dict[str, Any]: ...


def _list(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return tuple(str(v) for v in value)


def _int(extra: Mapping[str, Any], key: str, default: int, conn_id: str) -> int:
    raw = extra.get(key, default)
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise MilestonesError(f"connection {conn_id}: extra {key}={raw!r} must be a whole number") from exc


def retry_policy(extra: Mapping[str, Any], conn_id: str) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=_int(extra, "max_attempts", 5, conn_id),
        read_timeout_s=float(extra.get("read_timeout_s", 60)),
        connect_timeout_s=float(extra.get("connect_timeout_s", 10)),
        max_wait_s=float(extra.get("max_wait_s", 300)),
    )


def _root(conn: ConnectionLike, conn_id: str) -> str:
    if not conn.host:
        raise MilestonesError(f"connection {conn_id} has no host; set it to the API host, e.g. na1.ironcladapp.com")
    host = conn.host.rstrip("/")
    if host.startswith(("http://", "https://")):
        return host
    scheme = conn.schema or "https"
    return f"{scheme}://{host}{f':{conn.port}' if conn.port else ''}"


def ironclad_config(conn: ConnectionLike, conn_id: str = "ironclad") -> IroncladConfig:
    extra = dict(conn.extra_dejson or {})
    base = extra.get("base_url") or _root(conn, conn_id) + extra.get("base_path", "/public/api/v1")
    props = dict(DEFAULT_PROPERTIES)
    props.update(extra.get("writeback_properties") or {})
    return IroncladConfig(
        base_url=base,
        client_id=conn.login or "",
        client_secret=conn.password or "",
        access_token=extra.get("access_token", ""),
        token_url=extra.get("token_url", ""),
        scope=extra.get("scope", DEFAULT_SCOPES),
        as_user_email=extra.get("as_user_email", ""),
        record_types=_list(extra.get("record_types")),
        filter=extra.get("filter", ""),
        page_size=_int(extra, "page_size", 100, conn_id),
        attachment_key=extra.get("attachment_key", "signedCopy"),
        properties=props,
        policy=retry_policy(extra, conn_id),
    )


def docusign_clm_config(conn: ConnectionLike, conn_id: str = "docusign_clm") -> DocuSignCLMConfig:
    extra = dict(conn.extra_dejson or {})
    base = extra.get("base_url")
    if not base:
        if not extra.get("account_id"):
            raise MilestonesError(f"connection {conn_id}: set extra account_id (the CLM account GUID)")
        base = f"{_root(conn, conn_id)}/v2/{extra['account_id']}"
    token_url = extra.get("token_url") or f"https://{extra.get('auth_server', 'account-d.docusign.com')}/oauth/token"
    attrs = dict(DEFAULT_ATTRIBUTES)
    attrs.update(extra.get("writeback_attributes") or {})
    return DocuSignCLMConfig(
        base_url=base,
        folder_ids=_list(extra.get("folder_ids")),
        integration_key=conn.login or "",
        user_id=extra.get("user_id", ""),
        private_key_pem=conn.password or "",
        access_token=extra.get("access_token", ""),
        token_url=token_url,
        page_size=_int(extra, "page_size", 100, conn_id),
        attribute_group=extra.get("attribute_group", "Contract Milestones"),
        attributes=attrs,
        policy=retry_policy(extra, conn_id),
    )
