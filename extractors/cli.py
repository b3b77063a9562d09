"""`milestones` command line: extract, eval, train, samples, export-feedback.

Each subcommand is a thin shell over a module function so the DAGs and tests call the same code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .errors import DocumentError, MilestonesError
from .obligation_eval import CUAD_PARTS

__all__ = ["main", "iter_input_files"]

SUPPORTED = (".pdf", ".docx", ".txt")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; write it as YYYY-MM-DD") from exc


def iter_input_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files named directly, and the supported files inside named folders (sorted, recursive)."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED)
        elif p.exists():
            yield p
        else:
            raise MilestonesError(f"{p}: no such file or folder")


def _extract_one(job: tuple[str, str, float]) -> dict:
    from .pipeline import extract_document
    from .schema import ContractExtraction, KeyDates
    from .text import load_document

    path, as_of, threshold = job

    def empty(warning: str) -> dict:
        return ContractExtraction(Path(path).stem, path, KeyDates(), warnings=(warning,)).to_dict()

    try:
        doc = load_document(path)
    except DocumentError as exc:
        return empty(f"{exc.reason}: {exc}")
    except OSError as exc:
        return empty(f"unreadable: {exc}")
    try:
        return extract_document(doc, dt.date.fromisoformat(as_of), threshold).to_dict()
    except Exception as exc:  # one odd document must not end a 500-contract run: report it in its own result
        return empty(f"extractor_error: {type(exc).__name__}: {exc}; please report this file")


def cmd_extract(args: argparse.Namespace) -> int:
    files = list(iter_input_files(args.paths))
    jobs = [(str(f), args.as_of.isoformat(), args.threshold) for f in files]
    started = time.perf_counter()
    workers = args.workers or min(os.cpu_count() or 1, 2)
    out = sys.stdout
    done = 0

    def emit(obj: dict) -> None:
        nonlocal done
        done += 1
        if args.jsonl:
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
        else:
            out.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
        if not args.quiet and (done % 25 == 0 or done == len(jobs)):
            rate = done / max(time.perf_counter() - started, 1e-9)
            print(f"[{done}/{len(jobs)}] {rate:.1f} contracts/s", file=sys.stderr)

    if workers > 1 and len(jobs) > 4:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for obj in pool.map(_extract_one, jobs, chunksize=4):
                emit(obj)
    else:
        for job in jobs:
            emit(_extract_one(job))
    if not args.quiet:
        elapsed = time.perf_counter() - started
        print(f"extracted {done} contracts in {elapsed:.1f} s ({done / max(elapsed, 1e-9):.1f} contracts/s)", file=sys.stderr)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluation import run_eval

    return run_eval(args)


def cmd_eval_obligations(args: argparse.Namespace) -> int:
    from .obligation_eval import run_eval_obligations

    return run_eval_obligations(args)


def cmd_train(args: argparse.Namespace) -> int:
    from .classifier import train_main

    return train_main(args)


def cmd_export_feedback(args: argparse.Namespace) -> int:
    from .feedback import export_feedback

    n = export_feedback(args.warehouse, args.out)
    print(f"wrote {n} reviewer-labelled examples to {args.out}", file=sys.stderr)
    return 0


def cmd_samples(args: argparse.Namespace) -> int:
    from .samples import generate_main

    return generate_main(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="milestones",
        description="Find every dated obligation in executed contracts and compute its deadline.",
        epilog="Example: milestones extract --as-of 2026-12-01 --jsonl contracts/",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("extract", help="print key dates and milestones of each contract as JSON",
                       description="Extract key dates and dated obligations from PDF, DOCX and TXT contracts. "
                       "Prints one JSON object per contract; progress goes to stderr.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="contract files or folders (searched recursively)")
    p.add_argument("--as-of", type=_date, default=None,
                   help="reference date for next deadlines (YYYY-MM-DD; default: today's date, printed)")
    p.add_argument("--jsonl", action="store_true", help="one compact JSON object per line")
    p.add_argument("--threshold", type=float, default=0.85,
                   help="confidence below which a milestone needs human review (default 0.85)")
    p.add_argument("--workers", type=int, default=0, help="processes (default: up to 2)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("eval", help="score key-date extraction against CUAD expert labels",
                       description="Run extraction over a CUAD split and print per-field precision, recall and F1 "
                       "with the list of misses. Credit: CUAD v1, The Atticus Project (CC BY 4.0).")
    p.add_argument("--cuad", default=os.environ.get("MILESTONES_CUAD", "../shared/cuad"),
                   help="CUAD folder with manifest.csv and txt/ (default ../shared/cuad)")
    p.add_argument("--split", default="dev", choices=["dev", "test", "all"], help="which split to score")
    p.add_argument("--labels", default=None, help="labels CSV (default: <cuad>/labels_dev.csv; required for test)")
    p.add_argument("--misses", type=int, default=20, help="misses to list per field (0: none, -1: all)")
    p.add_argument("--json", dest="json_out", default=None, help="also write the scores to this JSON file")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("eval-obligations", help="score dated-obligation extraction against labelled contracts",
                       description="Precision, recall, F1 and due-rule accuracy per obligation type on the labelled "
                       "CUAD dev contracts (tune and held-out parts) and/or the sample portfolio truth. "
                       "Credit: CUAD v1, The Atticus Project (CC BY 4.0).")
    p.add_argument("--cuad", default=None, help="CUAD folder with txt/ (e.g. ../shared/cuad)")
    p.add_argument("--samples", default=None, help="sample portfolio folder with truth/ (e.g. extractors/samples)")
    p.add_argument("--part", default="all", choices=[*CUAD_PARTS, "all"], help="which labelled CUAD part")
    p.add_argument("--labels", default=None, help="obligation labels JSONL (default: the packaged one)")
    p.add_argument("--as-of", type=_date, default=dt.date(2026, 12, 1), help="reference date (default 2026-12-01)")
    p.add_argument("--misses", type=int, default=15, help="misses and unmatched predictions to list (-1: all)")
    p.add_argument("--rule-misses", action="store_true",
                   help="list only matched obligations whose due rule differs, each with its sentence (up to --misses)")
    p.add_argument("--json", dest="json_out", default=None, help="also write the scores to this JSON file")
    p.set_defaults(func=cmd_eval_obligations)

    p = sub.add_parser("train", help="rebuild the clause classifier reproducibly (seeded)")
    p.add_argument("--out", default=None, help="artefact path (default: the shipped model)")
    p.add_argument("--cuad", default=os.environ.get("MILESTONES_CUAD", "../shared/cuad"))
    p.add_argument("--feedback", action="append", default=[], help="reviewer feedback JSONL to add (repeatable)")
    p.add_argument("--seed", type=int, default=13)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("samples", help="write the synthetic sample portfolio with ground truth")
    p.add_argument("--out", required=True, help="folder to write into")
    p.add_argument("--as-of", type=_date, required=True, help="date the portfolio's deadlines are relative to")
    p.add_argument("--count", type=int, default=36)
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(func=cmd_samples)

    p = sub.add_parser("export-feedback", help="write reviewer decisions as training examples (JSONL) for train --feedback")
    p.add_argument("--warehouse", required=True, help="register warehouse (or its published copy), opened read-only")
    p.add_argument("--out", required=True, help="JSONL file to write")
    p.set_defaults(func=cmd_export_feedback)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "as_of", "missing") is None:
        args.as_of = dt.date.today()
        print(f"--as-of not given: using {args.as_of.isoformat()}", file=sys.stderr)
    try:
        return int(args.func(args) or 0)
    except MilestonesError as exc:
        print(f"milestones: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
