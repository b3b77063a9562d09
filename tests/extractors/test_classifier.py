"""Clause classifier: estimator contract, reproducible training, calibrated output, data hygiene.

Training sentences here are the project's own written examples (extractors/data/obligation_examples.jsonl,
development data) and a tiny fake CUAD folder built in tmp_path; the real corpus is only used by the
``cuad``-marked test.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from extractors import classifier as clf
from extractors.errors import MilestonesError

_EXAMPLES = Path(clf.__file__).parent / "data" / "obligation_examples.jsonl"
CUAD = Path(os.environ.get("MILESTONES_CUAD", Path(__file__).resolve().parents[3] / "shared" / "cuad"))


def _small() -> list[clf.Example]:
    """Up to six written examples per label (every label present, training in ~3 s)."""
    per_label: dict[str, list[clf.Example]] = {}
    for e in clf._jsonl_examples(_EXAMPLES, "written-"):
        per_label.setdefault(e.label, []).append(e)
    return [e for label in sorted(per_label) for e in per_label[label][:6]]


def test_same_seed_same_predictions() -> None:
    ex = _small()
    probe = ["Licensee shall deliver a royalty report within 30 days after each quarter.", "This Agreement is governed by Texas law."]
    a = clf.train(ex, seed=5).predict_proba(probe)
    b = clf.train(ex, seed=5).predict_proba(probe)
    assert np.array_equal(a, b)


def test_probabilities_cover_every_label_and_sum_to_one() -> None:
    model = clf.train(_small(), seed=1)
    out = clf.predict_proba(["Customer shall pay each invoice within 30 days.", "Notices are deemed given on delivery."], model)
    for row in out:
        assert set(row) == set(clf.LABELS)
        assert abs(sum(row.values()) - 1.0) < 1e-6
    assert out[0]["payment"] > out[1]["payment"]


def test_pipeline_follows_estimator_contract() -> None:
    from sklearn.base import clone

    pipe = clf.build_pipeline(seed=3)
    params = pipe.get_params()
    assert params["clf__estimator__random_state"] == 3
    assert clone(pipe).get_params()["clf__estimator__C"] == params["clf__estimator__C"]
    assert pipe.fit([e.text for e in _small()], [e.label for e in _small()]) is pipe


def test_save_writes_versions_and_fingerprint(tmp_path: Path) -> None:
    ex = _small()
    model = clf.train(ex, seed=2)
    out = clf.save_model(model, tmp_path / "m.joblib", ex, 2, None)
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["seed"] == 2 and meta["training_examples"] == len(ex)
    assert meta["training_data_fingerprint"] == clf.fingerprint(ex)
    assert {"scikit-learn", "numpy", "scipy", "joblib", "python"} <= set(meta["library_versions"])
    assert clf.fingerprint(ex[:-1]) != meta["training_data_fingerprint"]
    loaded = clf.load_model(str(out))
    assert np.array_equal(loaded.predict_proba(["pay within 30 days"]), model.predict_proba(["pay within 30 days"]))


def test_missing_model_says_how_to_rebuild(tmp_path: Path) -> None:
    with pytest.raises(MilestonesError, match="milestones train"):
        clf.load_model(str(tmp_path / "nope.joblib"))


@pytest.mark.parametrize(
    ("line", "message"),
    [("not json", "not a feedback record"), ('{"text": "x"}', "not a feedback record"),
     ('{"text": "x", "obligation_type": "lunch"}', "is not one of")],
)
def test_bad_feedback_is_a_clear_error(tmp_path: Path, line: str, message: str) -> None:
    f = tmp_path / "fb.jsonl"
    f.write_text(line + "\n")
    with pytest.raises(MilestonesError, match=message):
        clf._jsonl_examples(f, "feedback-")


def test_feedback_is_added_to_training(tmp_path: Path) -> None:
    f = tmp_path / "fb.jsonl"
    f.write_text(json.dumps({"text": "Vendor shall water the plants every Monday.", "obligation_type": "other", "reviewer": "a"}) + "\n")
    ex = clf.get_training_examples(None, [f])
    assert ex[-1].label == "other" and ex[-1].ref.startswith("fb.jsonl")


def test_training_reads_dev_split_only(tmp_path: Path) -> None:
    """A fake CUAD folder: the test-split contract's labels must never become training sentences."""
    (tmp_path / "txt").mkdir()
    text = "Licensee shall maintain insurance during the term. This Agreement is governed by Ohio law."
    for doc in ("devdoc", "testdoc"):
        (tmp_path / "txt" / f"{doc}.txt").write_text(text)
    (tmp_path / "manifest.csv").write_text(
        "doc_id,split,title,txt,pdf\ndevdoc,dev,t,txt/devdoc.txt,\ntestdoc,test,t,txt/testdoc.txt,\n"
    )
    cols = ["doc_id", "Insurance", "Governing Law"]
    rows = [
        ["devdoc", "['Licensee shall maintain insurance during the term.']", "['This Agreement is governed by Ohio law.']"],
        ["testdoc", "['Licensee shall maintain insurance during the term.']", "[]"],
    ]
    import csv

    with (tmp_path / "labels_dev.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        w.writerows(rows)
    ex = clf._cuad_examples(tmp_path, exclude=set())
    assert {e.group for e in ex} == {"devdoc"}
    assert sorted(e.label for e in ex) == ["insurance", "none"]
    assert clf._cuad_examples(tmp_path, exclude={"devdoc"}) == []


def test_heldout_contracts_are_excluded_from_training() -> None:
    held = clf.heldout_doc_ids()
    assert len(held) >= 6
    ex = clf._own_cuad_examples(CUAD, _EXAMPLES.parent / "cuad_dev_obligations.jsonl", held) if CUAD.exists() else []
    assert not {e.group for e in ex} & held


def _fake_corpus(tmp_path: Path, texts: dict[str, str], parts: dict[str, str]) -> Path:
    """A fake CUAD folder (dev split only) whose contracts all carry one CUAD Insurance span, plus a labels file."""
    import csv

    (tmp_path / "txt").mkdir()
    for doc, text in texts.items():
        (tmp_path / "txt" / f"{doc}.txt").write_text(text)
    (tmp_path / "manifest.csv").write_text("doc_id,split,title,txt,pdf\n" + "".join(f"{d},dev,t,txt/{d}.txt,\n" for d in texts))
    with (tmp_path / "labels_dev.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["doc_id", "Insurance"])
        w.writerows([d, "['Licensee shall maintain insurance during the term.']"] for d in texts)
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps({"_contracts": [{"doc_id": d, "part": p} for d, p in parts.items()]}) + "\n")
    return labels


def test_near_duplicates_of_heldout_contracts_are_not_trained_on(tmp_path: Path) -> None:
    """Synthetic texts (seeded random words, development data): a held-out contract, an amendment that repeats 80 % of
    it, and unrelated contracts sharing one boilerplate sentence. The amendment contributes nothing; the others do,
    and a copy of a training contract shares that contract's cross-validation group."""
    import random

    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(300)]

    def body(n: int) -> list[str]:
        return [" ".join(rng.choice(vocab) for _ in range(12)) + "." for _ in range(n)]

    held, tuned = body(40), body(40)
    boiler = "Licensee shall maintain insurance during the term."
    texts = {
        "held": " ".join([boiler, *held]),
        "amendment": " ".join([boiler, *held[:32], *body(8)]),  # 80 % of the held-out contract's text
        "other": " ".join([boiler, *body(40)]),
        "tuned": " ".join([boiler, *tuned]),
        "tuned-copy": " ".join([boiler, *tuned[5:], *body(5)]),
    }
    labels = _fake_corpus(tmp_path, texts, {"held": "heldout", "tuned": "tune"})
    assert set(clf.near_duplicates(tmp_path, frozenset({"held"}))) == {"amendment"}
    ex = [e for e in clf.get_training_examples(tmp_path, labels_path=labels) if e.ref.startswith(("cuad:", "own"))]
    docs = {e.ref.split(":")[1] for e in ex}
    assert docs == {"other", "tuned", "tuned-copy"}
    assert len({e.group for e in ex if e.ref.split(":")[1] in ("tuned", "tuned-copy")}) == 1
    assert clf.excluded_doc_ids(tmp_path, labels) == {"held", "amendment"}


def test_shipped_artefact_matches_its_metadata() -> None:
    import hashlib

    path = clf.default_model_path()
    meta = json.loads(path.with_suffix(".json").read_text())
    assert hashlib.sha256(path.read_bytes()).hexdigest() == meta["artefact_sha256"]
    assert path.stat().st_size < 10_000_000
    assert set(meta["labels"]) <= set(clf.LABELS)


# --- second stage: evidence scorer and calibration ------------------------------------------------------------------

def _rows() -> tuple[list[dict[str, float]], list[dict[str, float]], list[str]]:
    """Written rows: classifier output + cues → label; the cue decides between payment and reporting."""
    probs, cues, labels = [], [], []
    for i in range(60):
        kind = ("payment", "reporting", "none")[i % 3]
        p = dict.fromkeys(clf.LABELS, 0.01)
        p["payment"] = p["reporting"] = 0.3 if kind != "none" else 0.05
        p["none"] = 0.3 if kind != "none" else 0.8
        probs.append(p)
        cues.append({"verb1=payment": 1.0} if kind == "payment" else {"verb1=reporting": 1.0} if kind == "reporting" else {"no_modal": 1.0})
        labels.append(kind)
    return probs, cues, labels


def test_scorer_follows_estimator_contract_and_uses_the_cues() -> None:
    from sklearn.base import clone

    probs, cues, labels = _rows()
    names = ("verb1=payment", "verb1=reporting", "no_modal", "anchor=invoice")
    sc = clf.ObligationScorer(names, seed=3)
    assert clone(sc).get_params() == sc.get_params()
    assert sc.fit(probs, cues, labels) is sc and hasattr(sc, "type_theta_")
    out = sc.predict_proba(probs[:3], cues[:3])
    for row in out:
        assert set(row) == set(clf.LABELS) and abs(sum(row.values()) - 1.0) < 1e-6
    assert out[0]["payment"] > out[0]["reporting"] and out[1]["reporting"] > out[1]["payment"]
    assert out[2]["none"] > 0.5
    again = clf.ObligationScorer(names, seed=3).fit(probs, cues, labels).predict_proba(probs[:3], cues[:3])
    assert again == out
    with pytest.raises(MilestonesError, match="no parameter"):
        sc.set_params(colour="red")


def test_calibration_is_monotone_in_the_evidence() -> None:
    feats = [clf.ObligationScorer.confidence_features(p, 0.9, 0.9, 1, "own") for p in (0.2, 0.4, 0.6, 0.8, 0.95) for _ in range(8)]
    correct = [int(i % 8 < k) for k in (1, 3, 5, 7, 8) for i in range(8)]
    sc = clf.ObligationScorer().fit_calibration(feats, correct)
    conf = sc.confidence([clf.ObligationScorer.confidence_features(p, 0.9, 0.9, 1, "own") for p in (0.3, 0.6, 0.9)])
    assert conf[0] < conf[1] < conf[2] and all(0.0 < c < 1.0 for c in conf)


def test_missing_scorer_means_classifier_alone(tmp_path: Path) -> None:
    assert clf.load_scorer(str(tmp_path / "none.joblib")) is None
    import datetime as dt

    from extractors.obligations import get_obligations
    from extractors.schema import KeyDates
    from extractors.text import document_from_text

    doc = document_from_text("1. Customer shall pay each invoice within thirty (30) days after receipt of the invoice.\n", "t")
    found = get_obligations(doc, KeyDates(), dt.date(2026, 12, 1), scorer=False)
    assert [m.obligation_type for m in found] == ["payment"]


def test_shipped_scorer_matches_its_metadata() -> None:
    import hashlib

    path = clf.default_scorer_path()
    meta = json.loads(path.with_suffix(".json").read_text())
    assert hashlib.sha256(path.read_bytes()).hexdigest() == meta["artefact_sha256"]
    scorer = clf.load_scorer()
    assert scorer is not None and scorer.threshold_ == meta["decision_threshold"]
    from extractors.obligations import CUE_FEATURES

    assert list(scorer.cue_names) == list(CUE_FEATURES) == meta["cue_features"]
    assert meta["labels_sha256"] == hashlib.sha256((clf._DATA / "cuad_dev_obligations.jsonl").read_bytes()).hexdigest()


@pytest.mark.cuad
@pytest.mark.slow
def test_shipped_model_is_reproducible_from_the_data() -> None:
    if not CUAD.exists():
        pytest.skip("CUAD corpus not available")
    meta = json.loads(clf.default_model_path().with_suffix(".json").read_text())
    ex = clf.get_training_examples(CUAD)
    assert clf.fingerprint(ex) == meta["training_data_fingerprint"]
    probe = [e.text for e in ex[:200]]
    rebuilt = clf.train(ex, seed=meta["seed"])
    assert np.allclose(rebuilt.predict_proba(probe), clf.load_model().predict_proba(probe))
    # the scorer: same folds, same out-of-fold rows, same fit (milestones train does exactly this)
    scorer, report = clf.build_scorer(CUAD, clf.fold_models(ex, seed=meta["seed"]), seed=meta["seed"])
    shipped = clf.load_scorer()
    assert shipped is not None and report["decision_threshold"] == shipped.threshold_
    probs = clf.predict_proba(probe[:50])
    cues = [{"verb1=payment": 1.0}] * 50
    assert np.allclose([list(r.values()) for r in scorer.predict_proba(probs, cues)],
                       [list(r.values()) for r in shipped.predict_proba(probs, cues)])
