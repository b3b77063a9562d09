"""`milestones eval`: key-date extraction scored against CUAD's expert answers.

Per field: TP = prediction equals gold; FP = prediction non-empty and not equal to gold (gold empty
included); FN = gold non-empty and prediction not equal to it. A wrong prediction where gold exists is
therefore both an FP and an FN. Gold that cannot be scored (partial dates such as ``[]/[]/2020``,
unreadable answers) is left out and counted. The split is also scored in two fixed halves
(sha256(doc_id) even/odd) so over-fitting one half shows up on the other.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .cuad import (
    CREDIT,
    FIELDS,
    Gold,
    ManifestRow,
    duration_key,
    gold_for_row,
    load_labels,
    load_manifest,
    normalize_answer,
    split_rows,
)
from .dates import get_dates
from .durations import get_durations
from .errors import MilestonesError
from .keydates import explain_key_dates
from .schema import KeyDates

__all__ = ["SCORED_FIELDS", "Record", "FieldScore", "score", "run_eval", "half_of", "gold_contradicts_span"]

SCORED_FIELDS: tuple[str, ...] = (
    "agreement_date",
    "effective_date",
    "expiration_date",
    "renewal_term",
    "auto_renewal",
    "renewal_notice_period",
)
TARGETS = {
    "agreement_date": 0.95,
    "effective_date": 0.90,
    "expiration_date": 0.85,
    "renewal_term": 0.90,
    "auto_renewal": 0.95,
    "renewal_notice_period": 0.90,
}


@dataclass(frozen=True)
class Record:
    doc_id: str
    gold: dict[str, Gold]
    predicted: KeyDates
    evidence: dict[str, str] = field(default_factory=dict)
    gold_spans: dict[str, str] = field(default_factory=dict)
    text_dates: frozenset[dt.date] | None = None  # every full date written in the contract, for label checks


@dataclass
class FieldScore:
    gold: int = 0
    predicted: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    excluded: int = 0
    misses: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # doc, gold, pred, evidence, span
    contradicted: int = 0  # misses whose gold answer disagrees with the clause text CUAD highlighted for it
    unwritten: int = 0  # date misses whose gold date is written nowhere in the contract text

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "gold": self.gold, "predicted": self.predicted, "tp": self.tp, "fp": self.fp, "fn": self.fn,
            "excluded": self.excluded, "precision": round(self.precision, 4), "recall": round(self.recall, 4),
            "f1": round(self.f1, 4), "misses_gold_contradicts_span": self.contradicted,
            "misses_gold_date_not_in_text": self.unwritten,
        }  # fmt: skip


def half_of(doc_id: str) -> str:
    """Fixed development halves: "A" when sha256(doc_id) ends in an even hex digit, else "B"."""
    return "A" if int(hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[-1], 16) % 2 == 0 else "B"


def _shown(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def score(records: Iterable[Record], fields: Sequence[str] = SCORED_FIELDS) -> dict[str, FieldScore]:
    """Per-field counts under the definition in the module docstring."""
    out = {f: FieldScore() for f in fields}
    for rec in records:
        for f in fields:
            s = out[f]
            gold = rec.gold[f]
            pred = getattr(rec.predicted, f)
            if gold.excluded:
                s.excluded += 1
                continue
            has_pred = pred is not None
            s.gold += 0 if gold.empty else 1
            s.predicted += 1 if has_pred else 0
            hit = has_pred and gold.accepts(pred)
            if hit:
                s.tp += 1
                continue
            if has_pred:
                s.fp += 1
            if not gold.empty:
                s.fn += 1
            if has_pred or not gold.empty:
                if gold_contradicts_span(f, gold, rec.gold_spans.get(f, "")):
                    s.contradicted += 1
                elif (
                    f in ("agreement_date", "effective_date") and rec.text_dates is not None and not gold.empty
                    and not (set(gold.values) & rec.text_dates)
                ):
                    s.unwritten += 1
                s.misses.append(
                    (rec.doc_id, gold.raw or "—", _shown(pred), rec.evidence.get(f, ""), rec.gold_spans.get(f, ""))
                )
    return out


def gold_contradicts_span(field_name: str, gold: Gold, span: str) -> bool:
    """True when CUAD's answer is absent from the very clause text its experts highlighted for it.

    Checked where the answer is read straight off the clause: agreement and effective dates (the span states
    full dates and none is the answer, e.g. span "7th day of September, 1999", answer 7/7/99) and notice
    periods (the span states durations and none has the answer's length). Computed answers (expiration
    dates, renewal terms) are never flagged.
    """
    if gold.empty or gold.excluded or not span.strip("[] "):
        return False
    if field_name in ("agreement_date", "effective_date"):
        found = {d.value for d in get_dates(span) if d.value is not None}
        return bool(found) and not (found & set(gold.values))
    if field_name == "renewal_notice_period":
        keys = {duration_key(d.iso()) for d in get_durations(span)}
        return bool(keys) and not (keys & set(gold.values))
    return False


def _gold_of(field_name: str, raw: str) -> Gold:
    if field_name == "auto_renewal" or raw == "—":
        return Gold("")
    return normalize_answer(field_name, raw)


def micro(scores: dict[str, FieldScore]) -> tuple[float, float, float]:
    tp = sum(s.tp for s in scores.values())
    fp = sum(s.fp for s in scores.values())
    fn = sum(s.fn for s in scores.values())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


# --- running -----------------------------------------------------------------------------------------
def _labels_path(args: argparse.Namespace, cuad: Path) -> Path:
    if args.labels:
        return Path(args.labels)
    if args.split in ("dev", "all"):
        return cuad / "labels_dev.csv"
    candidate = cuad / f"labels_{args.split}.csv"
    if candidate.is_file():
        return candidate
    raise MilestonesError(
        f"no labels for the {args.split} split: CUAD's {args.split} labels are held out and not in {cuad}. "
        f"Pass --labels FILE with a CSV in labels_dev.csv's format (doc_id + the CUAD answer columns)."
    )


def _short(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def extract_records(
    rows: Sequence[ManifestRow], labels: dict[str, dict[str, str]]
) -> tuple[list[Record], float, list[str], float]:
    """Run key-date extraction on each contract's TXT; returns records, wall seconds, problems, CPU seconds."""
    records: list[Record] = []
    problems: list[str] = []
    spent = cpu = 0.0
    for row in rows:
        try:
            text = row.txt.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            problems.append(f"{row.doc_id}: cannot read {row.txt} ({exc}); skipped")
            continue
        started, cpu_started = time.perf_counter(), time.process_time()
        kd, evidence = explain_key_dates(text, as_of=None)
        spent += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
        label = labels[row.doc_id]
        spans = {f: label.get(span_col, "") for f, (_ans, span_col) in FIELDS.items()}
        spans["auto_renewal"] = spans["renewal_term"]
        written = frozenset(d.value for d in get_dates(text) if d.value is not None)
        records.append(Record(row.doc_id, gold_for_row(label), kd, evidence, spans, written))
    return records, spent, problems, cpu


def _table(scores: dict[str, FieldScore], out: TextIO) -> None:
    out.write(
        f"{'field':<23}{'gold':>6}{'pred':>6}{'TP':>6}{'FP':>5}{'FN':>5}{'excl':>6}{'P':>8}{'R':>8}{'F1':>8}"
        f"  target    gold≠span  gold∉text\n"
    )
    for f, s in scores.items():
        mark = "ok" if s.f1 >= TARGETS.get(f, 0) else "below"
        out.write(
            f"{f:<23}{s.gold:>6}{s.predicted:>6}{s.tp:>6}{s.fp:>5}{s.fn:>5}{s.excluded:>6}"
            f"{s.precision:>8.3f}{s.recall:>8.3f}{s.f1:>8.3f}  {TARGETS.get(f, 0):.2f} {mark:<6}{s.contradicted:>6}"
            f"{s.unwritten:>11}\n"
        )
    p, r, f1 = micro(scores)
    out.write(f"{'micro (all fields)':<23}{'':>39}{p:>8.3f}{r:>8.3f}{f1:>8.3f}\n")


def run_eval(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    cuad = Path(args.cuad)
    manifest = load_manifest(cuad)
    rows = split_rows(manifest, args.split)
    labels_path = _labels_path(args, cuad)
    labels = load_labels(labels_path)
    scored_rows = [r for r in rows if r.doc_id in labels]
    if not scored_rows:
        raise MilestonesError(
            f"none of the {len(rows)} {args.split}-split contracts has a row in {labels_path}; "
            "check that the labels file's doc_id column matches manifest.csv"
        )
    records, spent, problems, cpu = extract_records(scored_rows, labels)
    scores = score(records)

    out.write(f"milestones eval — key dates vs expert labels. Data: {CREDIT}\n")
    out.write(f"split={args.split}  contracts={len(records)}  labels={labels_path}\n")
    if len(scored_rows) < len(rows):
        out.write(
            f"note: {len(rows) - len(scored_rows)} of the {len(rows)} contracts in split '{args.split}' have no row in "
            f"{labels_path.name}; they are not extracted or scored\n"
        )
    for p in problems:
        out.write(f"warning: {p}\n")
    out.write(
        "scoring: TP = prediction equals gold; FP = non-empty prediction ≠ gold (incl. gold empty); "
        "FN = gold non-empty and prediction ≠ gold.\n"
        "gold: partial dates ([]/[]/2020) and unreadable answers are excluded (column excl); "
        "1 year == 12 months; renewal count and 'successive' ignored;\n"
        "      label-noise evidence among misses: gold≠span = the answer is not in the clause CUAD highlighted for it,\n"
        "      gold∉text = the gold date is written nowhere in the contract;\n"
        "      alternatives (a; b) all accepted; auto_renewal derived from the Renewal Term answer + "
        "highlighted clause (extractors.cuad.derive_auto_renewal).\n\n"
    )
    _table(scores, out)
    halves = {h: score([r for r in records if half_of(r.doc_id) == h]) for h in ("A", "B")}
    out.write("\nF1 by fixed half (A: sha256(doc_id) even, B: odd)\n")
    out.write(f"{'field':<23}" + "".join(f"{h + ' (n=' + str(sum(1 for r in records if half_of(r.doc_id) == h)) + ')':>14}" for h in halves) + "\n")
    for f in SCORED_FIELDS:
        out.write(f"{f:<23}" + "".join(f"{halves[h][f].f1:>14.3f}" for h in halves) + "\n")
    out.write(f"{'micro':<23}" + "".join(f"{micro(halves[h])[2]:>14.3f}" for h in halves) + "\n")
    rate = len(records) / spent if spent else float("inf")
    out.write(f"\nspeed: {len(records)} contracts in {spent:.2f} s of extraction = {rate:.1f} contracts/s "
              f"({1000 * spent / max(len(records), 1):.1f} ms per contract wall, "
              f"{1000 * cpu / max(len(records), 1):.1f} ms CPU; one process, file reading excluded)\n")  # fmt: skip

    limit = args.misses
    if limit != 0:
        for f, s in scores.items():
            if not s.misses:
                continue
            shown = s.misses if limit < 0 else s.misses[:limit]
            out.write(f"\nmisses: {f} ({len(shown)} of {len(s.misses)})\n")
            for doc, gold, pred, evidence, span in shown:
                flag = "  [gold ≠ its highlighted span]" if gold_contradicts_span(f, _gold_of(f, gold), span) else ""
                out.write(f"  {doc[:60]}\n    gold={gold}  predicted={pred}{flag}\n")
                if evidence:
                    out.write(f"    evidence: {_short(evidence)}\n")
                if span and span != "[]":
                    out.write(f"    gold span: {_short(span)}\n")

    if args.json_out:
        payload = {
            "credit": CREDIT,
            "split": args.split,
            "labels": str(labels_path),
            "contracts": len(records),
            "fields": {f: s.to_dict() for f, s in scores.items()},
            "micro_f1": round(micro(scores)[2], 4),
            "halves": {h: {"fields": {f: round(s.f1, 4) for f, s in hs.items()}, "micro_f1": round(micro(hs)[2], 4)}
                       for h, hs in halves.items()},
            "contracts_per_s": round(rate, 2),
            "seconds": round(spent, 3),
            "cpu_seconds": round(cpu, 3),
        }  # fmt: skip
        Path(args.json_out).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        out.write(f"\nscores written to {args.json_out}\n")
    return 0
