"""Which reminder an obligation occurrence is due for on the run's reference date.

One step at a time: the smallest threshold the occurrence has reached (30 days out → "d30"), on the day
("d0"), then every N days overdue ("overdue_1", "overdue_8", …), plus one escalation to the manager once
it has been overdue for the configured period. A step that was missed (the pipeline was down) is not
replayed: only the current step is sent, so nobody gets five stale reminders at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .settings import FanoutSettings

__all__ = ["Reminder", "get_reminders"]


@dataclass(frozen=True)
class Reminder:
    threshold: str  # d90 … d0 | overdue_<n> | escalation — part of the outbox key
    kind: str  # reminder | overdue | escalation
    audience: str  # owner | manager
    days_until_due: int


def get_reminders(
    days_until_due: int | None, obligation_type: str | None, settings: FanoutSettings
) -> Iterator[Reminder]:
    if days_until_due is None:
        return
    d = int(days_until_due)
    if d >= 0:
        fitting = [t for t in settings.thresholds_for(obligation_type) if d <= t]
        if fitting:
            yield Reminder(f"d{min(fitting)}", "reminder", "owner", d)
        return
    overdue = -d
    n = settings.overdue_every_days
    yield Reminder(f"overdue_{1 + ((overdue - 1) // n) * n}", "overdue", "owner", d)
    if overdue >= max(settings.escalate_after_days, 1):
        yield Reminder("escalation", "escalation", "manager", d)
