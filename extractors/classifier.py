"""Clause classifier: which kind of dated obligation a sentence states (or ``none``), with calibrated probabilities.

One scikit-learn ``Pipeline`` (TF-IDF word + character n-grams → logistic regression inside
``CalibratedClassifierCV``) saved as one joblib artefact in ``extractors/models/`` with a JSON file beside it
that records library versions, the seed and a fingerprint of the training data. ``milestones train`` rebuilds
it from CUAD **dev** labels (located by doc_id + offsets at train time, never copied), this project's own
labelled sentences and reviewer feedback; the same seed and data give the same model.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import hashlib
import json
import platform
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import MilestonesError
from .schema import OBLIGATION_TYPES

__all__ = [
    "LABELS",
    "NONE_LABEL",
    "Example",
    "build_pipeline",
    "get_training_examples",
    "train",
    "save_model",
    "load_model",
    "predict_proba",
    "default_model_path",
    "normalize_text",
    "train_main",
    "heldout_doc_ids",
]

NONE_LABEL = "none"
LABELS: tuple[str, ...] = (*OBLIGATION_TYPES, NONE_LABEL)
MODEL_NAME = "obligation_classifier.joblib"
META_NAME = "obligation_classifier.json"
_PKG = Path(__file__).resolve().parent
_DATA = _PKG / "data"

# CUAD v1 categories → our taxonomy. Categories describing restrictions or grants (not things to do by a date)
# are "none": they teach the model what a time expression inside a non-obligation looks like.
CUAD_CATEGORY_MAP: dict[str, str] = {
    "Insurance": "insurance",
    "Audit Rights": "audit",
    "Warranty Duration": "warranty",
    "Renewal Term": "renewal",
    "Notice Period To Terminate Renewal": "renewal_notice",
    "Expiration Date": "expiration",
    "Minimum Commitment": "other",  # a purchase or volume commitment (the payment terms are their own clauses)
    "Revenue/Profit Sharing": "payment",
    "Post-Termination Services": "compliance",
    "Termination For Convenience": NONE_LABEL,  # a right to terminate on notice is not a dated obligation
    "Rofr/Rofo/Rofn": "option_exercise",
    "Governing Law": NONE_LABEL,
    "Non-Compete": NONE_LABEL,
    "Exclusivity": NONE_LABEL,
    "No-Solicit Of Customers": NONE_LABEL,
    "No-Solicit Of Employees": NONE_LABEL,
    "Non-Disparagement": NONE_LABEL,
    "Anti-Assignment": NONE_LABEL,
    "License Grant": NONE_LABEL,
    "Ip Ownership Assignment": NONE_LABEL,
    "Cap On Liability": NONE_LABEL,
    "Uncapped Liability": NONE_LABEL,
    "Covenant Not To Sue": NONE_LABEL,
    "Third Party Beneficiary": NONE_LABEL,
    "Most Favored Nation": NONE_LABEL,
    "Change Of Control": NONE_LABEL,
    "Agreement Date": NONE_LABEL,
    "Effective Date": NONE_LABEL,
}


@dataclass(frozen=True)
class Example:
    """One training sentence; ``ref`` says where it came from (``cuad:<doc_id>:<start>-<end>`` or a file)."""

    text: str
    label: str
    ref: str
    group: str  # documents are kept whole in cross-validation folds


_NUM = re.compile(r"\d+")
_WS = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Lower-case, digits → 0, whitespace collapsed: "30 days" and "45 days" look alike to the model."""
    return _WS.sub(" ", _NUM.sub("0", text.lower())).strip()


def build_pipeline(seed: int = 13, c: float = 4.0, calibration_folds: int = 3) -> Any:
    """The untrained estimator: one Pipeline (features → calibrated logistic regression)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion(
        [
            ("word", TfidfVectorizer(preprocessor=normalize_text, ngram_range=(1, 2), min_df=2, max_features=15000,
                                     sublinear_tf=True, dtype=_float32())),
            ("char", TfidfVectorizer(preprocessor=normalize_text, analyzer="char_wb", ngram_range=(3, 5), min_df=3,
                                     max_features=20000, sublinear_tf=True, dtype=_float32())),
        ]
    )  # fmt: skip
    base = LogisticRegression(C=c, max_iter=2000, class_weight="balanced", random_state=seed)
    clf = CalibratedClassifierCV(base, method="sigmoid", cv=calibration_folds, ensemble=False)
    return Pipeline([("features", features), ("clf", clf)])


def _float32() -> Any:
    import numpy as np

    return np.float32


# --- training data -------------------------------------------------------------------------------------------


def heldout_doc_ids(labels_path: Path | None = None) -> set[str]:
    """CUAD dev contracts whose obligation labels are our own held-out checks (parts ``heldout``, ``heldout2``):
    never trained, calibrated or tuned on."""
    path = labels_path or _DATA / "cuad_dev_obligations.jsonl"
    if not path.exists():
        return set()
    with path.open(encoding="utf-8") as f:
        head = json.loads(f.readline())
    return {c["doc_id"] for c in head.get("_contracts", []) if str(c.get("part", "")).startswith("heldout")}


def _labelled_doc_ids() -> set[str]:
    path = _DATA / "cuad_dev_obligations.jsonl"
    if not path.exists():
        return set()
    with path.open(encoding="utf-8") as f:
        return {c["doc_id"] for c in json.loads(f.readline()).get("_contracts", [])}


def _locate(text: str, span: str, start_hint: int = 0) -> tuple[int, int] | None:
    """Offsets of ``span`` in ``text``; falls back to whitespace-insensitive search (CUAD spans drop line breaks)."""
    i = text.find(span, start_hint)
    if i < 0:
        i = text.find(span)
    if i >= 0:
        return i, i + len(span)
    words = span.split()
    if len(words) < 3:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words[:60])
    m = re.search(pattern, text)
    return (m.start(), m.end()) if m else None


def _cuad_examples(cuad: Path, exclude: set[str], max_chars: int = 1200) -> list[Example]:
    from .structure import get_sentences

    manifest = cuad / "manifest.csv"
    labels = cuad / "labels_dev.csv"
    if not manifest.exists() or not labels.exists():
        raise MilestonesError(
            f"CUAD not found at {cuad}: pass --cuad pointing at the folder with manifest.csv, labels_dev.csv and txt/"
        )
    with manifest.open(encoding="utf-8") as f:
        split = {r["doc_id"]: r for r in csv.DictReader(f)}
    csv.field_size_limit(1 << 30)
    out: list[Example] = []
    with labels.open(encoding="utf-8") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: r["doc_id"])
    for row in rows:
        doc_id = row["doc_id"]
        meta = split.get(doc_id)
        if meta is None or meta["split"] != "dev" or doc_id in exclude:
            continue  # never the test split, never our held-out contracts
        text = (cuad / meta["txt"]).read_text(encoding="utf-8", errors="replace")
        sentences = list(get_sentences(text))
        for category, label in CUAD_CATEGORY_MAP.items():
            raw = row.get(category) or "[]"
            try:
                spans = ast.literal_eval(raw)
            except (ValueError, SyntaxError):
                continue
            for span in spans:
                loc = _locate(text, span)
                if loc is None:
                    continue
                s, e = loc
                for sent in sentences:
                    if sent.end <= s or sent.start >= e:
                        continue
                    overlap = min(e, sent.end) - max(s, sent.start)
                    if overlap < 0.5 * (sent.end - sent.start) and overlap < 0.5 * (e - s):
                        continue
                    out.append(Example(sent.text[:max_chars], label, f"cuad:{doc_id}:{sent.start}-{sent.end}:{category}", doc_id))
    return out


def _own_cuad_examples(cuad: Path, labels_path: Path, exclude: set[str]) -> list[Example]:
    """Our obligation labels on the tuning contracts, plus their unlabelled candidate sentences as ``none``."""
    from .obligation_eval import label_candidates

    if not labels_path.exists():
        return []
    gold: dict[str, list[dict[str, Any]]] = {}
    with labels_path.open(encoding="utf-8") as f:
        head = json.loads(f.readline())
        for line in f:
            rec = json.loads(line)
            gold.setdefault(rec["doc_id"], []).append(rec)
    out: list[Example] = []
    for contract in head.get("_contracts", []):
        doc_id = contract["doc_id"]
        if doc_id in exclude or contract.get("part") != "tune":
            continue
        text = (cuad / "txt" / f"{doc_id}.txt").read_text(encoding="utf-8", errors="replace")
        recs = gold.get(doc_id, [])
        for rec in recs:
            out.append(Example(text[rec["start"] : rec["end"]], rec["obligation_type"],
                               f"own:{doc_id}:{rec['start']}-{rec['end']}", doc_id))  # fmt: skip
        for sent in label_candidates(text):
            if not any(r["start"] < sent.end and sent.start < r["end"] for r in recs):
                out.append(Example(sent.text, NONE_LABEL, f"own-negative:{doc_id}:{sent.start}-{sent.end}", doc_id))
    return out


# Pattern-labelled ("weak") sentences from CUAD dev contracts for the types CUAD has no category for. Off by
# default: adding them did not help on the validation contracts (see the model card). A sentence
# qualifies only with a duty verb, the pattern and a counted deadline; the first pattern that matches wins.
_WEAK_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("reporting", re.compile(r"\b(?:shall|will|must|agrees?\s+to)\s+(?:\w+\s+){0,3}?(?:provide|deliver|submit|furnish|send|render|prepare)\b"
                             r"[^.;]{0,80}\b(?:reports?|statements?|forecasts?|accounting|summary|summaries)\b", re.I)),
    ("acceptance", re.compile(r"\b(?:shall|will|must)\s+(?:\w+\s+){0,2}?(?:inspect|test|accept\s+or\s+reject|notify\s+\w+\s+of\s+(?:any\s+)?(?:defects?|rejection|non-?conform))", re.I)),
    ("delivery", re.compile(r"\b(?:shall|will|must|agrees?\s+to)\s+(?:\w+\s+){0,2}?(?:deliver|ship|install|complete|furnish|supply|launch|make\s+available)\b", re.I)),
]
_WEAK_EXCLUDE = re.compile(r"\b(?:pay|paid|payment|invoice|fee|royalt|insurance|audit|terminat|renew|notice|confidential|warrant)", re.I)


def _pattern_examples(cuad: Path, exclude: set[str], per_label: int = 150) -> list[Example]:
    from .rules import get_due_rules
    from .structure import get_sentences

    with (cuad / "manifest.csv").open(encoding="utf-8") as f:
        docs = sorted(r["doc_id"] for r in csv.DictReader(f) if r["split"] == "dev" and r["doc_id"] not in exclude)
    counts: Counter[str] = Counter()
    out: list[Example] = []
    for doc_id in docs:
        text = (cuad / "txt" / f"{doc_id}.txt").read_text(encoding="utf-8", errors="replace")
        for sent in get_sentences(text):
            if len(sent.text) > 600 or _WEAK_EXCLUDE.search(sent.text):
                continue
            label = next((lab for lab, rx in _WEAK_PATTERNS if rx.search(sent.text)), None)
            if label is None or counts[label] >= per_label:
                continue
            if not any(m.rule.amount or m.rule.date or m.rule.kind == "recurring" for m in get_due_rules(sent.text)):
                continue
            counts[label] += 1
            out.append(Example(sent.text, label, f"weak:{doc_id}:{sent.start}-{sent.end}", doc_id))
    return out


def _jsonl_examples(path: Path, group_prefix: str) -> list[Example]:
    out: list[Example] = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                text, label = str(rec["text"]), str(rec["obligation_type"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise MilestonesError(
                    f"{path}:{n}: not a feedback record ({exc}); each line must be JSON with \"text\" and \"obligation_type\""
                ) from exc
            if label not in LABELS:
                raise MilestonesError(f"{path}:{n}: obligation_type {label!r} is not one of {', '.join(LABELS)}")
            out.append(Example(text, label, f"{path.name}:{n}", f"{group_prefix}{n % 10}"))
    return out


def get_training_examples(
    cuad: Path | None, feedback: Sequence[Path] = (), *, include_cuad_categories: bool = True, include_weak: bool = False
) -> list[Example]:
    """All training sentences in a stable order (CUAD category spans, own labels, written examples, feedback)."""
    exclude = heldout_doc_ids()
    out: list[Example] = []
    if cuad is not None:
        if include_cuad_categories:
            out += _cuad_examples(cuad, exclude)
        out += _own_cuad_examples(cuad, _DATA / "cuad_dev_obligations.jsonl", exclude)
        if include_weak:
            out += _pattern_examples(cuad, exclude | _labelled_doc_ids())
    out += _jsonl_examples(_DATA / "obligation_examples.jsonl", "written-")
    for path in feedback:
        if not Path(path).exists():
            raise MilestonesError(f"feedback file {path} not found; export it with `milestones export-feedback` first")
        out += _jsonl_examples(Path(path), "feedback-")
    return out


def fingerprint(examples: Iterable[Example]) -> str:
    h = hashlib.sha256()
    for ex in examples:
        h.update(f"{ex.label}\t{ex.ref}\t{hashlib.sha256(ex.text.encode()).hexdigest()}\n".encode())
    return h.hexdigest()


# --- fit, save, load, predict -------------------------------------------------------------------------------


def train(examples: Sequence[Example], seed: int = 13) -> Any:
    if len({e.label for e in examples}) < 2:
        raise MilestonesError("training needs examples of at least two labels; check --cuad and the data files")
    pipe = build_pipeline(seed=seed)
    pipe.fit([e.text for e in examples], [e.label for e in examples])
    return pipe


def cross_validate(examples: Sequence[Example], seed: int = 13, folds: int = 3) -> dict[str, Any]:
    """Grouped (by contract) cross-validated macro-F1, accuracy, log loss and obligation-vs-none calibration."""
    import numpy as np
    from sklearn.metrics import accuracy_score, f1_score, log_loss
    from sklearn.model_selection import GroupKFold

    texts = np.array([e.text for e in examples], dtype=object)
    y = np.array([e.label for e in examples])
    groups = np.array([e.group for e in examples])
    proba = np.zeros((len(examples), len(LABELS)))
    for train_idx, test_idx in GroupKFold(n_splits=folds).split(texts, y, groups):
        pipe = build_pipeline(seed=seed)
        pipe.fit(list(texts[train_idx]), list(y[train_idx]))
        p = pipe.predict_proba(list(texts[test_idx]))
        for j, cls in enumerate(pipe.classes_):
            proba[test_idx, LABELS.index(cls)] = p[:, j]
    pred = np.array([LABELS[i] for i in proba.argmax(1)])
    present = sorted(set(y))
    p_obl = 1 - proba[:, LABELS.index(NONE_LABEL)]
    is_obl = (y != NONE_LABEL).astype(float)
    bins = np.clip((p_obl * 10).astype(int), 0, 9)
    ece = float(sum(abs(p_obl[bins == b].mean() - is_obl[bins == b].mean()) * (bins == b).mean() for b in range(10) if (bins == b).any()))
    per_class = f1_score(y, pred, labels=present, average=None, zero_division=0)
    return {
        "folds": folds,
        "grouped_by": "contract",
        "n": len(examples),
        "accuracy": round(float(accuracy_score(y, pred)), 4),
        "macro_f1": round(float(f1_score(y, pred, labels=present, average="macro", zero_division=0)), 4),
        "log_loss": round(float(log_loss(y, np.clip(proba[:, [LABELS.index(c) for c in present]], 1e-9, 1), labels=present)), 4),
        "obligation_vs_none_ece": round(ece, 4),
        "per_class_f1": {c: round(float(f), 4) for c, f in zip(present, per_class, strict=True)},
    }


def default_model_path() -> Path:
    return _PKG / "models" / MODEL_NAME


def _versions() -> dict[str, str]:
    import joblib
    import numpy
    import scipy
    import sklearn

    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__, "numpy": numpy.__version__,
            "scipy": scipy.__version__, "joblib": joblib.__version__}  # fmt: skip


def save_model(pipe: Any, path: Path, examples: Sequence[Example], seed: int, metrics: dict[str, Any] | None) -> Path:
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipe, path, compress=3)
    meta = {
        "model": path.name,
        "labels": list(pipe.classes_),
        "seed": seed,
        "library_versions": _versions(),
        "training_data_fingerprint": fingerprint(examples),
        "training_examples": len(examples),
        "examples_per_label": dict(sorted(Counter(e.label for e in examples).items())),
        "examples_per_source": dict(sorted(Counter(e.ref.split(":")[0] if e.ref.startswith(("cuad", "own")) else e.ref.split(":")[0].split(".")[0] for e in examples).items())),
        "cross_validation": metrics,
        "artefact_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return path


@lru_cache(maxsize=2)
def load_model(path: str | None = None) -> Any:
    """The trained pipeline (cached per process); a clear error says how to rebuild it when missing."""
    import joblib

    p = Path(path) if path else default_model_path()
    if not p.exists():
        raise MilestonesError(f"classifier model {p} is missing; rebuild it with `milestones train --cuad <CUAD folder>`")
    return joblib.load(p)


def model_version(path: str | None = None) -> str | None:
    """"obligation_classifier@<first 12 hex of the artefact hash>" from the metadata beside the model."""
    p = Path(path) if path else default_model_path()
    meta = p.with_suffix(".json")
    if not meta.exists():
        return None
    return f"{p.stem}@{json.loads(meta.read_text(encoding='utf-8')).get('artefact_sha256', '')[:12]}"


def predict_proba(texts: Sequence[str], model: Any = None) -> list[dict[str, float]]:
    """Per text, a probability for every label in :data:`LABELS` (batched: call once per document)."""
    if not texts:
        return []
    pipe = model if model is not None else load_model()
    proba = pipe.predict_proba(list(texts))
    classes = list(pipe.classes_)
    out = []
    for row in proba:
        d = dict.fromkeys(LABELS, 0.0)
        for cls, p in zip(classes, row, strict=True):
            d[cls] = float(p)
        out.append(d)
    return out


def train_main(args: Any) -> int:
    """`milestones train`: rebuild the artefact, print cross-validated scores; same seed ⇒ same model."""
    started = dt.datetime.now()  # timing only; nothing depends on it
    cuad = Path(args.cuad) if args.cuad else None
    if cuad is not None and not (cuad / "manifest.csv").exists():
        raise MilestonesError(f"CUAD not found at {cuad}: pass --cuad pointing at the folder with manifest.csv")
    examples = get_training_examples(cuad, [Path(p) for p in args.feedback])
    print(f"training on {len(examples)} sentences: {dict(sorted(Counter(e.label for e in examples).items()))}", file=sys.stderr)
    metrics = None
    if not getattr(args, "no_cv", False):
        metrics = cross_validate(examples, seed=args.seed)
        print(f"grouped 3-fold CV: accuracy {metrics['accuracy']}, macro-F1 {metrics['macro_f1']}, "
              f"log loss {metrics['log_loss']}, obligation-vs-none ECE {metrics['obligation_vs_none_ece']}", file=sys.stderr)  # fmt: skip
    pipe = train(examples, seed=args.seed)
    out = Path(args.out) if args.out else default_model_path()
    save_model(pipe, out, examples, args.seed, metrics)
    size = out.stat().st_size / 1e6
    elapsed = (dt.datetime.now() - started).total_seconds()
    print(f"wrote {out} ({size:.1f} MB) and {out.with_suffix('.json').name} in {elapsed:.0f} s", file=sys.stderr)
    return 0
