"""contract-milestones extraction: document text → structure → dates → key dates and obligations.

No Airflow imports anywhere in this package; the DAGs and the CLI both call into it.
"""

from __future__ import annotations

__version__ = "0.1.0"
EXTRACTOR_VERSION = __version__

__all__ = ["__version__", "EXTRACTOR_VERSION"]
