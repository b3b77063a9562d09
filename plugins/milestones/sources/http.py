"""The HTTP layer every CLM client shares: bearer tokens, retries, rate limits, timeouts.

- OAuth2 tokens are fetched on first use, cached until shortly before they expire, and fetched again once
  when the API answers 401 (a revoked or rotated token); a second 401 is an error that names the connection.
- 429: wait what the server says — ``Retry-After`` (seconds or an HTTP date; Ironclad, most APIs) or
  ``X-RateLimit-Reset`` (a date or epoch seconds; DocuSign CLM) — else back off exponentially.
- 5xx, connection errors and timeouts: exponential backoff, up to ``RetryPolicy.max_attempts``.
- Any other 4xx is permanent (:class:`SourceError` with ``transient=False``): retrying cannot fix it.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from extractors.errors import MilestonesError

__all__ = [
    "SourceError",
    "RetryPolicy",
    "TokenProvider",
    "StaticToken",
    "ClientCredentials",
    "JwtBearerGrant",
    "ApiClient",
    "retry_after_seconds",
]

log = logging.getLogger(__name__)


class SourceError(MilestonesError):
    """A CLM call that failed. ``transient``: a later retry may succeed (5xx, 429, timeouts) — a pull stops
    and resumes from its checkpoint; otherwise the request itself is wrong (4xx) and the message says why."""

    def __init__(self, message: str, *, status: int | None = None, transient: bool = False, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.transient = transient
        self.body = body


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5  # per request, all causes together
    backoff_s: float = 1.0  # first wait after a 5xx/timeout; doubles each time
    backoff_max_s: float = 60.0
    max_wait_s: float = 300.0  # longest Retry-After honoured; a longer one fails the request as transient
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.backoff_s < 0 or self.connect_timeout_s <= 0 or self.read_timeout_s <= 0:
            raise MilestonesError(f"invalid retry policy {self}: attempts >= 1, waits >= 0, timeouts > 0")


def retry_after_seconds(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds to wait from ``Retry-After`` (delta or HTTP date) or ``X-RateLimit-Reset`` (date or epoch)."""
    for name in ("Retry-After", "X-RateLimit-Reset"):
        raw = headers.get(name)
        if not raw:
            continue
        raw = raw.strip()
        try:
            value = float(raw)
        except ValueError:
            value = None
        if value is not None:
            # Retry-After is a delta; X-RateLimit-Reset as a number is an epoch time when it is large
            return max(0.0, value - now) if name == "X-RateLimit-Reset" and value > 1e9 else max(0.0, value)
        when: dt.datetime | None = None
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            try:
                when = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
            except ValueError:
                when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            return max(0.0, when.timestamp() - now)
    return None


class TokenProvider:
    """Hands out a bearer token; ``invalidate()`` forces a fresh one (after a 401)."""

    def token(self, session: requests.Session, policy: RetryPolicy) -> str:
        raise NotImplementedError

    def invalidate(self) -> None:
        pass

    @property
    def refreshable(self) -> bool:
        return False


@dataclass
class StaticToken(TokenProvider):
    """A long-lived token (Ironclad legacy access token, a DocuSign token minted elsewhere)."""

    value: str

    def token(self, session: requests.Session, policy: RetryPolicy) -> str:
        return self.value


@dataclass
class _OAuthBase(TokenProvider):
    token_url: str
    clock: Callable[[], float] = time.time
    _cached: tuple[str, float] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    fetches: int = field(default=0, init=False)

    def _form(self) -> dict[str, str]:
        raise NotImplementedError

    @property
    def refreshable(self) -> bool:
        return True

    def invalidate(self) -> None:
        with self._lock:
            self._cached = None

    def token(self, session: requests.Session, policy: RetryPolicy) -> str:
        with self._lock:
            if self._cached and self._cached[1] > self.clock() + 30:
                return self._cached[0]
            try:
                resp = session.post(self.token_url, data=self._form(), headers={"Accept": "application/json"},
                                    timeout=(policy.connect_timeout_s, policy.read_timeout_s))  # fmt: skip
            except requests.RequestException as exc:
                raise SourceError(f"token request to {self.token_url} failed: {exc}", transient=True) from exc
            self.fetches += 1
            if resp.status_code >= 500 or resp.status_code == 429:
                raise SourceError(f"token endpoint {self.token_url} answered {resp.status_code}; retry later",
                                  status=resp.status_code, transient=True)  # fmt: skip
            if resp.status_code != 200:
                raise SourceError(
                    f"token endpoint {self.token_url} refused the credentials ({resp.status_code}: "
                    f"{resp.text[:200]}); check the client id/secret (or key) and scopes in the Airflow connection",
                    status=resp.status_code,
                )
            body = resp.json()
            if not body.get("access_token"):
                raise SourceError(f"token endpoint {self.token_url} returned no access_token: {resp.text[:200]}")
            expires = float(body.get("expires_in") or 3600)
            self._cached = (body["access_token"], self.clock() + expires)
            return body["access_token"]


@dataclass
class ClientCredentials(_OAuthBase):
    """OAuth2 client-credentials grant (Ironclad: POST https://{env}.ironcladapp.com/oauth/token)."""

    client_id: str = ""
    client_secret: str = ""
    scope: str = ""

    def _form(self) -> dict[str, str]:
        form = {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret}
        if self.scope:
            form["scope"] = self.scope
        return form


@dataclass
class JwtBearerGrant(_OAuthBase):
    """DocuSign's JWT grant for services: an RS256 assertion signed with the integration's private key,
    exchanged at https://account(-d).docusign.com/oauth/token for a bearer token."""

    integration_key: str = ""
    user_id: str = ""
    private_key_pem: str = ""
    audience: str = ""  # account-d.docusign.com (demo) / account.docusign.com (production)
    scope: str = "signature impersonation spring_read spring_write"

    def _form(self) -> dict[str, str]:
        import jwt

        now = int(self.clock())
        claims = {"iss": self.integration_key, "sub": self.user_id, "aud": self.audience, "iat": now,
                  "exp": now + 3600, "scope": self.scope, "jti": uuid.uuid4().hex}  # fmt: skip
        try:
            assertion = jwt.encode(claims, self.private_key_pem, algorithm="RS256")
        except (ValueError, TypeError) as exc:
            raise SourceError(f"cannot sign the DocuSign JWT assertion: {exc}; the connection's password must be "
                              "the integration's RSA private key in PEM form") from exc  # fmt: skip
        return {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}


def _excerpt(resp: requests.Response) -> str:
    text = resp.text or ""
    try:
        body = resp.json()
        text = json.dumps(body)[:300]
    except ValueError:
        text = text[:300]
    return text


class ApiClient:
    """``request()`` with the retry rules above; ``url`` may be absolute (follow the API's own hrefs) or a
    path joined to ``base_url``. ``sleep`` and ``clock`` are parameters so tests need not wait."""

    def __init__(
        self,
        base_url: str,
        auth: TokenProvider | None,
        policy: RetryPolicy | None = None,
        *,
        name: str = "api",
        connection_hint: str = "",
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.policy = policy or RetryPolicy()
        self.name = name
        self.connection_hint = connection_hint
        self.headers = dict(headers or {})
        self.sleep = sleep
        self.clock = clock
        self.session = session or requests.Session()
        self.waits: list[float] = []  # every wait taken, for logs and tests

    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return f"{self.base_url}/{path_or_url.lstrip('/')}"

    def _wait(self, seconds: float, why: str) -> None:
        seconds = max(0.0, seconds)
        self.waits.append(seconds)
        log.info("%s: %s; waiting %.1f s", self.name, why, seconds)
        self.sleep(seconds)

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        ok: tuple[int, ...] = (200, 201, 202, 204),
        stream: bool = False,
    ) -> requests.Response:
        url = self.url(path_or_url)
        refreshed = False
        attempt = 0
        backoff = self.policy.backoff_s
        while True:
            attempt += 1
            hdrs = {"Accept": "application/json", **self.headers, **(headers or {})}
            if self.auth is not None:
                hdrs["Authorization"] = f"Bearer {self.auth.token(self.session, self.policy)}"
            try:
                resp = self.session.request(
                    method, url, params=params, json=json_body, headers=hdrs, stream=stream,
                    timeout=(self.policy.connect_timeout_s, self.policy.read_timeout_s),
                )  # fmt: skip
            except requests.RequestException as exc:
                if attempt >= self.policy.max_attempts:
                    raise SourceError(f"{self.name}: {method} {url} failed {attempt} times ({type(exc).__name__}: "
                                      f"{exc}); the pull resumes from its checkpoint next run", transient=True) from exc  # fmt: skip
                self._wait(min(backoff, self.policy.backoff_max_s), f"{type(exc).__name__} on {method} {url}")
                backoff *= 2
                continue
            status = resp.status_code
            if status in ok:
                return resp
            if status == 401 and self.auth is not None and self.auth.refreshable and not refreshed:
                refreshed = True
                self.auth.invalidate()
                log.info("%s: 401 on %s %s; fetching a new token", self.name, method, url)
                continue
            if status == 401:
                raise SourceError(f"{self.name}: {method} {url} was refused (401: {_excerpt(resp)}); check the "
                                  f"credentials{' in ' + self.connection_hint if self.connection_hint else ''}",
                                  status=status, body=resp.text)  # fmt: skip
            if status == 429 or status >= 500:
                if attempt >= self.policy.max_attempts:
                    raise SourceError(f"{self.name}: {method} {url} answered {status} {attempt} times; giving up for "
                                      "now, the pull resumes from its checkpoint next run", status=status,
                                      transient=True, body=resp.text)  # fmt: skip
                wait = retry_after_seconds(resp.headers, self.clock()) if status == 429 else None
                if wait is None:
                    wait = min(backoff, self.policy.backoff_max_s)
                    backoff *= 2
                if wait > self.policy.max_wait_s:
                    raise SourceError(f"{self.name}: rate limited for {wait:.0f} s (more than {self.policy.max_wait_s:.0f} s); "
                                      "the pull resumes from its checkpoint next run", status=status, transient=True)  # fmt: skip
                self._wait(wait, f"{status} on {method} {url}")
                continue
            raise SourceError(f"{self.name}: {method} {url} answered {status}: {_excerpt(resp)}", status=status,
                              body=resp.text)  # fmt: skip

    def json(self, method: str, path_or_url: str, **kw: Any) -> Any:
        resp = self.request(method, path_or_url, **kw)
        if resp.status_code == 204 or not resp.content:
            return None
        try:
            return resp.json()
        except ValueError as exc:
            raise SourceError(f"{self.name}: {method} {path_or_url} did not return JSON: {resp.text[:200]}") from exc

