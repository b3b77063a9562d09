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
    return clf._jsonl_examples(_EXAMPLES, "written-")


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


def test_shipped_artefact_matches_its_metadata() -> None:
    import hashlib

    path = clf.default_model_path()
    meta = json.loads(path.with_suffix(".json").read_text())
    assert hashlib.sha256(path.read_bytes()).hexdigest() == meta["artefact_sha256"]
    assert path.stat().st_size < 10_000_000
    assert set(meta["labels"]) <= set(clf.LABELS)


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
