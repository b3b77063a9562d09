"""Fan-out settings: reminder thresholds, channels, links, retries — validated once, at the boundary.

Read from the environment (`FanoutSettings.from_env()`), so the same values apply under Airflow, in the
demo and in tests. Every variable is optional; see the README section "Alerts, tasks and calendars".
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from extractors.errors import MilestonesError

from ..redaction import RedactionSettings
from ..redaction import settings_from_env as redaction_from_env

__all__ = ["FanoutSettings", "CHANNELS", "RENEWAL_TYPES", "DEFAULT_FROM"]

DEFAULT_FROM = "Contract milestones <contract-milestones@localhost>"

CHANNELS = ("email", "slack", "teams")
# Deadlines that lose money or leverage when missed get the long warning schedule.
RENEWAL_TYPES = frozenset(
    {"renewal_notice", "termination_notice", "option_exercise", "renewal", "expiration"}
)


def _ints(name: str, raw: str) -> tuple[int, ...]:
    try:
        values = tuple(sorted({int(x) for x in raw.split(",") if x.strip()}, reverse=True))
    except ValueError:
        raise MilestonesError(
            f"{name}={raw!r}: give whole days before the due date, e.g. 90,60,30,14,7,1,0"
        ) from None
    if not values or any(v < 0 for v in values):
        raise MilestonesError(f"{name}={raw!r}: give at least one threshold, none negative (0 = on the day)")
    return values


def _int(name: str, raw: str, minimum: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise MilestonesError(f"{name}={raw!r}: expected a whole number") from None
    if value < minimum:
        raise MilestonesError(f"{name}={value}: must be at least {minimum}")
    return value


@dataclass(frozen=True)
class FanoutSettings:
    thresholds: tuple[int, ...] = (90, 60, 30, 14, 7, 1, 0)
    renewal_thresholds: tuple[int, ...] = (180, 120, 90, 60, 30, 14, 7, 1, 0)
    renewal_types: frozenset[str] = RENEWAL_TYPES
    overdue_every_days: int = 7
    escalate_after_days: int = 14
    channels: tuple[str, ...] = CHANNELS
    task_horizon_days: int = (
        90  # tasks are opened this many days ahead of the due date (and for overdue ones)
    )
    review_base_url: str = "http://localhost:8080/review"  # the review app inside the Airflow api-server
    link_template: str = "{base_url}/contracts/{contract_id}?milestone={milestone_id}"
    calendar_domain: str = "contract-milestones.local"
    email_from: str | None = None  # default: the SMTP connection's from_email, else DEFAULT_FROM
    max_attempts: int = 5
    retry_backoff_minutes: int = 15
    evidence_chars: int = 1200
    redaction: RedactionSettings = field(default_factory=RedactionSettings)

    def __post_init__(self) -> None:
        bad = set(self.channels) - set(CHANNELS)
        if bad:
            raise MilestonesError(f"unknown alert channels {sorted(bad)}; choose from {', '.join(CHANNELS)}")
        if not self.review_base_url.startswith(("http://", "https://")):
            raise MilestonesError(
                f"MILESTONES_REVIEW_BASE_URL={self.review_base_url!r}: give an absolute http(s) URL of the review app"
            )
        try:
            self.link_template.format(base_url="", contract_id="", milestone_id="", occurrence_id="")
        except (KeyError, IndexError, ValueError) as exc:
            raise MilestonesError(
                f"MILESTONES_LINK_TEMPLATE={self.link_template!r}: only {{base_url}}, {{contract_id}}, "
                f"{{milestone_id}} and {{occurrence_id}} may be used ({exc})"
            ) from None

    def thresholds_for(self, obligation_type: str | None) -> tuple[int, ...]:
        return self.renewal_thresholds if obligation_type in self.renewal_types else self.thresholds

    def link(self, contract_id: str, milestone_id: str, occurrence_id: str = "") -> str:
        from urllib.parse import quote

        return self.link_template.format(
            base_url=self.review_base_url.rstrip("/"),
            contract_id=quote(contract_id or "", safe=""),
            milestone_id=quote(milestone_id or "", safe=""),
            occurrence_id=quote(occurrence_id or "", safe=""),
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> FanoutSettings:
        env = os.environ if env is None else env
        kw: dict[str, Any] = {"redaction": redaction_from_env(env)}
        if env.get("MILESTONES_ALERT_THRESHOLDS"):
            kw["thresholds"] = _ints("MILESTONES_ALERT_THRESHOLDS", env["MILESTONES_ALERT_THRESHOLDS"])
        if env.get("MILESTONES_RENEWAL_THRESHOLDS"):
            kw["renewal_thresholds"] = _ints(
                "MILESTONES_RENEWAL_THRESHOLDS", env["MILESTONES_RENEWAL_THRESHOLDS"]
            )
        if env.get("MILESTONES_RENEWAL_TYPES"):
            kw["renewal_types"] = frozenset(
                t.strip() for t in env["MILESTONES_RENEWAL_TYPES"].split(",") if t.strip()
            )
        for var, attr, minimum in (
            ("MILESTONES_OVERDUE_EVERY_DAYS", "overdue_every_days", 1),
            ("MILESTONES_ESCALATE_AFTER_DAYS", "escalate_after_days", 0),
            ("MILESTONES_TASK_HORIZON_DAYS", "task_horizon_days", 0),
            ("MILESTONES_MAX_ATTEMPTS", "max_attempts", 1),
            ("MILESTONES_RETRY_BACKOFF_MINUTES", "retry_backoff_minutes", 0),
        ):
            if env.get(var):
                kw[attr] = _int(var, env[var], minimum)
        if "MILESTONES_ALERT_CHANNELS" in env:  # empty = no alerts, tasks and calendars only
            kw["channels"] = tuple(
                c.strip() for c in env["MILESTONES_ALERT_CHANNELS"].split(",") if c.strip()
            )
        for var, attr in (
            ("MILESTONES_REVIEW_BASE_URL", "review_base_url"),
            ("MILESTONES_LINK_TEMPLATE", "link_template"),
            ("MILESTONES_CALENDAR_DOMAIN", "calendar_domain"),
            ("MILESTONES_EMAIL_FROM", "email_from"),
        ):
            if env.get(var):
                kw[attr] = env[var]
        return cls(**kw)
