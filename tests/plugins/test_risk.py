"""Late-risk model (issue #9 part 5): the seeded history generator, features computed only from what was
known on the scoring date, the model against the rules baseline in a time-based backtest, the reasons, and
the pipeline's scoring of a register into raw.obligation_risk.

Fixtures: a smaller synthetic history than the demo's (same generator), generated here; a temporary warehouse
with the register schema and a hand-written marts.fct_obligations.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest
from milestones import risk
from milestones.register import open_register
from milestones.risk_history import HistorySpec, demo_spec, generate_history, load_history, owner_by_type
from sklearn.metrics import brier_score_loss, roc_auc_score

CPS = ("Acme Analytics LLC", "Bluefin Logistics, Inc.", "Cobalt Ridge Software Corp.", "Foxglove Packaging Company",
       "Harborview Equipment Leasing Co.", "Jasper Valley Foods Co.", "Meridian Security Labs LLC",
       "Zephyr Software Labs, Inc.")  # fmt: skip
SPEC = HistorySpec(start=dt.date(2022, 1, 1), end=dt.date(2025, 7, 1), counterparties=CPS, owners=owner_by_type(),
                   per_month=40, seed=7)  # fmt: skip


@pytest.fixture(scope="module")
def hist():
    return generate_history(SPEC)


@pytest.fixture(scope="module")
def bt(hist):
    return risk.backtest(*hist, quarters=3)


@pytest.fixture(scope="module")
def rows(hist):
    return risk.training_rows(*hist, risk.weekly_dates("2023-01-02", "2025-01-27"))


@pytest.fixture(scope="module")
def fitted(rows):
    return risk.LateRiskModel().fit(rows)


# ------------------------------------------------------------------------------------------------ generator


def test_generator_is_deterministic_in_its_seed(hist):
    again = generate_history(SPEC)
    pd.testing.assert_frame_equal(hist[0], again[0])
    pd.testing.assert_frame_equal(hist[1], again[1])
    other = generate_history(HistorySpec(**{**SPEC.__dict__, "seed": 8}))
    assert not other[0][["due_date", "completed_on"]].equals(hist[0][["due_date", "completed_on"]])
    assert SPEC.fingerprint() == HistorySpec(**SPEC.__dict__).fingerprint()
    assert SPEC.fingerprint() != HistorySpec(**{**SPEC.__dict__, "seed": 8}).fingerprint()


def test_history_is_plausible_and_does_not_store_the_label(hist):
    h, s = hist
    assert not {"late", "is_late", "days_late"} & set(h.columns)
    assert (h["due_date"] > h["created_on"]).all() and (h["completed_on"] > h["created_on"]).all()
    assert (h["completed_on"] < pd.Timestamp(SPEC.end)).all()
    late = h["completed_on"] > h["due_date"]
    assert 0.1 < late.mean() < 0.5, "lateness should be common but not the rule"
    assert h["counterparty"].nunique() == len(CPS) and h["obligation_type"].nunique() >= 8
    # every obligation's snapshots start not_started or in_progress and end with exactly one 'done' on completion
    last = s.sort_values("snapshot_date").groupby("obligation_id").tail(1).set_index("obligation_id")
    assert (last["task_status"] == "done").all()
    assert (last["snapshot_date"] == h.set_index("obligation_id").loc[last.index, "completed_on"]).all()
    assert (s.groupby("obligation_id")["task_status"].apply(lambda x: (x == "done").sum()) == 1).all()


def test_no_single_observable_feature_gives_the_label_away(rows):
    """The generator must not encode lateness in something a model sees: each feature alone ranks late vs
    on-time rows far from perfectly (and the model, below, is no oracle either)."""
    for col in risk.NUMERIC:
        if rows[col].nunique() > 1:
            auc = roc_auc_score(rows["late"], rows[col])
            assert 0.1 < auc < 0.9, f"{col} separates late from on-time almost perfectly (AUC {auc:.2f})"


def test_demo_spec_uses_the_sample_portfolio_and_owner_map():
    spec = demo_spec(dt.date(2026, 12, 1))
    assert "Acme Analytics LLC" in spec.counterparties and len(spec.counterparties) >= 20
    assert spec.owners["payment"] == "finance-ap" and spec.owners[""] == "contract-ops"
    assert spec.start == dt.date(2021, 12, 1) and spec.end == dt.date(2026, 12, 1)


# ------------------------------------------------------------------------------------------------ features


@pytest.mark.parametrize("as_of", ["2023-03-06", "2024-02-12", "2024-11-04"])
def test_features_use_only_what_was_known_on_the_scoring_date(hist, as_of):
    h, s = hist
    full = risk.features_at(h, s, as_of)
    seen = risk.features_at(*risk.mask_future(h, s, as_of), as_of)
    assert len(full) > 20
    pd.testing.assert_frame_equal(full, seen)
    # rewriting the future (later completions, later snapshots, later obligations) changes nothing either
    t = pd.Timestamp(as_of)
    h2, s2 = h.copy(), s.copy()
    later = h2["completed_on"] > t
    h2.loc[later, "completed_on"] = h2.loc[later, "completed_on"] + pd.Timedelta(days=45)
    s2 = s2[s2["snapshot_date"] <= t]
    extra = h2.tail(5).assign(obligation_id=lambda d: d["obligation_id"] + "-new",
                              created_on=t + pd.Timedelta(days=3))  # fmt: skip
    pd.testing.assert_frame_equal(full, risk.features_at(pd.concat([h2, extra]), s2, as_of))


def test_counterparty_record_counts_only_past_due_dates(hist):
    h, s = hist
    t = pd.Timestamp("2024-06-03")
    f = risk.features_at(h, s, t)
    cp = f["counterparty"].iloc[0]
    known = h[(h["counterparty"] == cp) & (h["due_date"] < t)]
    assert f["cp_seen"].iloc[0] == len(known)
    late = (known["completed_on"] > known["due_date"]).sum()
    overall = (h.loc[h["due_date"] < t, "completed_on"] > h.loc[h["due_date"] < t, "due_date"]).mean()
    expected = (late + risk.PRIOR_STRENGTH * overall) / (len(known) + risk.PRIOR_STRENGTH)
    assert f["cp_late_rate"].iloc[0] == pytest.approx(expected)
    # the obligations scored are exactly the open ones due within the horizon
    open_ = h[(h["created_on"] <= t) & (h["completed_on"] > t) & (h["due_date"] >= t)
              & (h["due_date"] <= t + pd.Timedelta(days=risk.HORIZON_DAYS))]  # fmt: skip
    assert set(f["obligation_id"]) == set(open_["obligation_id"])


def test_backtest_trains_only_on_outcomes_known_before_the_quarter(hist, rows):
    h, _ = hist
    done = rows["obligation_id"].map(h.set_index("obligation_id")["completed_on"])
    assert (rows["known_on"] <= done).all() and (
        rows["known_on"] <= rows["due_date"] + pd.Timedelta(days=1)
    ).all()
    assert (rows["late"] == (done > rows["due_date"])).all()


# ------------------------------------------------------------------------------------------------ model vs rules


def test_model_is_compared_with_the_rules_on_later_quarters(bt):
    results, scored = bt
    assert len(results) == 3
    assert [r.quarter for r in results] == sorted(r.quarter for r in results)
    y = scored["late"].to_numpy()
    model_auc, rules_auc = roc_auc_score(y, scored["p_model"]), roc_auc_score(y, scored["p_rules"])
    model_brier, rules_brier = brier_score_loss(y, scored["p_model"]), brier_score_loss(y, scored["p_rules"])
    base = y.mean() * (1 - y.mean())
    # the model earns its place: it ranks better than the rules and beats always predicting the base rate
    assert model_auc > rules_auc and model_auc > 0.6
    assert model_brier < min(rules_brier, base)
    # ... but it is no oracle (the label is not encoded in the features)
    assert model_auc < 0.9


def test_model_is_calibrated_on_unseen_quarters(bt):
    _, scored = bt
    y, p = scored["late"].to_numpy(), scored["p_model"].to_numpy()
    assert abs(p.mean() - y.mean()) < 0.06
    table = risk.calibration_table(p, y)
    big = [(mp, obs) for _, n, mp, obs in table if n >= 100]
    assert len(big) >= 3
    assert all(abs(mp - obs) < 0.12 for mp, obs in big)
    observed = [obs for _, obs in big]
    assert observed == sorted(observed), "observed lateness should rise with the predicted probability"


def test_eval_command_prints_auc_brier_and_calibration_for_both(hist, bt, capsys, monkeypatch):
    monkeypatch.setattr("milestones.risk_history.generate_history", lambda spec: hist)
    monkeypatch.setattr(
        risk, "backtest", lambda h, s, quarters: bt if h is hist[0] and quarters == 2 else None
    )
    assert risk.main(["eval", "--quarters", "2"]) == 0
    out = capsys.readouterr().out
    for needle in ("AUC    model", "Brier  model", "calibration, model", "calibration, rules", "rules"):
        assert needle in out
    assert out.count("\n20") >= 2  # one line per quarter


def test_fitting_is_seeded(rows, fitted):
    again = risk.LateRiskModel().fit(rows)
    np.testing.assert_array_equal(fitted.predict_proba(rows), again.predict_proba(rows))


def test_reasons_are_the_logit_contributions(rows, fitted):
    model = fitted
    contrib = model.contributions(rows)
    lr = model.base_.named_steps["lr"]
    logit = model.base_.decision_function(rows[[*risk.CATEGORICAL, *risk.NUMERIC]])
    centre = float(model.means_ @ model.coef_ + lr.intercept_[0])
    np.testing.assert_allclose(contrib.sum(axis=1).to_numpy() + centre, logit, atol=1e-8)
    reasons = model.reasons(rows.head(200))
    top = contrib.head(200).idxmax(axis=1)
    words = {"task": "task", "cp_late_rate": "counterparty late", "owner_load": "open obligations",
             "dependency_depth": "upstream", "elapsed_frac": "lead time gone", "obligation_type": "run late",
             "lead_time_days": "lead time", "days_until_due": "due in", "cp_history": "little history"}  # fmt: skip
    for text, best, c in zip(reasons, top, contrib.head(200).max(axis=1), strict=True):
        if c >= 0.05:
            assert text.split(" (+")[0] and words[best] in text.split(";")[0]


# ------------------------------------------------------------------------------------------------ the register


def _fct(as_of: dt.date) -> pd.DataFrame:
    rows = []
    for i in range(12):
        rows.append({
            "occurrence_id": f"o{i}", "milestone_id": f"m{i}", "counterparty": CPS[i % 3],
            "obligation_type": ("payment", "delivery", "insurance")[i % 3],
            "owner": ("finance-ap", "contract-ops", "risk-office")[i % 3],
            "due_date": as_of + dt.timedelta(days=10 * i - 20),
            "task_status": (None, "in_progress", "not_started")[i % 3],
            "obligation_status": "overdue" if i < 2 else ("open" if i < 11 else "completed"),
            "days_until_due": 10 * i - 20, "predecessor_milestone_id": f"m{i - 1}" if i in (6, 7) else None,
            "as_of_date": as_of,
        })  # fmt: skip
    return pd.DataFrame(rows)


def test_score_register_writes_one_row_per_open_occurrence_in_the_horizon(tmp_path, hist):
    as_of = SPEC.end
    wh = tmp_path / "warehouse.duckdb"
    with open_register(wh) as con:
        h, s = hist  # the last 18 months are plenty to score with (and quicker)
        recent = h[h["created_on"] >= pd.Timestamp("2024-01-01")]
        load_history(con, recent, s[s["obligation_id"].isin(recent["obligation_id"])])
        fct = _fct(as_of)  # noqa: F841 — read by DuckDB below
        con.execute("create schema marts")
        con.execute("create table marts.fct_obligations as select * from fct")
    assert risk.score_register(wh, as_of) == 9  # o2..o10: open and due within 90 days (o11 completed)
    with duckdb.connect(str(wh), read_only=True) as con:
        got = con.execute("select occurrence_id, milestone_id, late_risk_score, late_risk_reasons, model_version "
                          "from raw.obligation_risk where as_of_date = ? order by occurrence_id", [as_of]).df()  # fmt: skip
    assert sorted(got["occurrence_id"]) == sorted(f"o{i}" for i in range(2, 11))
    assert (got["occurrence_id"].str[1:] == got["milestone_id"].str[1:]).all()
    assert got["late_risk_score"].between(0, 1).all() and got["late_risk_score"].nunique() > 3
    assert got["model_version"].str.startswith(risk.MODEL_VERSION + "+").all()
    assert got["late_risk_reasons"].str.len().gt(0).any()
    # a rerun replaces the date's rows (same scores), and an empty history scores nothing
    assert risk.score_register(wh, as_of) == 9
    with open_register(wh) as con:
        again = con.execute("select late_risk_score from raw.obligation_risk order by occurrence_id").df()
        assert again["late_risk_score"].tolist() == got["late_risk_score"].tolist()
        con.execute("delete from raw.obligation_history_snapshots")
        con.execute("delete from raw.obligation_history")
    assert risk.score_register(wh, as_of) == 0
    with duckdb.connect(str(wh), read_only=True) as con:
        assert con.execute("select count(*) from raw.obligation_risk").fetchone()[0] == 0


def test_dependency_depth_follows_the_chain_and_stops_at_a_cycle():
    assert risk._depths({"a": None, "b": "a", "c": "b", "x": "y", "y": "x"}) == {
        "a": 0,
        "b": 1,
        "c": 2,
        "x": 1,
        "y": 1,
    }


def test_numbers_beyond_the_training_range_do_not_extrapolate(rows, fitted):
    row = rows.head(1).copy()
    lo, hi = fitted.ranges_["owner_load"]
    at_max, beyond = row.assign(owner_load=hi), row.assign(owner_load=hi * 3 + 10)
    assert fitted.predict_proba(beyond)[0] == fitted.predict_proba(at_max)[0]
    assert fitted.contributions(beyond).equals(fitted.contributions(at_max))
