"""The one exception type the extraction package raises on bad settings or unreadable input."""

from __future__ import annotations

__all__ = ["MilestonesError", "DocumentError"]


class MilestonesError(Exception):
    """Bad settings or arguments; the message says what to change."""


class DocumentError(MilestonesError):
    """A document that cannot be turned into text. ``reason`` is a short machine code for quarantine."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
