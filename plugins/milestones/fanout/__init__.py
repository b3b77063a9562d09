"""Fan-out: turn due obligations into alerts, tasks and calendar entries, exactly once."""

from .outbox import FanoutSummary, run_fanout

__all__ = ["FanoutSummary", "run_fanout"]
