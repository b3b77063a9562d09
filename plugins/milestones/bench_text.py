"""Benchmark of the PDF text stage (``extractors.text.load_document``) against pypdfium2's raw text speed.

``python -m milestones.bench_text /work/shared/cuad/pdf --procs 2`` prints one table: the full text stage
(pypdfium2 text + table detection + pdfplumber on table pages + OCR where needed) next to bare
``get_text_range()`` over the same files in the same run, so the ratio survives a noisy machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["bench_pdf_text", "bench_raw_pdfium", "main"]


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _text_stage(path: str) -> dict[str, Any]:
    from extractors.errors import DocumentError
    from extractors.text import load_document

    try:
        doc = load_document(path)
    except DocumentError as exc:
        return {"pages": 0, "error": exc.reason, "rss_mb": _max_rss_mb()}
    return {
        "pages": len(doc.pages),
        "tables": len(doc.tables),
        "table_pages": len(doc.table_pages),
        "ocr_pages": len(doc.ocr_pages),
        "chars": len(doc.text),
        "rss_mb": _max_rss_mb(),
    }


def _raw_pdfium(path: str) -> dict[str, Any]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    chars = 0
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            tp = page.get_textpage()
            chars += len(tp.get_text_range())
            tp.close()
            page.close()
        return {"pages": len(pdf), "chars": chars, "rss_mb": _max_rss_mb()}
    finally:
        pdf.close()


def _cpu() -> float:
    """User+system seconds of this process and of its reaped children (pool workers, tesseract)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _run(func: Any, paths: Sequence[str | Path], procs: int) -> tuple[float, float, list[dict[str, Any]]]:
    ordered = sorted((str(p) for p in paths), key=lambda p: -Path(p).stat().st_size)  # biggest first
    cpu0, started = _cpu(), time.perf_counter()
    if procs <= 1:
        results = [func(p) for p in ordered]
    else:
        pool = multiprocessing.get_context("fork").Pool(procs)
        try:
            results = pool.map(func, ordered, chunksize=1)
        finally:
            pool.close()
            pool.join()  # reap the workers so their CPU time is counted
    return time.perf_counter() - started, _cpu() - cpu0, results


def bench_raw_pdfium(pdf_paths: Sequence[str | Path], procs: int = 2) -> dict[str, Any]:
    """Bare pypdfium2 ``get_text_range()`` over the files: the baseline the text stage is held to."""
    seconds, cpu, results = _run(_raw_pdfium, pdf_paths, procs)
    pages = sum(r["pages"] for r in results)
    return {
        "files": len(results),
        "pages": pages,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "pages_per_s": round(pages / seconds, 1) if seconds else None,
        "peak_rss_mb": round(max((r["rss_mb"] for r in results), default=0.0), 1),
    }


def bench_pdf_text(pdf_paths: Sequence[str | Path], procs: int = 2) -> dict[str, Any]:
    """The full text stage over the files with ``procs`` worker processes.

    Returns files, pages, seconds (wall), cpu_seconds (workers + tesseract), pages_per_s, tables (found), pdfplumber_pages (pages opened with
    pdfplumber), ocr_pages, errors (reason → count) and peak_rss_mb (largest worker max RSS).
    """
    seconds, cpu, results = _run(_text_stage, pdf_paths, procs)
    pages = sum(r["pages"] for r in results)
    return {
        "files": len(results),
        "pages": pages,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "pages_per_s": round(pages / seconds, 1) if seconds else None,
        "tables": sum(r.get("tables", 0) for r in results),
        "pdfplumber_pages": sum(r.get("table_pages", 0) for r in results),
        "files_with_tables": sum(1 for r in results if r.get("tables")),
        "ocr_pages": sum(r.get("ocr_pages", 0) for r in results),
        "errors": dict(Counter(r["error"] for r in results if "error" in r)),
        "peak_rss_mb": round(max((r["rss_mb"] for r in results), default=0.0), 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder of PDFs (searched recursively)")
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="only the first N files (sorted by name)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the raw pypdfium2 run")
    args = parser.parse_args(argv)
    paths = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() == ".pdf")
    if args.limit:
        paths = paths[: args.limit]
    if not paths:
        print(f"no PDFs under {args.folder}", file=sys.stderr)
        return 2
    rows: list[tuple[str, dict[str, Any]]] = []
    if not args.no_baseline:
        rows.append(("pypdfium2 get_text_range (raw)", bench_raw_pdfium(paths, args.procs)))
    stage = bench_pdf_text(paths, args.procs)
    rows.append(("text stage (load_document)", stage))
    print(f"{len(paths)} PDFs, {args.procs} processes")
    print(f"{'run':34} {'pages':>7} {'seconds':>8} {'CPU s':>8} {'pages/s':>8} {'peak RSS MB':>11}")
    for label, r in rows:
        print(
            f"{label:34} {r['pages']:>7} {r['seconds']:>8} {r['cpu_seconds']:>8} {r['pages_per_s']:>8} "
            f"{r['peak_rss_mb']:>11}"
        )
    if not args.no_baseline:
        raw = rows[0][1]
        print(
            f"text stage / raw: {stage['seconds'] / max(raw['seconds'], 1e-9):.2f}x wall, "
            f"{stage['cpu_seconds'] / max(raw['cpu_seconds'], 1e-9):.2f}x CPU"
        )
    print(
        f"tables found: {stage['tables']} in {stage['files_with_tables']} files; pdfplumber pages: "
        f"{stage['pdfplumber_pages']}; OCR pages: {stage['ocr_pages']}; errors: {stage['errors'] or 'none'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
