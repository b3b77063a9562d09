"""One contract in, one :class:`ContractExtraction` out — the function the CLI, the API and the DAG call."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from . import EXTRACTOR_VERSION
from .classifier import model_version
from .contract_type import get_contract_type
from .keydates import get_key_dates
from .obligations import get_obligations
from .parties import get_parties
from .schema import ContractExtraction
from .text import Document, load_document

__all__ = ["extract_document", "extract_path", "DEFAULT_REVIEW_THRESHOLD"]

DEFAULT_REVIEW_THRESHOLD = 0.85


def extract_document(
    doc: Document, as_of: dt.date, review_threshold: float = DEFAULT_REVIEW_THRESHOLD
) -> ContractExtraction:
    """Extract key dates and obligations; as_of is the explicit reference date (never today's clock)."""
    warnings = list(doc.warnings)
    if len(doc.text.strip()) < 200:
        warnings.append("little or no text: fewer than 200 characters were read; check the file or OCR it")
    key_dates = get_key_dates(doc.text, as_of=as_of)
    milestones = get_obligations(doc, key_dates, as_of, review_threshold)
    parties = tuple({"name": p.name, "role": p.role} for p in get_parties(doc.text))
    title = _title(doc.text)
    return ContractExtraction(
        contract_id=doc.doc_id,
        source=doc.source,
        key_dates=key_dates,
        extracted_milestones=tuple(milestones),
        warnings=tuple(warnings),
        parties=parties,
        title=title,
        contract_type=get_contract_type(title, doc.text),
        pages=len(doc.pages),
        content_hash=doc.content_hash,
        extractor_version=EXTRACTOR_VERSION,
        model_version=model_version(),
    )


def _title(text: str) -> str | None:
    """The first substantial line of the document, as printed (contracts open with their title)."""
    for line in text[:2000].splitlines():
        line = line.strip()
        if len(line) >= 4 and any(c.isalpha() for c in line):
            return line[:200]
    return None


def extract_path(path: str | Path, as_of: dt.date, review_threshold: float = DEFAULT_REVIEW_THRESHOLD) -> ContractExtraction:
    return extract_document(load_document(path), as_of, review_threshold)
