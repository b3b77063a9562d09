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
    "excluded_doc_ids",
    "near_duplicates",
    "NEAR_DUPLICATE_CONTAINMENT",
    "TRAINING_PARTS",
    "ObligationScorer",
    "load_scorer",
    "default_scorer_path",
    "build_scorer",
    "save_scorer",
    "fold_models",
]

NONE_LABEL = "none"
# Parts of our obligation labels (extractors/data/cuad_dev_obligations.jsonl) the shipped models learn from. The
# validation part chose between designs with a build trained on "tune" alone; the release adds it (see the model card).
# "tune2" (14 more dev contracts, round 3) was scored with the previous models before it was trained on.
TRAINING_PARTS: tuple[str, ...] = ("tune", "tune2", "validation")
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


def _label_parts(labels_path: Path | None = None) -> dict[str, str | None]:
    """doc_id → part of every contract in the obligation labels (their first line lists them)."""
    path = labels_path or _DATA / "cuad_dev_obligations.jsonl"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as f:
        return {c["doc_id"]: c.get("part") for c in json.loads(f.readline()).get("_contracts", [])}


def heldout_doc_ids(labels_path: Path | None = None) -> set[str]:
    """CUAD dev contracts whose obligation labels are our own held-out checks (parts ``heldout``, ``heldout2``):
    never trained, calibrated or tuned on."""
    return {d for d, part in _label_parts(labels_path).items() if str(part or "").startswith("heldout")}


# Near-duplicate contracts (copies, amendments, one template filled twice) would carry a held-out contract's text
# into training, or a training contract's text into another cross-validation fold. Rule: two contracts are
# near-duplicates when at least this share of the smaller one's word 5-grams also occur in the other (containment).
# Over the 413 CUAD dev contracts the largest containment of each against a labelled contract is <= 0.19 for 399
# (shared boilerplate) and >= 0.33 for the other 14; against the held-out contracts any threshold from 0.19 to 0.52
# selects the same four (see the model card).
NEAR_DUPLICATE_CONTAINMENT = 0.25
_SHINGLE_WORDS = 5
_WORD = re.compile(r"[a-z0-9]+")


def _shingles(text: str) -> frozenset[str]:
    words = _WORD.findall(text.lower())
    return frozenset(" ".join(words[i : i + _SHINGLE_WORDS]) for i in range(len(words) - _SHINGLE_WORDS + 1))


def _dev_texts(cuad: Path) -> Iterable[tuple[str, str]]:
    """(doc_id, text) of every CUAD dev contract, in doc_id order; the test split is never opened."""
    with (cuad / "manifest.csv").open(encoding="utf-8") as f:
        rows = sorted((r for r in csv.DictReader(f) if r["split"] == "dev"), key=lambda r: r["doc_id"])
    for r in rows:
        path = cuad / r["txt"]
        if path.exists():
            yield r["doc_id"], path.read_text(encoding="utf-8", errors="replace")


@lru_cache(maxsize=4)
def near_duplicates(cuad: Path, anchors: frozenset[str], threshold: float = NEAR_DUPLICATE_CONTAINMENT) -> dict[str, frozenset[str]]:
    """CUAD dev contract → the ``anchors`` it near-duplicates (shared word 5-grams / those of the smaller contract
    ``>= threshold``); contracts that near-duplicate no anchor are left out."""
    if not anchors or not (cuad / "manifest.csv").exists():
        return {}
    anchor_shingles = {d: sh for d, text in _dev_texts(cuad) if d in anchors and (sh := _shingles(text))}
    out: dict[str, frozenset[str]] = {}
    for doc_id, text in _dev_texts(cuad):
        a = _shingles(text)
        hits = frozenset(d for d, b in anchor_shingles.items()
                         if d != doc_id and a and len(a & b) >= threshold * min(len(a), len(b)))  # fmt: skip
        if hits:
            out[doc_id] = hits
    return out


def excluded_doc_ids(cuad: Path | None, labels_path: Path | None = None) -> set[str]:
    """Contracts nothing is trained, calibrated or tuned on: the held-out parts and every CUAD dev contract that
    near-duplicates one of them (:func:`near_duplicates`), whatever part it belongs to."""
    held = heldout_doc_ids(labels_path)
    if cuad is None:
        return held
    return held | set(near_duplicates(cuad, frozenset(held)))


def _contract_groups(cuad: Path, labels_path: Path | None = None) -> dict[str, str]:
    """doc_id → cross-validation group for contracts that near-duplicate a training contract: a contract and its
    copies share one group (named by the smallest doc_id), so they always land in the same fold."""
    training = frozenset(d for d, p in _label_parts(labels_path).items() if p in TRAINING_PARTS)
    parent: dict[str, str] = {}

    def root(d: str) -> str:
        while parent.get(d, d) != d:
            d = parent[d]
        return d

    for doc_id, hits in sorted(near_duplicates(cuad, training).items()):
        for h in sorted(hits):
            a, b = sorted((root(doc_id), root(h)))
            if a != b:
                parent[b] = a
    return {d: root(d) for d in parent}


def _labelled_doc_ids() -> set[str]:
    return set(_label_parts())


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


def _cuad_examples(cuad: Path, exclude: set[str], max_chars: int = 1200, groups: dict[str, str] | None = None) -> list[Example]:
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
                    out.append(Example(sent.text[:max_chars], label, f"cuad:{doc_id}:{sent.start}-{sent.end}:{category}",
                                       (groups or {}).get(doc_id, doc_id)))  # fmt: skip
    return out


def _own_cuad_examples(cuad: Path, labels_path: Path, exclude: set[str], groups: dict[str, str] | None = None) -> list[Example]:
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
        if doc_id in exclude or contract.get("part") not in TRAINING_PARTS:
            continue
        text = (cuad / "txt" / f"{doc_id}.txt").read_text(encoding="utf-8", errors="replace")
        recs = gold.get(doc_id, [])
        group = (groups or {}).get(doc_id, doc_id)
        for rec in recs:
            out.append(Example(text[rec["start"] : rec["end"]], rec["obligation_type"],
                               f"own:{doc_id}:{rec['start']}-{rec['end']}", group))  # fmt: skip
        for sent in label_candidates(text):
            if not any(r["start"] < sent.end and sent.start < r["end"] for r in recs):
                out.append(Example(sent.text, NONE_LABEL, f"own-negative:{doc_id}:{sent.start}-{sent.end}", group))
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
    cuad: Path | None, feedback: Sequence[Path] = (), *, include_cuad_categories: bool = True, include_weak: bool = False,
    labels_path: Path | None = None,
) -> list[Example]:
    """All training sentences in a stable order (CUAD category spans, own labels, written examples, feedback).

    Contracts of the held-out parts of our obligation labels contribute nothing, not even their CUAD category spans,
    and neither does any contract that near-duplicates one of them (:func:`excluded_doc_ids`). Near-duplicates of a
    training contract share its cross-validation group.
    """
    labels = labels_path or _DATA / "cuad_dev_obligations.jsonl"
    exclude = excluded_doc_ids(cuad, labels)
    out: list[Example] = []
    if cuad is not None:
        groups = _contract_groups(cuad, labels)
        if include_cuad_categories:
            out += _cuad_examples(cuad, exclude, groups=groups)
        out += _own_cuad_examples(cuad, labels, exclude, groups)
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


def fold_models(examples: Sequence[Example], seed: int = 13, folds: int = 3) -> list[tuple[frozenset[str], Any]]:
    """Pipelines trained with whole contracts held out (GroupKFold): (held-out groups, pipeline) per fold.

    They give the grouped cross-validated scores and the out-of-fold probabilities the second-stage scorer and the
    confidence calibration are fitted on (a model never scores sentences it was trained on).
    """
    import numpy as np
    from sklearn.model_selection import GroupKFold

    texts = np.array([e.text for e in examples], dtype=object)
    y = np.array([e.label for e in examples])
    groups = np.array([e.group for e in examples])
    out = []
    for train_idx, test_idx in GroupKFold(n_splits=folds).split(texts, y, groups):
        pipe = build_pipeline(seed=seed)
        pipe.fit(list(texts[train_idx]), list(y[train_idx]))
        out.append((frozenset(groups[test_idx].tolist()), pipe))
    return out


def cross_validate(examples: Sequence[Example], seed: int = 13, folds: int = 3,
                   models: Sequence[tuple[frozenset[str], Any]] | None = None) -> dict[str, Any]:  # fmt: skip
    """Grouped (by contract) cross-validated macro-F1, accuracy, log loss and obligation-vs-none calibration."""
    import numpy as np
    from sklearn.metrics import accuracy_score, f1_score, log_loss

    models = models if models is not None else fold_models(examples, seed, folds)
    y = np.array([e.label for e in examples])
    proba = np.zeros((len(examples), len(LABELS)))
    for held, pipe in models:
        idx = [i for i, e in enumerate(examples) if e.group in held]
        p = pipe.predict_proba([examples[i].text for i in idx])
        for j, cls in enumerate(pipe.classes_):
            proba[idx, LABELS.index(cls)] = p[:, j]
    pred = np.array([LABELS[i] for i in proba.argmax(1)])
    present = sorted(set(y))
    p_obl = 1 - proba[:, LABELS.index(NONE_LABEL)]
    is_obl = (y != NONE_LABEL).astype(float)
    bins = np.clip((p_obl * 10).astype(int), 0, 9)
    ece = float(sum(abs(p_obl[bins == b].mean() - is_obl[bins == b].mean()) * (bins == b).mean() for b in range(10) if (bins == b).any()))
    per_class = f1_score(y, pred, labels=present, average=None, zero_division=0)
    return {
        "folds": len(models),
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


# --- second stage: evidence scorer and confidence calibration ------------------------------------------------------

SCORER_NAME = "obligation_scorer.joblib"
_EPS = 1e-4


class ObligationScorer:
    """Stage two of typing: combines the sentence classifier's probabilities with the evidence real contracts carry
    (duty verb and object, section heading, the anchor of the deadline — :func:`extractors.obligations.candidate_cues`)
    and maps each emitted milestone to a calibrated probability that it is a correct obligation of the right type.

    Two logistic regressions: P(obligation | classifier, cues) and P(type | obligation, classifier, cues), trained on
    candidates of labelled contracts with out-of-fold classifier probabilities; then Platt scaling of the emitted
    milestones (out of fold too). scikit-learn estimator contract: parameters in ``__init__``, ``fit`` returns self,
    learned state ends in ``_``.
    """

    threshold_: float  # P(obligation) needed to emit a milestone, chosen out of fold by build_scorer

    def __init__(self, cue_names: Sequence[str] = (), c_obligation: float = 0.3, c_type: float = 0.3, seed: int = 13) -> None:
        self.cue_names = tuple(cue_names)
        self.c_obligation = c_obligation
        self.c_type = c_type
        self.seed = seed

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"cue_names": self.cue_names, "c_obligation": self.c_obligation, "c_type": self.c_type, "seed": self.seed}

    def set_params(self, **params: Any) -> ObligationScorer:
        for k, v in params.items():
            if k not in self.get_params():
                raise MilestonesError(f"ObligationScorer has no parameter {k!r}")
            setattr(self, k, tuple(v) if k == "cue_names" else v)
        return self

    def _cue_matrix(self, cues: Sequence[dict[str, float]]) -> Any:
        import numpy as np

        col = {n: i for i, n in enumerate(self.cue_names)}
        x = np.zeros((len(cues), len(self.cue_names)), dtype=np.float64)
        for i, f in enumerate(cues):
            for name, v in f.items():
                if name in col:
                    x[i, col[name]] = v
        return x

    @staticmethod
    def _logit(v: Any) -> Any:
        import numpy as np

        v = np.clip(v, _EPS, 1 - _EPS)
        return np.log(v / (1 - v))

    def _x_obligation(self, probs: Sequence[dict[str, float]], cues: Sequence[dict[str, float]]) -> Any:
        import numpy as np

        p_obl = np.array([1.0 - p.get(NONE_LABEL, 0.0) for p in probs])
        return np.hstack([self._logit(p_obl)[:, None], self._cue_matrix(cues)])

    def _type_arrays(self, probs: Sequence[dict[str, float]], cues: Sequence[dict[str, float]]) -> tuple[Any, Any, Any]:
        """Per candidate and type: the log classifier probability and the primary/any verb and heading cues for that
        type; and the anchor-group indicators (plus an intercept) shared by all types."""
        import numpy as np

        types = [t for t in LABELS if t != NONE_LABEL]
        ti = {t: i for i, t in enumerate(types)}
        groups = sorted({n.split("=", 1)[1] for n in self.cue_names if n.startswith("anchor=")})
        gi = {g: i for i, g in enumerate(groups)}
        n, k = len(probs), len(types)
        logp = np.log(np.array([[max(pr.get(t, 0.0), _EPS) for t in types] for pr in probs]).reshape(n, k))
        logp = logp - np.log(np.exp(logp).sum(axis=1, keepdims=True))
        cue = np.zeros((4, n, k))
        anchor = np.zeros((n, len(groups) + 1))
        anchor[:, -1] = 1.0  # intercept column: a per-type bias
        for i, f in enumerate(cues):
            for name in f:
                fam, _, val = name.partition("=")
                if fam in ("verb1", "verb", "head1", "head") and val in ti:
                    cue[("verb1", "verb", "head1", "head").index(fam), i, ti[val]] = 1.0
                elif fam == "anchor" and val in gi:
                    anchor[i, gi[val]] = 1.0
        return logp, cue, anchor

    @staticmethod
    def _type_scores(theta: Any, logp: Any, cue: Any, anchor: Any) -> Any:
        k = logp.shape[1]
        a, c = theta[0], theta[1:5]
        w = theta[5:].reshape(anchor.shape[1], k)
        return a * logp + (c[:, None, None] * cue).sum(axis=0) + anchor @ w

    def fit(self, probs: Sequence[dict[str, float]], cues: Sequence[dict[str, float]], labels: Sequence[str],
            weights: Sequence[float] | None = None) -> ObligationScorer:  # fmt: skip
        import numpy as np
        from sklearn.linear_model import LogisticRegression

        w = np.ones(len(labels)) if weights is None else np.asarray(weights, dtype=float)
        y = np.array([0 if lab == NONE_LABEL else 1 for lab in labels])
        self.obligation_ = LogisticRegression(C=self.c_obligation, max_iter=3000, random_state=self.seed)
        self.obligation_.fit(self._x_obligation(probs, cues), y, sample_weight=w)
        pos = [i for i, lab in enumerate(labels) if lab != NONE_LABEL]
        self.classes_ = [t for t in LABELS if t != NONE_LABEL]
        logp, cue, anchor = self._type_arrays([probs[i] for i in pos], [cues[i] for i in pos])
        y = np.array([self.classes_.index(labels[i]) for i in pos])
        wp = w[pos]
        lam = 1.0 / max(self.c_type, 1e-6)

        def loss(theta: Any) -> tuple[float, Any]:
            s = self._type_scores(theta, logp, cue, anchor)
            s = s - s.max(axis=1, keepdims=True)
            prob = np.exp(s)
            prob /= prob.sum(axis=1, keepdims=True)
            nll = -float((wp * np.log(prob[np.arange(len(y)), y] + 1e-12)).sum())
            d = prob.copy()
            d[np.arange(len(y)), y] -= 1.0
            d *= wp[:, None]
            grad = np.empty_like(theta)
            grad[0] = (d * logp).sum()
            grad[1:5] = (d[None, :, :] * cue).sum(axis=(1, 2))
            grad[5:] = (anchor.T @ d).ravel()
            reg = theta.copy()
            reg[0] -= 1.0  # shrink the classifier's weight towards 1 and every other weight towards 0
            return nll + 0.5 * lam * float((reg**2).sum()), grad + lam * reg

        from scipy.optimize import minimize

        theta0 = np.zeros(5 + anchor.shape[1] * logp.shape[1])
        theta0[0] = 1.0
        self.type_theta_ = minimize(loss, theta0, jac=True, method="L-BFGS-B", options={"maxiter": 3000}).x
        return self


    def predict_proba(self, probs: Sequence[dict[str, float]], cues: Sequence[dict[str, float]]) -> list[dict[str, float]]:
        """Per candidate, a probability for every label in :data:`LABELS` (types unseen in training get 0)."""
        if not probs:
            return []
        import numpy as np

        p_obl = self.obligation_.predict_proba(self._x_obligation(probs, cues))[:, 1]
        s = self._type_scores(self.type_theta_, *self._type_arrays(probs, cues))
        s = s - s.max(axis=1, keepdims=True)
        p_type = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
        out = []
        for po, row in zip(p_obl, p_type, strict=True):
            d = dict.fromkeys(LABELS, 0.0)
            d[NONE_LABEL] = float(1.0 - po)
            for cls, v in zip(self.classes_, row, strict=True):
                d[cls] = float(po * v)
            out.append(d)
        return out

    @staticmethod
    def confidence_features(p_obl: float, p_type: float, rule_confidence: float, n_items: int, source: str) -> list[float]:
        import math

        def logit(v: float) -> float:
            v = min(max(v, 1e-4), 1 - 1e-4)
            return math.log(v / (1 - v))

        return [logit(p_obl), logit(p_type), rule_confidence, 1.0 if n_items > 1 else 0.0, 0.0 if source == "own" else 1.0]

    def fit_calibration(self, features: Sequence[Sequence[float]], correct: Sequence[int]) -> ObligationScorer:
        from sklearn.linear_model import LogisticRegression

        self.calibrator_ = LogisticRegression(C=1.0, max_iter=1000, random_state=self.seed)
        self.calibrator_.fit(list(features), list(correct))
        return self

    def confidence(self, features: Sequence[Sequence[float]]) -> list[float]:
        """Calibrated P(milestone is a correct obligation of the right type); None-calibrated scorers return the
        uncalibrated product p_obl × p_type."""
        if not features:
            return []
        if not hasattr(self, "calibrator_"):
            import math

            return [1 / (1 + math.exp(-f[0])) * 1 / (1 + math.exp(-f[1])) for f in features]
        return [float(v) for v in self.calibrator_.predict_proba(list(features))[:, 1]]


def _candidate_rows(doc: Any, model: Any, gold: Sequence[Any]) -> list[tuple[dict[str, float], dict[str, float], str, float]]:
    """(classifier probabilities, cues, gold label, weight) per candidate of one labelled contract; a candidate that
    overlaps gold obligations of several types yields one weighted row per type."""
    from .obligations import candidate_evidence

    ev = candidate_evidence(doc)
    probs = predict_proba([read for _, _, read, _ in ev], model)
    out = []
    for (start, end, _, cues), p in zip(ev, probs, strict=True):
        types = Counter(g.obligation_type for g in gold if g.start < end and start < g.end)
        if not types:
            out.append((p, cues, NONE_LABEL, 1.0))
        for t, k in sorted(types.items()):
            out.append((p, cues, t, k / sum(types.values())))
    return out


_THRESHOLDS = (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
_CALIBRATION_AS_OF = dt.date(2026, 12, 1)  # key dates need a reference date; typing and matching do not depend on it


def build_scorer(cuad: Path, models: Sequence[tuple[frozenset[str], Any]], seed: int = 13,
                 labels_path: Path | None = None) -> tuple[ObligationScorer, dict[str, Any]]:  # fmt: skip
    """Fit the second-stage scorer, its decision threshold and its confidence calibration on the training parts
    (:data:`TRAINING_PARTS`), all out of fold: each contract is scored by the fold pipeline that never saw it and by a
    scorer fitted on the other folds. Returns the final scorer (fitted on every training contract) and a report for
    the metadata file."""
    import math

    from .keydates import get_key_dates
    from .obligation_eval import load_cuad_gold, score
    from .obligations import CUE_FEATURES, _extract
    from .text import load_document

    contracts, gold = load_cuad_gold(labels_path)
    excluded = excluded_doc_ids(cuad, labels_path)
    train_docs = sorted(d for d, part in contracts.items() if part in TRAINING_PARTS and d not in excluded)
    groups = _contract_groups(cuad, labels_path)
    fold_of = {d: k for k, (held, _) in enumerate(models) for d in train_docs if groups.get(d, d) in held}
    missing = [d for d in train_docs if d not in fold_of]
    if missing:
        raise MilestonesError(f"{len(missing)} labelled contracts are in no cross-validation fold (e.g. {missing[0]}); retrain with --cuad")
    by_doc: dict[str, list[Any]] = {}
    for g in gold:
        by_doc.setdefault(g.doc_id, []).append(g)
    docs = {d: load_document(cuad / "txt" / f"{d}.txt") for d in train_docs}
    rows = {d: _candidate_rows(docs[d], models[fold_of[d]][1], by_doc.get(d, [])) for d in train_docs}

    def fit(ds: Sequence[str]) -> ObligationScorer:
        rs = [r for d in ds for r in rows[d]]
        return ObligationScorer(CUE_FEATURES, seed=seed).fit([r[0] for r in rs], [r[1] for r in rs], [r[2] for r in rs], [r[3] for r in rs])

    preds: dict[str, list[dict[str, Any]]] = {}
    feats: dict[str, list[list[float]]] = {}
    for k in range(len(models)):
        scorer_k = fit([d for d in train_docs if fold_of[d] != k])
        for d in (d for d in train_docs if fold_of[d] == k):
            kd = get_key_dates(docs[d].text, as_of=_CALIBRATION_AS_OF)
            ms, fs = _extract(docs[d], kd, _CALIBRATION_AS_OF, model=models[k][1], scorer=scorer_k, decision_threshold=min(_THRESHOLDS))
            preds[d], feats[d] = [m.to_dict() for m in ms], fs

    def at(threshold: float) -> tuple[dict[str, list[dict[str, Any]]], list[list[float]]]:
        keep = {d: [i for i, f in enumerate(feats[d]) if 1 / (1 + math.exp(-f[0])) >= threshold] for d in train_docs}
        return {d: [preds[d][i] for i in keep[d]] for d in train_docs}, [feats[d][i] for d in train_docs for i in keep[d]]

    tune_gold = [g for g in gold if g.doc_id in fold_of]
    by_threshold = {}
    for th in _THRESHOLDS:
        overall, _, _, _ = score(tune_gold, at(th)[0])
        by_threshold[th] = overall
    top = max(s_.f1 for s_ in by_threshold.values())
    best = max(th for th in _THRESHOLDS if by_threshold[th].f1 >= top - 0.01)  # the F1 curve is flat: prefer precision
    kept, features = at(best)
    _, _, _, extras = score(tune_gold, kept)
    wrong = {id(p) for _, p in extras}
    correct = [0 if id(p) in wrong else 1 for d in train_docs for p in kept[d]]
    scorer = fit(train_docs)
    scorer.threshold_ = best
    scorer.fit_calibration(features, correct)
    conf = scorer.confidence(features)
    table = []
    for lo in (0.0, 0.5, 0.7, 0.8, 0.85, 0.9):
        hi = {0.0: 0.5, 0.5: 0.7, 0.7: 0.8, 0.8: 0.85, 0.85: 0.9, 0.9: 1.01}[lo]
        sel = [c for c, ok in zip(conf, correct, strict=True) if lo <= c < hi]
        hits = [ok for c, ok in zip(conf, correct, strict=True) if lo <= c < hi]
        table.append({"confidence": f"{lo:.2f}-{min(hi, 1.0):.2f}", "n": len(sel),
                      "mean_confidence": round(sum(sel) / len(sel), 3) if sel else None,
                      "precision": round(sum(hits) / len(hits), 3) if hits else None})  # fmt: skip
    o = by_threshold[best]
    by_part = {}
    for part in TRAINING_PARTS:  # parts differ in size and difficulty: compare builds part by part
        p_docs = {d for d in train_docs if contracts[d] == part}
        s_, _, _, _ = score([g for g in tune_gold if g.doc_id in p_docs], {d: kept[d] for d in p_docs})
        by_part[part] = {"contracts": len(p_docs), "precision": round(s_.precision, 4), "recall": round(s_.recall, 4), "f1": round(s_.f1, 4)}
    report = {
        "training_parts": list(TRAINING_PARTS), "training_contracts": len(train_docs), "candidate_rows": sum(len(r) for r in rows.values()),
        "near_duplicate_rule": {"shingle_words": _SHINGLE_WORDS, "min_containment": NEAR_DUPLICATE_CONTAINMENT,
                                "excluded_as_near_duplicates_of_heldout": sorted(excluded - heldout_doc_ids(labels_path)),
                                "grouped_with_a_training_contract": len(groups)},
        "decision_threshold": best,
        "out_of_fold_typed": {"precision": round(o.precision, 4), "recall": round(o.recall, 4), "f1": round(o.f1, 4)},
        "out_of_fold_typed_by_part": by_part,
        "out_of_fold_f1_by_threshold": {str(th): round(s_.f1, 4) for th, s_ in by_threshold.items()},
        "calibration_out_of_fold": table,
        "type_weights": {"classifier": round(float(scorer.type_theta_[0]), 3),
                         **{n: round(float(v), 3) for n, v in zip(("verb1", "verb", "head1", "head"), scorer.type_theta_[1:5], strict=True)}},
    }  # fmt: skip
    return scorer, report


def save_scorer(scorer: ObligationScorer, path: Path, report: dict[str, Any], seed: int, labels_path: Path | None = None) -> Path:
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(scorer, path, compress=3)
    labels = labels_path or _DATA / "cuad_dev_obligations.jsonl"
    meta = {
        "model": path.name, "seed": seed, "library_versions": _versions(),
        "labels_sha256": hashlib.sha256(labels.read_bytes()).hexdigest(), "cue_features": list(scorer.cue_names),
        **report, "artefact_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }  # fmt: skip
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return path


def default_scorer_path() -> Path:
    return _PKG / "models" / SCORER_NAME


@lru_cache(maxsize=2)
def load_scorer(path: str | None = None) -> ObligationScorer | None:
    """The shipped scorer (cached per process), or None when it is missing — extraction then types with the
    sentence classifier alone and confidence is uncalibrated (the model card says which numbers assume it)."""
    import joblib

    p = Path(path) if path else default_scorer_path()
    if not p.exists():
        return None
    scorer = joblib.load(p)
    return scorer if isinstance(scorer, ObligationScorer) else None


def train_main(args: Any) -> int:
    """`milestones train`: rebuild the artefact, print cross-validated scores; same seed ⇒ same model."""
    started = dt.datetime.now()  # timing only; nothing depends on it
    cuad = Path(args.cuad) if args.cuad else None
    if cuad is not None and not (cuad / "manifest.csv").exists():
        raise MilestonesError(f"CUAD not found at {cuad}: pass --cuad pointing at the folder with manifest.csv")
    examples = get_training_examples(cuad, [Path(p) for p in args.feedback])
    print(f"training on {len(examples)} sentences: {dict(sorted(Counter(e.label for e in examples).items()))}", file=sys.stderr)
    models = fold_models(examples, seed=args.seed)
    metrics = cross_validate(examples, seed=args.seed, models=models)
    print(f"grouped 3-fold CV: accuracy {metrics['accuracy']}, macro-F1 {metrics['macro_f1']}, "
          f"log loss {metrics['log_loss']}, obligation-vs-none ECE {metrics['obligation_vs_none_ece']}", file=sys.stderr)  # fmt: skip
    pipe = train(examples, seed=args.seed)
    out = Path(args.out) if args.out else default_model_path()
    save_model(pipe, out, examples, args.seed, metrics)
    size = out.stat().st_size / 1e6
    print(f"wrote {out} ({size:.1f} MB) and {out.with_suffix('.json').name}", file=sys.stderr)
    if cuad is not None:
        scorer, report = build_scorer(cuad, models, seed=args.seed)
        scorer_out = out.with_name(SCORER_NAME)
        save_scorer(scorer, scorer_out, report, args.seed)
        o = report["out_of_fold_typed"]
        print(f"scorer: decision threshold {report['decision_threshold']}, out-of-fold typed P {o['precision']} R {o['recall']} "
              f"F1 {o['f1']}; wrote {scorer_out} and {scorer_out.with_suffix('.json').name}", file=sys.stderr)  # fmt: skip
    elapsed = (dt.datetime.now() - started).total_seconds()
    print(f"done in {elapsed:.0f} s", file=sys.stderr)
    return 0
