"""Score predicted milestones against obligation-by-obligation gold labels (`milestones eval-obligations`).

Gold comes from two places: the labelled CUAD **dev** contracts in ``extractors/data/cuad_dev_obligations.jsonl``
(offsets + labels; ``tune``, ``tune2``, ``validation`` and two held-out parts, ``heldout`` and ``heldout2``, reported
separately — held-out parts as summaries only) and, for development, the
synthetic sample portfolio's truth files. A prediction matches a gold obligation when their spans overlap and
(for the typed score) their types agree; each prediction matches at most one gold obligation. A matched
obligation's due rule is correct when kind, amount, unit, direction, anchor and frequency agree (``within`` and
``after`` both count forward from the anchor) and, where the gold has a due date, the dates are equal.
Credit: CUAD v1, The Atticus Project (CC BY 4.0).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import MilestonesError

__all__ = ["CUAD_PARTS", "GoldObligation", "Score", "label_candidates", "load_cuad_gold", "load_sample_gold", "score", "run_eval_obligations"]

_DATA = Path(__file__).resolve().parent / "data"
# Parts of the CUAD dev obligation labels, in report order (the model card defines them).
CUAD_PARTS: tuple[str, ...] = ("tune", "tune2", "validation", "heldout", "heldout2")

_TIME = re.compile(
    r"\b(days?|weeks?|months?|monthly|years?|annual(ly)?|quarters?|quarterly|hours?|anniversary|weekly|semi-?annual(ly)?|"
    r"upon|prior to|before|after|following|promptly|immediately|within|no later than|until|deadline|due|at the time of|"
    r"concurrent\w*|when|thereafter|each|every|net \d+|period|term)\b",
    re.I,
)
_DUTY = re.compile(r"\b(shall|must|will|agrees?|required|obligat\w*|responsible|due|payable|may|should|warrant\w*)\b", re.I)


def label_candidates(text: str) -> Iterator[Any]:
    """Sentences a labeller must read: any time word or date together with any duty or permission word.

    Deliberately much broader than the extractor (it does not use rules.py), so gold labels are not limited
    to what the extractor can find.
    """
    from .dates import get_dates
    from .structure import get_sentences

    for s in get_sentences(text):
        if _DUTY.search(s.text) and (_TIME.search(s.text) or any(True for _ in get_dates(s.text))):
            yield s


@dataclass(frozen=True)
class GoldObligation:
    doc_id: str
    start: int
    end: int
    obligation_type: str
    due_rule: dict[str, Any]
    due_date: dt.date | None = None
    responsible_party: str | None = None
    part: str = "tune"


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    rule_ok: int = 0
    rule_n: int = 0
    party_ok: int = 0  # matched obligations whose gold names a party (sample truth: the party's name)
    party_n: int = 0

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

    @property
    def rule_accuracy(self) -> float:
        return self.rule_ok / self.rule_n if self.rule_n else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "due_rule_accuracy": round(self.rule_accuracy, 4), "due_rule_n": self.rule_n,
                "responsible_party_accuracy": round(self.party_ok / self.party_n, 4) if self.party_n else None}  # fmt: skip


def load_cuad_gold(path: Path | None = None) -> tuple[dict[str, str], list[GoldObligation]]:
    """(doc_id → part for every labelled contract, gold obligations) from the labels JSONL."""
    p = path or _DATA / "cuad_dev_obligations.jsonl"
    if not p.exists():
        raise MilestonesError(f"{p} not found; it ships with the package (extractors/data)")
    with p.open(encoding="utf-8") as f:
        head = json.loads(f.readline())
        contracts = {c["doc_id"]: c.get("part", "tune") for c in head.get("_contracts", [])}
        gold = []
        for line in f:
            r = json.loads(line)
            rule = r["due_rule"]
            gold.append(GoldObligation(r["doc_id"], r["start"], r["end"], r["obligation_type"], rule,
                                       _date(rule.get("date")) if rule.get("kind") == "absolute" else None,
                                       r.get("responsible_party"), r.get("part", contracts.get(r["doc_id"], "tune"))))  # fmt: skip
    return contracts, gold


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def load_sample_gold(samples: Path) -> tuple[dict[str, Path], list[GoldObligation], dict[str, dt.date]]:
    """Sample portfolio truth: (contract_id → contract file, gold obligations with spans, contract_id → as_of).

    Truth files (``truth/<contract_id>.json``) store each obligation's ``source_text``, not offsets; spans are
    found in the loaded document with ``extractors.samples.find_source_span`` so they follow the text stage.
    """
    from .samples import find_source_span
    from .text import load_document

    truth_dir = samples / "truth"
    if not truth_dir.is_dir():
        raise MilestonesError(f"no truth/ folder in {samples}; generate the portfolio with `milestones samples --out DIR`")
    files: dict[str, Path] = {}
    gold: list[GoldObligation] = []
    as_of: dict[str, dt.date] = {}
    for tf in sorted(truth_dir.glob("*.json")):
        data = json.loads(tf.read_text(encoding="utf-8"))
        cid = str(data.get("contract_id") or tf.stem)
        candidates = [samples / "portfolio" / str(data.get("file", "")), samples / str(data.get("file", ""))]
        path = next((c for c in candidates if data.get("file") and c.is_file()), None)
        if path is None:
            print(f"warning: {tf.name}: contract file {data.get('file')!r} not found; skipped", file=sys.stderr)
            continue
        files[cid] = path
        if data.get("as_of"):
            as_of[cid] = dt.date.fromisoformat(data["as_of"])
        text = load_document(path).text
        for ob in data.get("obligations", []):
            span = find_source_span(text, ob.get("source_text") or "")
            if span is None:
                print(f"warning: {cid}: source_text not found in the document: {ob.get('source_text', '')[:60]!r}", file=sys.stderr)
                span = (-1, -1)
            gold.append(GoldObligation(cid, span[0], span[1], ob["obligation_type"], ob.get("due_rule") or {},
                                       _date(ob.get("due_date")), ob.get("responsible_party"), "samples"))  # fmt: skip
    return files, gold, as_of


_FORWARD = {"within": "forward", "after": "forward", None: None}


def _norm_rule(rule: dict[str, Any]) -> tuple[Any, ...]:
    kind = rule.get("kind")
    direction = rule.get("direction")
    direction = _FORWARD.get(direction, direction)
    unit = rule.get("unit")
    amount = rule.get("amount")
    if unit == "weeks" and amount:
        amount, unit = amount * 7, "days"
    if kind == "relative" and rule.get("direction") == "upon":
        amount, unit = None, None
    return (kind, amount, unit, direction, rule.get("anchor"), rule.get("frequency"),
            rule.get("date") if kind == "absolute" else None)  # fmt: skip


def rule_matches(gold: GoldObligation, predicted: dict[str, Any]) -> bool:
    g, p = _norm_rule(gold.due_rule), _norm_rule(predicted.get("due_rule") or {})
    if g[0] == "absolute":
        ok = p[0] == "absolute" and str(g[6] or "") == str(p[6] or "")
    else:
        ok = g[:6] == p[:6]
    if ok and gold.due_date is not None and gold.part == "samples":
        ok = str(predicted.get("due_date")) == gold.due_date.isoformat()
    return ok


def _norm_party(name: Any) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(name or "").lower()).strip()


def _overlap(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


def score(
    gold: Sequence[GoldObligation], predicted: dict[str, list[dict[str, Any]]], typed: bool = True,
    wrong_rules: list[tuple[GoldObligation, dict[str, Any]]] | None = None,
) -> tuple[Score, dict[str, Score], list[GoldObligation], list[tuple[str, dict[str, Any]]]]:
    """(overall, per type, missed gold, unmatched predictions); one-to-one greedy matching per contract.

    ``wrong_rules``, when given, collects (gold, prediction) pairs that matched but disagree on the due rule.
    """
    overall = Score()
    per_type: dict[str, Score] = defaultdict(Score)
    misses: list[GoldObligation] = []
    extras: list[tuple[str, dict[str, Any]]] = []
    by_doc: dict[str, list[GoldObligation]] = defaultdict(list)
    for g in gold:
        by_doc[g.doc_id].append(g)
    for doc_id in sorted(set(by_doc) | set(predicted)):
        preds = list(predicted.get(doc_id, []))
        used = [False] * len(preds)
        golds = sorted(by_doc.get(doc_id, []), key=lambda x: (x.start, x.obligation_type))
        match: dict[int, int] = {}
        # two passes: pairs that also agree on the due rule first, then any overlapping (typed) pair
        for need_rule in (True, False):
            for gi, g in enumerate(golds):
                if gi in match:
                    continue
                for i, p in enumerate(preds):
                    span = p.get("source_span") or {}
                    if used[i] or not _overlap(g.start, g.end, int(span.get("start", -2)), int(span.get("end", -1))):
                        continue
                    if typed and p.get("obligation_type") != g.obligation_type:
                        continue
                    if need_rule and not rule_matches(g, p):
                        continue
                    used[i] = True
                    match[gi] = i
                    break
        for gi, g in enumerate(golds):
            key = g.obligation_type if typed else "all"
            if gi in match:
                i = match[gi]
                ok = rule_matches(g, preds[i])
                if not ok and wrong_rules is not None:
                    wrong_rules.append((g, preds[i]))
                for s in (overall, per_type[key]):
                    s.tp += 1
                    s.rule_n += 1
                    s.rule_ok += int(ok)
                if g.part == "samples" and g.responsible_party:
                    overall.party_n += 1
                    overall.party_ok += int(_norm_party(preds[i].get("responsible_party")) == _norm_party(g.responsible_party))
            else:
                overall.fn += 1
                per_type[key].fn += 1
                misses.append(g)
        for i, p in enumerate(preds):
            if not used[i]:
                overall.fp += 1
                per_type[p.get("obligation_type", "other") if typed else "all"].fp += 1
                extras.append((doc_id, p))
    return overall, dict(per_type), misses, extras


def _predict(paths: dict[str, Path], as_of: dt.date, as_of_by_doc: dict[str, dt.date] | None = None) -> tuple[dict[str, list[dict[str, Any]]], float]:
    from .pipeline import extract_document
    from .text import load_document

    out: dict[str, list[dict[str, Any]]] = {}
    started = time.perf_counter()
    for doc_id, path in sorted(paths.items()):
        doc = load_document(path)
        ref = (as_of_by_doc or {}).get(doc_id, as_of)
        out[doc_id] = [m.to_dict() for m in extract_document(doc, ref).extracted_milestones]
    return out, time.perf_counter() - started


def _print_report(title: str, gold: list[GoldObligation], predicted: dict[str, list[dict[str, Any]]],
                  texts: dict[str, str], misses_n: int, out: Any, rule_misses_only: bool = False) -> dict[str, Any]:  # fmt: skip
    wrong: list[tuple[GoldObligation, dict[str, Any]]] = []
    overall, per_type, misses, extras = score(gold, predicted, typed=True, wrong_rules=wrong)
    agnostic, _, _, _ = score(gold, predicted, typed=False)
    print(f"\n== {title}: {len({g.doc_id for g in gold} | set(predicted))} contracts, {len(gold)} gold obligations", file=out)
    print(f"typed:          P {overall.precision:.3f}  R {overall.recall:.3f}  F1 {overall.f1:.3f}  "
          f"due-rule accuracy {overall.rule_accuracy:.3f} ({overall.rule_ok}/{overall.rule_n})", file=out)  # fmt: skip
    if overall.party_n:
        print(f"responsible party (named in truth): {overall.party_ok}/{overall.party_n} = {overall.party_ok / overall.party_n:.3f}", file=out)
    print(f"type-agnostic:  P {agnostic.precision:.3f}  R {agnostic.recall:.3f}  F1 {agnostic.f1:.3f}  "
          f"due-rule accuracy {agnostic.rule_accuracy:.3f}", file=out)  # fmt: skip
    unmatched = {id(p) for _, p in extras}
    cleared = [p for ps in predicted.values() for p in ps if not p.get("needs_review", True)]
    total = sum(len(ps) for ps in predicted.values())
    right = sum(1 for p in cleared if id(p) not in unmatched)
    print(f"auto-cleared (confidence at or above the review threshold): {len(cleared)}/{total} = "
          f"{len(cleared) / total if total else 0:.2f} of predictions, {right / len(cleared) if cleared else 0:.3f} of them typed matches",
          file=out)  # fmt: skip
    print(f"{'type':20} {'P':>6} {'R':>6} {'F1':>6} {'rule':>6} {'tp':>4} {'fp':>4} {'fn':>4}", file=out)
    for t, s in sorted(per_type.items()):
        print(f"{t:20} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.rule_accuracy:6.3f} {s.tp:4} {s.fp:4} {s.fn:4}", file=out)
    if misses_n and not rule_misses_only:
        shown = misses if misses_n < 0 else misses[:misses_n]
        print(f"-- missed ({len(misses)}):", file=out)
        for g in shown:
            snippet = " ".join(texts.get(g.doc_id, "")[g.start : g.end].split())[:140]
            print(f"   {g.doc_id[:40]} [{g.start}-{g.end}] {g.obligation_type} {_rule_str(g.due_rule)} | {snippet}", file=out)
    if misses_n:
        print(f"-- matched with a different due rule ({len(wrong)}): gold => predicted", file=out)
        for g, p in wrong if misses_n < 0 else wrong[:misses_n]:
            print(f"   {g.doc_id[:40]} [{g.start}-{g.end}] {g.obligation_type} {_rule_str(g.due_rule)}"
                  f"{' due ' + g.due_date.isoformat() if g.due_date else ''} => {_rule_str(p['due_rule'])} due {p.get('due_date')}", file=out)  # fmt: skip
            if rule_misses_only:  # the sentence too: these lists are read to find why the rule differs
                print(f"      | {' '.join(texts.get(g.doc_id, '')[g.start : g.end].split())[:400]}", file=out)
    if misses_n and not rule_misses_only:
        shown_fp = extras if misses_n < 0 else extras[:misses_n]
        print(f"-- unmatched predictions ({len(extras)}):", file=out)
        for doc_id, p in shown_fp:
            print(f"   {doc_id[:40]} [{p['source_span']['start']}-{p['source_span']['end']}] {p['obligation_type']} "
                  f"{_rule_str(p['due_rule'])} | {' '.join(p['source_text'].split())[:140]}", file=out)  # fmt: skip
    return {"typed": overall.as_dict(), "type_agnostic": agnostic.as_dict(),
            "auto_cleared": {"n": len(cleared), "of": total, "share": round(len(cleared) / total, 4) if total else None,
                             "precision": round(right / len(cleared), 4) if cleared else None},
            "per_type": {t: s.as_dict() for t, s in sorted(per_type.items())}}  # fmt: skip


def _rule_str(rule: dict[str, Any]) -> str:
    keys = ("kind", "amount", "unit", "direction", "anchor", "frequency", "date")
    return "/".join(str(rule.get(k)) for k in keys if rule.get(k) not in (None, ""))


def run_eval_obligations(args: Any) -> int:
    results: dict[str, Any] = {}
    out = sys.stdout
    as_of = args.as_of or dt.date(2026, 12, 1)
    if args.samples:
        files, gold, as_of_by_doc = load_sample_gold(Path(args.samples))
        paths = dict(files)
        predicted, elapsed = _predict(paths, as_of, as_of_by_doc)
        from .text import load_document

        texts = {cid: load_document(p).text for cid, p in paths.items()}
        results["samples"] = _print_report("sample portfolio (synthetic, dev only)", [g for g in gold if g.doc_id in paths],
                                           predicted, texts, args.misses, out, getattr(args, "rule_misses", False))  # fmt: skip
    if args.cuad:
        cuad = Path(args.cuad)
        if not (cuad / "txt").is_dir():
            raise MilestonesError(f"CUAD not found at {cuad}: pass --cuad pointing at the folder with txt/")
        contracts, gold = load_cuad_gold(Path(args.labels) if args.labels else None)
        present = set(contracts.values())
        parts = [p for p in CUAD_PARTS if p in present] if args.part == "all" else [args.part]
        for part in parts:
            docs = sorted(d for d, p in contracts.items() if p == part)
            paths = {d: cuad / "txt" / f"{d}.txt" for d in docs}
            predicted, elapsed = _predict(paths, as_of)
            texts = {d: p.read_text(encoding="utf-8", errors="replace") for d, p in paths.items()}
            title = f"CUAD dev labelled contracts, {part} part" + (" (never tuned on)" if part.startswith("heldout") else "") + (
                " (used to choose between models; in the shipped models' training data)" if part == "validation" else "") + (
                " (in the shipped models' training data)" if part in ("tune", "tune2") else "")
            shown = 0 if part.startswith("heldout") else args.misses  # held-out parts are read as summaries only
            results[f"cuad_{part}"] = _print_report(title, [g for g in gold if g.part == part], predicted, texts, shown, out,
                                                    getattr(args, "rule_misses", False))  # fmt: skip
            print(f"({len(docs)} contracts in {elapsed:.1f} s)", file=out)
    if not results:
        raise MilestonesError("nothing to score: pass --cuad CUAD_FOLDER and/or --samples PORTFOLIO_FOLDER")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0
