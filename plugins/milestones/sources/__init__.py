"""Where contracts come from: the local folder inbox (default) or a CLM (Ironclad, DocuSign CLM).

A CLM source is pulled into a staging inbox under data/clm/<source>/inbox (sync.pull, resumable with
watermarks in raw.watermarks); the nightly plan/extract/load steps then read that inbox exactly as they read
the folder, with ``source_system`` set; after the load, extracted dates are written back (sync.write_back).
Clients take plain config (config.py builds it from a connection); hooks.py reads Airflow Connections.
"""

from __future__ import annotations

from .base import Document, Page, Source, SourceItem
from .docusign_clm import DocuSignCLMConfig, DocuSignCLMSource
from .http import RetryPolicy, SourceError
from .ironclad import IroncladConfig, IroncladSource
from .sync import PullResult, WritebackResult, pull, staging_inbox, write_back

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
