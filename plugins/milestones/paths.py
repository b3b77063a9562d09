"""Where the pipeline reads and writes, from one place.

Everything lives under MILESTONES_HOME (default: the project checkout): the inbox of contracts, the
DuckDB warehouse (one writer), its published read-only copy, the outbox and per-run work files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Paths", "get_paths", "PROJECT_ROOT"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Paths:
    home: Path

    @property
    def data(self) -> Path:
        return Path(os.environ.get("MILESTONES_DATA", self.home / "data"))

    @property
    def inbox(self) -> Path:
        return Path(os.environ.get("MILESTONES_INBOX", PROJECT_ROOT / "extractors" / "samples" / "portfolio"))

    @property
    def warehouse(self) -> Path:
        return Path(os.environ.get("MILESTONES_WAREHOUSE", self.data / "warehouse.duckdb"))

    @property
    def published(self) -> Path:
        return self.data / "published" / "warehouse.duckdb"

    @property
    def outbox(self) -> Path:
        return self.data / "outbox"

    @property
    def runs(self) -> Path:
        return self.data / "runs"

    @property
    def quarantine(self) -> Path:
        return self.data / "quarantine"

    @property
    def dbt_project(self) -> Path:
        return PROJECT_ROOT / "dbt"

    @property
    def gx_docs(self) -> Path:
        return self.data / "gx" / "data_docs"


def get_paths() -> Paths:
    return Paths(Path(os.environ.get("MILESTONES_HOME", PROJECT_ROOT)))
