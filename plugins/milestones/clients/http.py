"""One HTTP core for every vendor client: timeouts, 429/Retry-After, backoff, and an honest error taxonomy.

The outbox needs to know more than "it failed": whether the service certainly did NOT take the request
(retry later), certainly refused it (do not retry), or may have taken it (a read timeout or a dropped
connection after the body was sent — "ambiguous"). Clients raise exactly one of those three, so exactly-once
decisions are made in one place (`milestones.fanout.outbox`), not in every client.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import requests

__all__ = [
    "DeliveryError",
    "RetryableError",
    "RateLimited",
    "PermanentError",
    "AmbiguousError",
    "HttpClient",
    "parse_retry_after",
]


class DeliveryError(Exception):
    """A request the service did not confirm. `status` is the HTTP status when there was one."""

    retryable = False
    ambiguous = False

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class RetryableError(DeliveryError):
    """The service did not take the request (5xx, refused connection, timeout before sending): retry later."""

    retryable = True


class RateLimited(RetryableError):
    """429 (or 503 with Retry-After): retry after `retry_after` seconds, and not before."""


class PermanentError(DeliveryError):
    """The service refused the request (bad payload, unknown channel, no permission): retrying will not help."""


class AmbiguousError(DeliveryError):
    """The request may have been processed (read timeout, connection dropped after sending)."""

    ambiguous = True


def parse_retry_after(headers: Mapping[str, str], now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from `Retry-After` (seconds or HTTP date) or Jira's ISO `X-RateLimit-Reset`."""
    value = headers.get("Retry-After")
    now = now or dt.datetime.now(dt.UTC)
    if value:
        value = value.strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                when = None
            if when is not None:
                if when.tzinfo is None:
                    when = when.replace(tzinfo=dt.UTC)
                return max(0.0, (when - now).total_seconds())
    reset = headers.get("X-RateLimit-Reset")
    if reset:
        try:
            when = dt.datetime.fromisoformat(reset.replace("Z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return max(0.0, (when - now).total_seconds())
    return None


def _body_excerpt(resp: requests.Response, limit: int = 300) -> str:
    try:
        text = resp.text
    except Exception:  # pragma: no cover - undecodable body
        return "<unreadable body>"
    return text[:limit]


class HttpClient:
    """requests.Session with per-call retry policy.

    - 429 / 503+Retry-After: wait inline when the wait fits in `max_inline_wait` (total per call), else
      raise :class:`RateLimited` so the caller defers the send and moves on to others.
    - 5xx and connection failures before sending: exponential backoff, `max_retries` times, then
      :class:`RetryableError`.
    - read timeout / dropped connection: retried only for idempotent calls, else :class:`AmbiguousError`.
    - other 4xx: :class:`PermanentError` with the vendor's error text.
    """

    def __init__(
        self,
        base_url: str = "",
        *,
        auth: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | tuple[float, float] = (5.0, 30.0),
        max_retries: int = 3,
        max_inline_wait: float = 30.0,
        backoff: float = 0.5,
        min_interval: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        if auth is not None:
            self.session.auth = auth
        self.session.headers.update({"Accept": "application/json", "User-Agent": "contract-milestones/0.1"})
        self.session.headers.update(dict(headers or {}))
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_inline_wait = max_inline_wait
        self.backoff = backoff
        self.min_interval = min_interval
        self.sleep = sleep
        self._last_call = 0.0
        self.calls = 0

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def _pace(self) -> None:
        if self.min_interval > 0:
            wait = self._last_call + self.min_interval - time.monotonic()
            if wait > 0:
                self.sleep(wait)
        self._last_call = time.monotonic()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        ok: Iterable[int] | None = None,
    ) -> requests.Response:
        """Send one logical request; returns the response when its status is in `ok` (default: any 2xx)."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")
        ok_set = set(ok) if ok is not None else None
        url = self.url(path)
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            self._pace()
            self.calls += 1
            try:
                resp = self.session.request(
                    method,
                    url,
                    json=json,
                    params=params,
                    data=data,
                    headers=dict(headers or {}),
                    timeout=self.timeout,
                )
            except requests.exceptions.ConnectTimeout as exc:
                err: DeliveryError = RetryableError(f"{method} {url}: connect timeout ({exc})")
            except requests.exceptions.ReadTimeout as exc:
                if not idempotent:
                    raise AmbiguousError(
                        f"{method} {url}: no answer within the read timeout; it may have been processed"
                    ) from exc
                err = RetryableError(f"{method} {url}: read timeout")
            except requests.exceptions.ConnectionError as exc:
                if _never_sent(exc) or idempotent:
                    err = RetryableError(f"{method} {url}: connection failed ({exc.__class__.__name__})")
                else:
                    raise AmbiguousError(f"{method} {url}: connection dropped after sending ({exc})") from exc
            else:
                status = resp.status_code
                if (ok_set is not None and status in ok_set) or (ok_set is None and 200 <= status < 300):
                    return resp
                retry_after = parse_retry_after(resp.headers) if status in (429, 503) else None
                if status == 429 or (status == 503 and retry_after is not None):
                    wait = retry_after if retry_after is not None else self.backoff * 2 ** (attempt - 1)
                    if attempt <= self.max_retries and waited + wait <= self.max_inline_wait:
                        self.sleep(wait)
                        waited += wait
                        continue
                    raise RateLimited(
                        f"{method} {url}: rate limited (HTTP {status}), retry after {wait:.0f} s",
                        status=status,
                        retry_after=wait,
                    )
                if status >= 500:
                    err = RetryableError(
                        f"{method} {url}: HTTP {status}: {_body_excerpt(resp)}", status=status
                    )
                else:
                    raise PermanentError(
                        f"{method} {url}: HTTP {status}: {_body_excerpt(resp)}", status=status
                    )
            if attempt > self.max_retries:
                raise err
            wait = self.backoff * 2 ** (attempt - 1)
            if waited + wait > self.max_inline_wait:
                raise err
            self.sleep(wait)
            waited += wait

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.request("DELETE", path, **kw)


def _never_sent(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the connection was never established (refused, DNS), so the request cannot have arrived."""
    import urllib3.exceptions

    cause: BaseException | None = exc
    seen = 0
    while cause is not None and seen < 8:
        if isinstance(cause, urllib3.exceptions.NewConnectionError | urllib3.exceptions.NameResolutionError):
            return True
        if isinstance(cause, ConnectionRefusedError):
            return True
        reason = getattr(cause, "reason", None)
        cause = reason if isinstance(reason, BaseException) else (cause.__cause__ or cause.__context__)
        seen += 1
    text = str(exc)
    return "NewConnectionError" in text or "Connection refused" in text or "Failed to resolve" in text
