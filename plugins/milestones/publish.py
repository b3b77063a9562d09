"""Publish a read-only copy of the warehouse for analysts and BI, atomically.

A reader holding a DuckDB connection blocks the writer, so readers get their own file: the whole database
is copied into a new file (DuckDB 1.5 storage format, which older BI drivers can read) and renamed over the
previous copy. A reader keeps the snapshot it opened; new connections see the new one.
"""

from __future__ import annotations

import os
from pathlib import Path

from .paths import get_paths
from .register import connect

__all__ = ["publish_warehouse"]


def publish_warehouse(warehouse: Path | None = None, published: Path | None = None) -> Path:
    paths = get_paths()
    src = Path(warehouse or paths.warehouse)
    dst = Path(published or paths.published)
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    # Opened with the writer's settings (this runs in the writer pool), so a dbt connection to the same
    # file in this process is shared instead of refused.
    con = connect(src)
    try:
        source_db = con.execute("select current_database()").fetchone()[0]
        con.execute(f"attach '{tmp}' as pub (storage_version 'v1.5.0')")
        con.execute(f'copy from database "{source_db}" to pub')
        con.execute("detach pub")
    finally:
        con.close()
    os.replace(tmp, dst)
    return dst
