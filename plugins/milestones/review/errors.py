"""The app's HTTP-level client error (domain errors live in decisions/settings and map to 404/409/422)."""

from __future__ import annotations

__all__ = ["HttpError"]


class HttpError(Exception):
    """A client error with a status and a message that says what to do next."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}
