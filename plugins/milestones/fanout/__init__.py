"""Fan-out: turn due obligations into alerts, tasks and calendar entries — each reaching people exactly once —
and pull task/ITSM status back (see `runner`, `outbox`, `tasks`, `calendar_sync`, `pullback`)."""

from .connectors import Connectors, ServiceNowOptions
from .outbox import resolve_delivery_unknown
from .runner import FanoutSummary, get_outbox_counts, run_fanout
from .settings import FanoutSettings

__all__ = ["Connectors", "FanoutSettings", "FanoutSummary", "ServiceNowOptions", "get_outbox_counts",
           "resolve_delivery_unknown", "run_fanout"]  # fmt: skip
