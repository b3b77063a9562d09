"""contract-milestones extraction: document text → structure → dates → key dates and obligations.

No Airflow imports anywhere in this package; the DAGs and the CLI both call into it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

__version__ = "0.1.0"


# modules that read other documents than contracts: changing them must not re-extract every contract
# (evidence.py has its own reader version, extractors.evidence.READER_VERSION)
_NOT_CONTRACT_EXTRACTION = frozenset({"evidence.py"})


def _code_fingerprint() -> str:
    """A short hash of the extraction code itself (this package's modules, not samples or data): any change to a
    rule changes EXTRACTOR_VERSION, so the nightly run re-extracts what an older extractor read."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        if path.name in _NOT_CONTRACT_EXTRACTION:
            continue
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:10]


EXTRACTOR_VERSION = f"{__version__}+{_code_fingerprint()}"

__all__ = ["__version__", "EXTRACTOR_VERSION"]
