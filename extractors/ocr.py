"""OCR for PDF pages without a text layer, through the Debian ``tesseract-ocr`` binary (no Python wrapper).

Pages are rendered with pypdfium2 and piped to ``tesseract stdin stdout tsv``; the TSV gives every word
with its confidence, so the page text and a mean word confidence (0–1) come from one call.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

from .errors import DocumentError

__all__ = ["OcrPage", "tesseract_path", "ocr_available", "ocr_image", "ocr_pdf_page", "LOW_OCR_CONFIDENCE"]

LOW_OCR_CONFIDENCE = 0.80
OCR_DPI = 300


@dataclass(frozen=True)
class OcrPage:
    text: str
    confidence: float | None  # mean word confidence 0–1; None when no word was read
    words: int


def tesseract_path() -> str | None:
    """``MILESTONES_TESSERACT`` if set (empty = OCR off), else ``tesseract`` on PATH, else None."""
    configured = os.environ.get("MILESTONES_TESSERACT")
    if configured is not None:
        return configured or None
    return shutil.which("tesseract")


def ocr_available() -> bool:
    return tesseract_path() is not None


def _parse_tsv(tsv: str) -> OcrPage:
    lines: dict[tuple[int, int, int], list[str]] = {}
    confs: list[float] = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") != "5":
            continue
        word = (row.get("text") or "").strip()
        try:
            conf = float(row.get("conf") or -1)
        except ValueError:
            conf = -1
        if not word or conf < 0:
            continue
        key = (int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))
        lines.setdefault(key, []).append(word)
        confs.append(conf / 100.0)
    out: list[str] = []
    prev_par: tuple[int, int] | None = None
    for (block, par, _line), words in sorted(lines.items()):
        if prev_par is not None and (block, par) != prev_par:
            out.append("")  # blank line between paragraphs, as in a text layer
        out.append(" ".join(words))
        prev_par = (block, par)
    mean = sum(confs) / len(confs) if confs else None
    return OcrPage("\n".join(out), mean, len(confs))


def ocr_image(image: Any, lang: str = "eng", timeout_s: float = 120) -> OcrPage:
    """OCR one PIL image; raises DocumentError("ocr_failed") if tesseract is missing or fails."""
    exe = tesseract_path()
    if exe is None:
        raise DocumentError("ocr_failed", "tesseract is not installed; apt-get install tesseract-ocr tesseract-ocr-eng")
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # one core per page; the batch parallelises documents
    try:
        proc = subprocess.run(
            [exe, "stdin", "stdout", "-l", lang, "--psm", "3", "tsv"],
            input=buf.getvalue(),
            capture_output=True,
            timeout=timeout_s,
            env=env,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DocumentError("ocr_failed", f"tesseract could not run ({exc}); check the tesseract-ocr install") from exc
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise DocumentError("ocr_failed", f"tesseract failed ({err[0]}); check tesseract-ocr-{lang} is installed")
    return _parse_tsv(proc.stdout.decode("utf-8", "replace"))


def ocr_pdf_page(page: Any, dpi: int = OCR_DPI, lang: str = "eng") -> OcrPage:
    """Render a pypdfium2 page at ``dpi`` (grey) and OCR it."""
    bitmap = page.render(scale=dpi / 72, grayscale=True)
    try:
        return ocr_image(bitmap.to_pil(), lang=lang)
    finally:
        bitmap.close()
