"""Obligation scoring: matching, due-rule equivalence, per-type counts, label files and the CLI.

Gold and predictions here are written for the test (development fixtures); the CLI test builds a one-contract
portfolio in tmp_path in the sample-portfolio truth format.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from extractors.cli import main
from extractors.obligation_eval import (
    CUAD_PARTS,
    GoldObligation,
    label_candidates,
    load_cuad_gold,
    rule_matches,
    score,
)


def _pred(start: int, end: int, otype: str, **rule: object) -> dict:
    return {"obligation_type": otype, "source_span": {"start": start, "end": end}, "due_rule": rule,
            "source_text": "x", "due_date": rule.pop("due_date", None)}  # fmt: skip


G = [
    GoldObligation("d", 0, 100, "payment", {"kind": "relative", "amount": 30, "unit": "days", "direction": "within", "anchor": "invoice_receipt"}),
    GoldObligation("d", 0, 100, "payment", {"kind": "relative", "direction": "on", "anchor": "signing"}),
    GoldObligation("d", 200, 300, "reporting", {"kind": "recurring", "frequency": "quarterly", "amount": 45, "unit": "days",
                                                "direction": "within", "anchor": "quarter_end"}),
    GoldObligation("d", 400, 500, "expiration", {"kind": "absolute", "date": "2027-01-31", "direction": "on"}),
]


def test_matching_counts_and_rule_accuracy() -> None:
    preds = {"d": [
        _pred(10, 90, "payment", kind="relative", amount=30, unit="days", direction="after", anchor="invoice_receipt"),
        _pred(10, 90, "payment", kind="relative", direction="on", anchor="acceptance"),
        _pred(210, 290, "delivery", kind="recurring", frequency="quarterly", amount=45, unit="days", direction="within", anchor="quarter_end"),
        _pred(400, 500, "expiration", kind="absolute", date="2027-01-31", direction="before"),
        _pred(600, 700, "payment", kind="relative", amount=5, unit="days", direction="within", anchor="event"),
    ]}  # fmt: skip
    overall, per_type, misses, extras = score(G, preds, typed=True)
    assert (overall.tp, overall.fp, overall.fn) == (3, 2, 1)
    assert overall.rule_ok == 2  # "after" counts as "within"; the second payment's anchor is wrong
    assert per_type["reporting"].fn == 1 and per_type["delivery"].fp == 1
    assert [g.obligation_type for g in misses] == ["reporting"]
    assert len(extras) == 2
    agnostic, _, _, _ = score(G, preds, typed=False)
    assert (agnostic.tp, agnostic.fp, agnostic.fn) == (4, 1, 0)
    assert round(overall.precision, 3) == 0.6 and round(overall.recall, 3) == 0.75


def test_one_prediction_matches_one_gold() -> None:
    preds = {"d": [_pred(0, 100, "payment", kind="relative", direction="on", anchor="signing")]}
    overall, _, _, _ = score(G[:2], preds)
    assert (overall.tp, overall.fn) == (1, 1)
    assert overall.rule_ok == 1  # the greedy matcher prefers the gold whose rule agrees


@pytest.mark.parametrize(
    ("gold", "pred", "ok"),
    [
        ({"kind": "absolute", "date": "2027-01-31"}, {"kind": "absolute", "date": "2027-02-01"}, False),
        ({"kind": "relative", "amount": 2, "unit": "weeks", "direction": "after", "anchor": "acceptance"},
         {"kind": "relative", "amount": 14, "unit": "days", "direction": "after", "anchor": "acceptance"}, True),
        ({"kind": "relative", "amount": 10, "unit": "days", "direction": "before", "anchor": "expiration_date"},
         {"kind": "relative", "amount": 10, "unit": "days", "direction": "within", "anchor": "expiration_date"}, False),
        ({"kind": "recurring", "frequency": "monthly"}, {"kind": "recurring", "frequency": "quarterly"}, False),
    ],
)
def test_rule_equivalence(gold: dict, pred: dict, ok: bool) -> None:
    assert rule_matches(GoldObligation("d", 0, 1, "payment", gold), {"due_rule": pred}) is ok


def test_sample_gold_also_needs_the_due_date() -> None:
    rule = {"kind": "recurring", "frequency": "monthly", "anchor": "month_end", "direction": "on"}
    g = GoldObligation("d", 0, 1, "sla", rule, dt.date(2026, 12, 31), None, "samples")
    assert rule_matches(g, {"due_rule": rule, "due_date": "2026-12-31"})
    assert not rule_matches(g, {"due_rule": rule, "due_date": "2027-01-31"})


def test_packaged_cuad_labels() -> None:
    contracts, gold = load_cuad_gold()
    assert len(contracts) >= 99
    assert set(CUAD_PARTS) == set(contracts.values())
    assert all(g.doc_id in contracts and g.start < g.end for g in gold)
    assert {g.part for g in gold} == set(CUAD_PARTS)
    assert all(g.part == contracts[g.doc_id] for g in gold)
    from extractors.schema import OBLIGATION_TYPES

    assert {g.obligation_type for g in gold} <= set(OBLIGATION_TYPES)


def test_label_candidates_is_broader_than_duties_with_numbers() -> None:
    text = "Licensee shall pay promptly. Licensee shall pay upon signing. The sky is blue. Payment is due in 30 days."
    got = [s.text for s in label_candidates(text)]
    assert got == ["Licensee shall pay promptly.", "Licensee shall pay upon signing.", "Payment is due in 30 days."]


def test_cli_scores_a_portfolio(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "portfolio").mkdir()
    (tmp_path / "truth").mkdir()
    text = ('SERVICES AGREEMENT\n\nThis Services Agreement is entered into as of January 5, 2026 between Acme Inc. ("Client") '
            'and Beta LLC ("Supplier").\n\n1. Supplier shall deliver the Final Report no later than March 15, 2027.\n\n'
            '2. This Agreement shall be governed by the laws of the State of New York.\n')  # fmt: skip
    (tmp_path / "portfolio" / "c1.txt").write_text(text)
    truth = {"contract_id": "c1", "file": "c1.txt", "as_of": "2026-12-01", "obligations": [
        {"obligation_type": "delivery", "source_text": "Supplier shall deliver the Final Report no later than March 15, 2027.",
         "due_date": "2027-03-15", "due_rule": {"kind": "absolute", "direction": "before", "date": "2027-03-15"}}]}  # fmt: skip
    (tmp_path / "truth" / "c1.json").write_text(json.dumps(truth))
    out_json = tmp_path / "scores.json"
    assert main(["eval-obligations", "--samples", str(tmp_path), "--json", str(out_json)]) == 0
    printed = capsys.readouterr().out
    assert "sample portfolio" in printed and "typed:" in printed
    scores = json.loads(out_json.read_text())["samples"]["typed"]
    assert (scores["tp"], scores["fp"], scores["fn"]) == (1, 0, 0)
    assert scores["due_rule_accuracy"] == 1.0


def test_cli_without_sources_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval-obligations"]) == 2
    assert "--cuad" in capsys.readouterr().err


def test_cli_rule_misses_lists_wrong_rules_with_their_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "portfolio").mkdir()
    (tmp_path / "truth").mkdir()
    sentence = "Supplier shall deliver the Final Report no later than March 15, 2027."
    text = ('SERVICES AGREEMENT\n\nThis Services Agreement is entered into as of January 5, 2026 between Acme Inc. ("Client") '
            f'and Beta LLC ("Supplier").\n\n1. {sentence}\n')  # fmt: skip
    (tmp_path / "portfolio" / "c1.txt").write_text(text)
    truth = {"contract_id": "c1", "file": "c1.txt", "as_of": "2026-12-01", "obligations": [  # a deliberately wrong gold date
        {"obligation_type": "delivery", "source_text": sentence, "due_date": "2027-03-16",
         "due_rule": {"kind": "absolute", "direction": "before", "date": "2027-03-16"}}]}  # fmt: skip
    (tmp_path / "truth" / "c1.json").write_text(json.dumps(truth))
    assert main(["eval-obligations", "--samples", str(tmp_path), "--misses", "-1", "--rule-misses"]) == 0
    printed = capsys.readouterr().out
    assert "matched with a different due rule (1)" in printed
    assert f"| {sentence}" in printed
    assert "-- missed" not in printed and "-- unmatched" not in printed
    assert main(["eval-obligations", "--samples", str(tmp_path), "--misses", "-1"]) == 0
    printed = capsys.readouterr().out
    assert "-- missed (0)" in printed and f"| {sentence}" not in printed
