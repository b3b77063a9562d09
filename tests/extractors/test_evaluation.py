"""`milestones eval`: CUAD answer normalisation, the F1 bookkeeping, and the command end to end.

Unit tests use hand-written answers in CUAD's shorthand and a three-contract CUAD-shaped folder built in
tmp_path (development fixtures, not held out). The ``cuad``-marked test runs the real dev split's first
contracts from ../shared/cuad (CUAD v1, The Atticus Project, CC BY 4.0) and checks the counts add up.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from pathlib import Path

import pytest

from extractors.cli import main
from extractors.cuad import FIELDS, Gold, derive_auto_renewal, duration_key, load_manifest, normalize_answer
from extractors.evaluation import Record, gold_contradicts_span, half_of, score
from extractors.schema import KeyDates

D = dt.date
CUAD = Path(os.environ.get("MILESTONES_CUAD", Path(__file__).resolve().parents[3] / "shared" / "cuad"))

ANSWERS = [
    # field, raw CUAD answer, accepted values, excluded reason
    ("agreement_date", "2/11/19", {D(2019, 2, 11)}, None),
    ("agreement_date", "04/25/2018", {D(2018, 4, 25)}, None),
    ("agreement_date", "1/1/98", {D(1998, 1, 1)}, None),
    ("agreement_date", "[]/[]/2020", set(), "partial"),
    ("agreement_date", "09/[]/2019", set(), "partial"),
    ("agreement_date", "", set(), None),
    ("expiration_date", "perpetual", {"perpetual"}, None),
    ("expiration_date", "Perpetual", {"perpetual"}, None),
    ("expiration_date", "31/01/2025", {D(2025, 1, 31)}, None),  # a day-first answer
    ("expiration_date", "09/05/2019; perpetual", {D(2019, 9, 5), "perpetual"}, None),
    ("expiration_date", "[ ]/[ ]/20[ ]", set(), "partial"),
    ("effective_date", "perpetual", set(), "unreadable"),
    ("renewal_term", "successive 1 year", {("M", 12)}, None),
    ("renewal_term", "Successive 1 year", {("M", 12)}, None),
    ("renewal_term", "12 Months", {("M", 12)}, None),
    ("renewal_term", "3 successive 1 year", {("M", 12)}, None),
    ("renewal_term", "2 5 years", {("M", 60)}, None),
    ("renewal_term", "0.5 year", {("M", 6)}, None),
    ("renewal_term", "4 years, 6 months", {("M", 54)}, None),
    ("renewal_term", "three (3) years", {("M", 36)}, None),
    ("renewal_term", "5 years; 2 years", {("M", 60), ("M", 24)}, None),
    ("renewal_term", "perpetual", {"perpetual"}, None),
    ("renewal_term", "successive []", set(), "partial"),
    ("renewal_term", "7/22/2019; 7/22/2022", set(), "unreadable"),
    ("renewal_notice_period", "90 days", {("D", 90)}, None),
    ("renewal_notice_period", "(6) months", {("M", 6)}, None),
    ("renewal_notice_period", "6 months; 12 months", {("M", 6), ("M", 12)}, None),
    ("renewal_notice_period", "180 days / 6 months", {("D", 180), ("M", 6)}, None),
    ("renewal_notice_period", "6 weeks", {("W", 6)}, None),
    ("renewal_notice_period", "[]", set(), "partial"),
]


@pytest.mark.parametrize(("field", "raw", "values", "excluded"), ANSWERS, ids=[f"{a[0]}:{a[1]}" for a in ANSWERS])
def test_normalize_answer(field: str, raw: str, values: set, excluded: str | None) -> None:
    gold = normalize_answer(field, raw)
    assert set(gold.values) == values
    assert gold.excluded == excluded
    assert gold.empty == (not values and excluded is None)


@pytest.mark.parametrize(
    ("iso", "key"),
    [("P1Y", ("M", 12)), ("P12M", ("M", 12)), ("P90D", ("D", 90)), ("P6W", ("W", 6)), ("P1Y6M", ("M", 18)), ("bad", None)],
)
def test_duration_key_compares_years_and_months(iso: str, key: tuple | None) -> None:
    assert duration_key(iso) == key


def test_gold_accepts_equal_lengths_only() -> None:
    gold = normalize_answer("renewal_term", "successive 12 months")
    assert gold.accepts("P1Y") and gold.accepts("P12M")
    assert not gold.accepts("P365D") and not gold.accepts(None)


AUTO = [
    # renewal answer, highlighted clause, derived gold (None = no answer, "x" = excluded)
    ("", "", None),
    ("successive 1 year", "This Agreement shall automatically renew for successive one year terms.", True),
    ("successive 1 year", "renews unless either party gives notice of non-renewal", True),
    ("successive 1 year", "It is established by calendar year and renewed tacitly every year.", True),
    ("3 years", "Distributor shall have the option to renew this Agreement for three years.", False),
    ("successive 1 year", "the Parties may agree in writing to extend the Agreement for successive one year periods", False),
    ("1 year", "Thereafter this Agreement shall renew for one year.", True),
    ("perpetual", "", True),
    ("1 year", "[]", "x"),
]  # fmt: skip


@pytest.mark.parametrize(("answer", "span", "expected"), AUTO, ids=range(len(AUTO)))
def test_derive_auto_renewal(answer: str, span: str, expected: bool | str | None) -> None:
    gold = derive_auto_renewal(answer, span)
    if expected is None:
        assert gold.empty
    elif expected == "x":
        assert gold.excluded == "unreadable"
    else:
        assert gold.values == frozenset({expected})


def _gold(**answers: str) -> dict[str, Gold]:
    out = {f: normalize_answer(f, answers.get(f, "")) for f in FIELDS}
    out["auto_renewal"] = derive_auto_renewal(answers.get("renewal_term", ""), answers.get("span", ""))
    return out


def test_score_counts_follow_the_definition() -> None:
    records = [
        # right agreement date, wrong effective date (an FP and an FN), expiration predicted where gold has none (FP)
        Record("a", _gold(agreement_date="6/1/19", effective_date="6/2/19"),
               KeyDates(agreement_date=D(2019, 6, 1), effective_date=D(2019, 6, 3), expiration_date="perpetual")),
        # gold missed entirely (FN); a partial answer is excluded whatever is predicted
        Record("b", _gold(agreement_date="[]/[]/2020", effective_date="1/1/20"),
               KeyDates(agreement_date=D(2020, 5, 5))),
        # renewal: 1 year == 12 months; auto-renewal derived True and predicted True
        Record("c", _gold(renewal_term="successive 1 year", span="shall automatically renew", renewal_notice_period="90 days"),
               KeyDates(renewal_term="P12M", auto_renewal=True, renewal_notice_period="P3M")),
    ]  # fmt: skip
    s = score(records)
    ag, ef, ex = s["agreement_date"], s["effective_date"], s["expiration_date"]
    assert (ag.tp, ag.fp, ag.fn, ag.excluded, ag.gold, ag.predicted) == (1, 0, 0, 1, 1, 1)
    assert (ef.tp, ef.fp, ef.fn, ef.gold, ef.predicted) == (0, 1, 2, 2, 1)
    assert (ex.tp, ex.fp, ex.fn) == (0, 1, 0)
    assert (s["renewal_term"].tp, s["auto_renewal"].tp) == (1, 1)
    assert (s["renewal_notice_period"].fp, s["renewal_notice_period"].fn) == (1, 1)  # 3 months is not 90 days
    assert ef.precision == 0.0 and ef.recall == 0.0 and ef.f1 == 0.0
    assert ag.f1 == 1.0
    assert [m[0] for m in ef.misses] == ["a", "b"]


def test_halves_are_fixed_and_balanced() -> None:
    ids = [f"doc-{i}" for i in range(400)]
    assert {half_of(i) for i in ids} == {"A", "B"}
    assert 150 < sum(half_of(i) == "A" for i in ids) < 250
    assert half_of("doc-1") == half_of("doc-1")


# --- the command end to end on a tiny CUAD-shaped folder ----------------------------------------------
CONTRACTS = {
    "alpha": ('This Supply Agreement (the "Agreement") is entered into as of March 1, 2018 (the "Effective Date") '
              "by and between A and B.\n\n2. Term. This Agreement shall commence on the Effective Date and continue "
              "for three (3) years. Thereafter it shall automatically renew for successive one (1) year terms unless "
              "either party gives notice at least ninety (90) days prior to the end of the then-current term."),
    "beta": "This Agreement is made as of ________, 2020 between A and B. The parties agree as follows.",
    "gamma": "This Agreement is made and entered into as of July 4, 2011 between A and B. It shall continue until terminated.",
}  # fmt: skip
LABELS = {
    "alpha": {"Agreement Date-Answer": "3/1/18", "Effective Date-Answer": "3/1/18", "Expiration Date-Answer": "3/1/21",
              "Renewal Term-Answer": "successive 1 year", "Renewal Term": "['shall automatically renew']",
              "Notice Period To Terminate Renewal- Answer": "90 days"},
    "beta": {"Agreement Date-Answer": "[]/[]/2020"},
    "gamma": {"Agreement Date-Answer": "7/4/11", "Expiration Date-Answer": "perpetual"},
}  # fmt: skip


def _write_cuad(root: Path, with_labels: bool = True) -> Path:
    (root / "txt").mkdir(parents=True)
    with (root / "manifest.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["doc_id", "split", "title", "txt", "pdf"])
        for i, (doc, text) in enumerate(CONTRACTS.items()):
            (root / "txt" / f"{doc}.txt").write_text(text, encoding="utf-8")
            w.writerow([doc, "test" if i == 2 else "dev", doc, f"txt/{doc}.txt", f"pdf/{doc}.pdf"])
    if with_labels:
        cols = ["doc_id"] + [c for pair in FIELDS.values() for c in pair]
        with (root / "labels_dev.csv").open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=cols)
            w.writeheader()
            for doc, row in LABELS.items():
                w.writerow({"doc_id": doc, **row})
    return root


def test_eval_command_scores_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cuad = _write_cuad(tmp_path / "cuad")
    out_json = tmp_path / "scores.json"
    assert main(["eval", "--cuad", str(cuad), "--split", "dev", "--json", str(out_json), "--misses", "-1"]) == 0
    printed = capsys.readouterr().out
    assert "The Atticus Project" in printed and "contracts/s" in printed and "micro" in printed
    scores = json.loads(out_json.read_text())
    assert scores["contracts"] == 2
    assert scores["fields"]["agreement_date"] == {**scores["fields"]["agreement_date"], "tp": 1, "excluded": 1}
    assert scores["fields"]["expiration_date"]["tp"] == 1
    assert scores["fields"]["renewal_notice_period"]["tp"] == 1
    assert set(scores["halves"]) == {"A", "B"}


def test_eval_test_split_needs_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cuad = _write_cuad(tmp_path / "cuad")
    assert main(["eval", "--cuad", str(cuad), "--split", "test"]) == 2
    assert "--labels" in capsys.readouterr().err
    # with a labels file in the same format, the test split is scored
    assert main(["eval", "--cuad", str(cuad), "--split", "test", "--labels", str(cuad / "labels_dev.csv"), "--misses", "0"]) == 0
    assert "contracts=1" in capsys.readouterr().out


def test_eval_reports_missing_cuad_and_bad_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--cuad", str(tmp_path / "nowhere")]) == 2
    assert "manifest.csv" in capsys.readouterr().err
    cuad = _write_cuad(tmp_path / "cuad")
    bad = tmp_path / "bad.csv"
    bad.write_text("doc_id,Something\nalpha,x\n")
    assert main(["eval", "--cuad", str(cuad), "--labels", str(bad)]) == 2
    assert "missing columns" in capsys.readouterr().err


def test_eval_skips_an_unreadable_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cuad = _write_cuad(tmp_path / "cuad")
    (cuad / "txt" / "beta.txt").unlink()
    assert main(["eval", "--cuad", str(cuad), "--misses", "0"]) == 0
    out = capsys.readouterr().out
    assert "warning: beta" in out and "contracts=1" in out


@pytest.mark.cuad
@pytest.mark.skipif(not (CUAD / "labels_dev.csv").exists(), reason=f"CUAD dev labels not found at {CUAD}")
def test_eval_on_real_dev_contracts(tmp_path: Path) -> None:
    """A handful of real dev contracts through the whole command; the bookkeeping must add up."""
    dev = [r.doc_id for r in load_manifest(CUAD) if r.split == "dev"][:12]
    with (CUAD / "labels_dev.csv").open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if r["doc_id"] in dev]
        fieldnames = reader.fieldnames
    labels = tmp_path / "labels.csv"
    with labels.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fieldnames or [])
        w.writeheader()
        w.writerows(rows)
    out_json = tmp_path / "s.json"
    assert main(["eval", "--cuad", str(CUAD), "--split", "dev", "--labels", str(labels), "--json", str(out_json), "--misses", "0"]) == 0
    scores = json.loads(out_json.read_text())
    assert scores["contracts"] == len(rows) == 12
    for f, s in scores["fields"].items():
        assert s["tp"] + s["fp"] == s["predicted"], f
        assert s["tp"] + s["fn"] == s["gold"], f
        assert s["gold"] + s["excluded"] <= 12
    assert sum(s["tp"] for s in scores["fields"].values()) > 0


@pytest.mark.parametrize(
    ("field", "answer", "span", "contradicts"),
    [
        ("agreement_date", "7/7/99", "['7th day of September, 1999.']", True),  # the span says September
        ("agreement_date", "9/7/99", "['7th day of September, 1999.']", False),
        ("agreement_date", "5/3/16", "['the date of the Closing']", False),  # no date in the span: nothing to check
        ("renewal_notice_period", "30 days", "['at least sixty (60) days prior to the end']", True),
        ("renewal_notice_period", "60 days", "['at least sixty (60) days prior to the end']", False),
        ("expiration_date", "2/10/19", "['five (5) years following the Effective Date']", False),  # computed: never flagged
    ],
)
def test_gold_contradicts_its_own_span(field: str, answer: str, span: str, contradicts: bool) -> None:
    assert gold_contradicts_span(field, normalize_answer(field, answer), span) is contradicts
