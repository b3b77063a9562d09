"""Where contracts come from: the local folder inbox (default) or a CLM (Ironclad, DocuSign CLM).

A CLM source is pulled into a staging inbox under data/clm/<source>/inbox (sync.pull, resumable with
watermarks in raw.watermarks); the nightly plan/extract/load steps then read that inbox exactly as they read
the folder, with ``source_system`` set; after the load, extracted dates are written back (sync.write_back).
Clients take plain config (config.py builds it from a connection); hooks.py reads Airflow Connections.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Imported on first use, so a DAG file importing sources.runs does not load requests/duckdb at parse time.
_LAZY = {
    "Document": "base", "Page": "base", "Source": "base", "SourceItem": "base",
    "DocuSignCLMConfig": "docusign_clm", "DocuSignCLMSource": "docusign_clm",
    "RetryPolicy": "http", "SourceError": "http",
    "IroncladConfig": "ironclad", "IroncladSource": "ironclad",
    "PullResult": "sync", "WritebackResult": "sync", "pull": "sync", "staging_inbox": "sync", "write_back": "sync",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(name)


__all__ = [
    "Document",
    "Page",
    "Source",
    "SourceItem",
    "SourceError",
    "RetryPolicy",
    "IroncladConfig",
    "IroncladSource",
    "DocuSignCLMConfig",
    "DocuSignCLMSource",
    "PullResult",
    "WritebackResult",
    "pull",
    "write_back",
    "staging_inbox",
    "SOURCE_SYSTEMS",
]

SOURCE_SYSTEMS = ("folder", "ironclad", "docusign_clm")
