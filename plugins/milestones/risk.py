"""Late-risk model (issue #9 part 5): the probability that an open obligation completes after its due date.

Learns from the register's history of completed obligations (raw.obligation_history + task snapshots; the
demo writes a seeded synthetic one, see risk_history.py). Every feature is computed **as of a scoring date
from what was known on that date** (`features_at`): the counterparty's record counts only obligations whose
due date had passed, the owner's load counts obligations still open then, the task status is the last
snapshot on or before the date. A scikit-learn Pipeline (one-hot type + scaled numbers -> logistic
regression) is calibrated with CalibratedClassifierCV (sigmoid, folds grouped by obligation), seeded.

    python -m milestones.risk eval     # the time-based backtest vs the rules baseline (make risk-eval)
    python -m milestones.risk score --as-of 2026-12-01   # what the pipeline task does

The score and its top reasons (logistic coefficient x the feature's deviation from the training mean, in
log-odds) go to raw.obligation_risk for the run's as_of; mart_at_risk shows them. Model card:
plugins/milestones/models/late_risk.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import logging
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "MODEL_VERSION",
    "HORIZON_DAYS",
    "NUMERIC",
    "CATEGORICAL",
    "features_at",
    "mask_future",
    "training_rows",
    "LateRiskModel",
    "RulesBaseline",
    "backtest",
    "calibration_table",
    "score_open",
    "score_register",
    "main",
]

log = logging.getLogger(__name__)

MODEL_VERSION = "late-risk-1"
HORIZON_DAYS = 90  # scored: open obligations due within this many days (the history's lead times)
LOAD_WINDOW_DAYS = 30  # owner load: their open obligations due within this many days (or already overdue)
PRIOR_STRENGTH = 5.0  # counterparty lateness rate shrunk toward the overall rate with this many pseudo-cases
RULE_CP_RATE = 0.30  # rules baseline: a counterparty late this often or more is "late-prone"
RULE_DAYS = 14  # rules baseline: task not started with this many days (or fewer) left
SEED = 20261201

NUMERIC = (
    "cp_late_rate", "cp_history", "lead_time_days", "days_until_due", "elapsed_frac", "not_started",
    "idle_elapsed", "owner_load", "dependency_depth",
)  # fmt: skip
CATEGORICAL = ("obligation_type",)
# features that explain together (a reason is one of these groups)
REASON_GROUPS: dict[str, tuple[str, ...]] = {
    "obligation_type": ("obligation_type",),
    "cp_late_rate": ("cp_late_rate",),
    "cp_history": ("cp_history",),
    "lead_time_days": ("lead_time_days",),
    "days_until_due": ("days_until_due",),
    "elapsed_frac": ("elapsed_frac",),
    "task": ("not_started", "idle_elapsed"),
    "owner_load": ("owner_load",),
    "dependency_depth": ("dependency_depth",),
}


# ------------------------------------------------------------------------------------------------ features


def _as_ts(d: dt.date | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(d).normalize()


def mask_future(
    history: pd.DataFrame, snapshots: pd.DataFrame, as_of: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The history as someone standing on `as_of` saw it: later obligations unknown, later completions blank,
    later snapshots not yet taken. Features must be identical on this and on the full history."""
    t = _as_ts(as_of)
    h = history[history["created_on"] <= t].copy()
    h.loc[h["completed_on"] > t, "completed_on"] = pd.NaT
    s = snapshots[snapshots["snapshot_date"] <= t].copy()
    return h, s


def _cp_key(name: object) -> str:
    return "".join(ch for ch in str(name or "").lower() if ch.isalnum())


def _cp_keys(names: pd.Series) -> pd.Series:
    return names.map({n: _cp_key(n) for n in names.unique()})


def _counterparty_record(history: pd.DataFrame, t: pd.Timestamp) -> tuple[pd.DataFrame, float]:
    """Per counterparty: obligations whose due date had passed by t, and how many of them were late then.
    Late is known on t for those: completed after the due date, or not completed at all yet."""
    known = history[history["due_date"] < t]
    done = known["completed_on"]
    late = done.isna() | (done > t) | (done > known["due_date"])
    # (done > t) cannot be told apart from "still open" on t — both are late, which is what t knew
    frame = pd.DataFrame({"cp": _cp_keys(known["counterparty"]), "late": late.astype(float)})
    rate = float(frame["late"].mean()) if len(frame) else 0.25
    return frame.groupby("cp")["late"].agg(["sum", "count"]), rate


def _open_at(history: pd.DataFrame, t: pd.Timestamp) -> pd.Series:
    done = history["completed_on"]
    return (history["created_on"] <= t) & (done.isna() | (done > t))


def features_at(
    history: pd.DataFrame,
    snapshots: pd.DataFrame,
    as_of: dt.date | pd.Timestamp,
    candidates: pd.DataFrame | None = None,
    owner_load: dict[str, int] | None = None,
) -> pd.DataFrame:
    """One feature row per obligation open on `as_of` and due within the horizon.

    `candidates` (the register's open occurrences: obligation_id, counterparty, obligation_type, owner,
    created_on, due_date, dependency_depth, task_status) are scored with the history as their past; without
    it the history's own open obligations are the candidates (training and backtest), their task status read
    from the snapshots. `owner_load` overrides the load counted from the history (the register's own load).
    """
    t = _as_ts(as_of)
    record, overall = _counterparty_record(history, t)
    if candidates is None:
        is_open = _open_at(history, t)
        cand = history[is_open & (history["due_date"] >= t)].copy()
        seen = snapshots[(snapshots["snapshot_date"] <= t) & (snapshots["task_status"] != "not_started")]
        started = cand["obligation_id"].isin(seen["obligation_id"].to_numpy())
        cand["task_status"] = np.where(started, "in_progress", "not_started")
        open_hist = history[is_open & (history["due_date"] <= t + pd.Timedelta(days=LOAD_WINDOW_DAYS))]
        load = open_hist.groupby("owner").size().to_dict()
    else:
        cand = candidates.copy()
        load = {}
    if owner_load is not None:
        load = owner_load
    cand = cand[(cand["due_date"] >= t) & (cand["due_date"] <= t + pd.Timedelta(days=HORIZON_DAYS))]
    keys = _cp_keys(cand["counterparty"])
    late_n = keys.map(record["sum"]).fillna(0.0)
    seen_n = keys.map(record["count"]).fillna(0.0)
    lead = (cand["due_date"] - cand["created_on"]).dt.days.clip(lower=1)
    left = (cand["due_date"] - t).dt.days
    elapsed = ((t - cand["created_on"]).dt.days / lead).clip(0.0, 1.0)
    not_started = (cand["task_status"].fillna("not_started") == "not_started").astype(float)
    out = pd.DataFrame(
        {
            "obligation_id": cand["obligation_id"].to_numpy(),
            "scored_on": t,
            "counterparty": cand["counterparty"].to_numpy(),
            "owner": cand["owner"].to_numpy(),
            "obligation_type": cand["obligation_type"].fillna("other").to_numpy(),
            "due_date": cand["due_date"].to_numpy(),
            "cp_late_rate": ((late_n + PRIOR_STRENGTH * overall) / (seen_n + PRIOR_STRENGTH)).to_numpy(),
            "cp_history": np.log1p(seen_n.to_numpy()),
            "cp_seen": seen_n.to_numpy().astype(int),
            "lead_time_days": lead.to_numpy().astype(float),
            "days_until_due": left.to_numpy().astype(float),
            "elapsed_frac": elapsed.to_numpy(),
            "not_started": not_started.to_numpy(),
            "idle_elapsed": (elapsed * not_started).to_numpy(),
            "owner_load": cand["owner"].map(load).fillna(0).to_numpy().astype(float),
            "dependency_depth": cand["dependency_depth"].fillna(0).to_numpy().astype(float),
        }
    )
    return out.reset_index(drop=True)


def training_rows(
    history: pd.DataFrame, snapshots: pd.DataFrame, dates: Iterable[dt.date | pd.Timestamp]
) -> pd.DataFrame:
    """Feature rows at each scoring date, each with its outcome `late` (read from the full history, which is
    the label only — features never see it) and the date the outcome became known (`known_on`)."""
    frames = [features_at(history, snapshots, d) for d in dates]
    rows = pd.concat([f for f in frames if len(f)], ignore_index=True) if frames else pd.DataFrame()
    if rows.empty:
        return rows
    outcome = history.set_index("obligation_id")
    done = rows["obligation_id"].map(outcome["completed_on"])
    rows["late"] = (done > rows["due_date"]).astype(int)
    rows["known_on"] = np.minimum(done, rows["due_date"] + pd.Timedelta(days=1))
    return rows


def weekly_dates(start: dt.date | pd.Timestamp, end: dt.date | pd.Timestamp) -> list[pd.Timestamp]:
    return list(pd.date_range(_as_ts(start), _as_ts(end), freq="W-MON"))


# ------------------------------------------------------------------------------------------------ models


class LateRiskModel:
    """One-hot type + standardised numbers -> logistic regression, calibrated (sigmoid, grouped folds)."""

    def __init__(self, C: float = 0.5, folds: int = 5, random_state: int = SEED) -> None:
        self.C = C
        self.folds = folds
        self.random_state = random_state

    def _pipeline(self):
        from sklearn.compose import ColumnTransformer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        pre = ColumnTransformer(
            [
                ("type", OneHotEncoder(handle_unknown="ignore", sparse_output=False), list(CATEGORICAL)),
                ("num", StandardScaler(), list(NUMERIC)),
            ]
        )
        lr = LogisticRegression(C=self.C, max_iter=2000, random_state=self.random_state)
        return Pipeline([("features", pre), ("lr", lr)])

    def fit(self, rows: pd.DataFrame) -> LateRiskModel:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.model_selection import GroupKFold

        X, y = rows[[*CATEGORICAL, *NUMERIC]], rows["late"].to_numpy()
        if len(set(y)) < 2:
            raise ValueError("the training rows need both late and on-time outcomes")
        groups = rows["obligation_id"].to_numpy()
        splits = list(GroupKFold(n_splits=self.folds).split(X, y, groups))
        self.calibrated_ = CalibratedClassifierCV(
            self._pipeline(), method="sigmoid", cv=splits, ensemble=False
        )
        self.calibrated_.fit(X, y)
        base = self.calibrated_.calibrated_classifiers_[0].estimator
        pre = base.named_steps["features"]
        self.feature_names_ = list(pre.get_feature_names_out())
        self.coef_ = base.named_steps["lr"].coef_[0]
        self.means_ = pre.transform(X).mean(axis=0)
        self.base_ = base
        self.n_train_ = len(rows)
        self.ranges_ = {c: (float(rows[c].min()), float(rows[c].max())) for c in NUMERIC}
        return self

    def _inputs(self, rows: pd.DataFrame) -> pd.DataFrame:
        """The model's columns, numbers clipped to the range seen in training (no extrapolation: a register
        busier than its history counts as the busiest the history knew)."""
        X = rows[[*CATEGORICAL, *NUMERIC]].copy()
        for c, (lo, hi) in self.ranges_.items():
            X[c] = X[c].clip(lo, hi)
        return X

    def predict_proba(self, rows: pd.DataFrame) -> np.ndarray:
        return self.calibrated_.predict_proba(self._inputs(rows))[:, 1]

    def contributions(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Log-odds contribution of each input feature: coefficient x (value - training mean), one-hot columns
        of a categorical summed into it."""
        Z = self.base_.named_steps["features"].transform(self._inputs(rows))
        parts = (Z - self.means_) * self.coef_
        names = [f.split("__", 1)[1] for f in self.feature_names_]
        out = {}
        for group, members in REASON_GROUPS.items():
            idx = [i for i, f in enumerate(names) if f in members or any(f.startswith(m + "_") for m in CATEGORICAL
                                                                          if m in members)]  # fmt: skip
            out[group] = parts[:, idx].sum(axis=1)
        return pd.DataFrame(out, index=rows.index)

    def reasons(self, rows: pd.DataFrame, top: int = 3, min_logit: float = 0.05) -> list[str]:
        contrib = self.contributions(rows)
        texts = []
        for i, (_, row) in enumerate(rows.iterrows()):
            c = contrib.iloc[i].sort_values(ascending=False)
            picked = [(k, v) for k, v in c.items() if v >= min_logit][:top]
            texts.append("; ".join(f"{_describe(k, row)} (+{v:.2f})" for k, v in picked))
        return texts


def _describe(feature: str, row: pd.Series) -> str:
    days = int(row["days_until_due"])
    match feature:
        case "cp_late_rate":
            return f"counterparty late on {row['cp_late_rate']:.0%} of past obligations ({int(row['cp_seen'])} seen)"
        case "cp_history":
            return f"little history with the counterparty ({int(row['cp_seen'])} past obligations)"
        case "lead_time_days":
            return f"lead time {int(row['lead_time_days'])} day(s)"
        case "days_until_due":
            return f"due in {days} day(s)"
        case "elapsed_frac":
            return f"{row['elapsed_frac']:.0%} of the lead time gone"
        case "task":
            if row["not_started"] > 0:
                return f"task not started, due in {days} day(s)"
            return "task in progress"
        case "owner_load":
            return f"owner {row['owner']} has {int(row['owner_load'])} open obligations due within 30 days"
        case "dependency_depth":
            return f"waits on {int(row['dependency_depth'])} upstream milestone(s)"
        case "obligation_type":
            return f"{row['obligation_type']} obligations run late more often"
    return feature


class RulesBaseline:
    """Two rules a contract manager would write: the counterparty is late-prone (past rate >= 30 %) and the
    task is not started with 14 days or fewer left. Each of the four cells predicts the late rate the
    training rows show for it (so the baseline is calibrated too and the comparison is about ranking)."""

    def _cells(self, rows: pd.DataFrame) -> pd.Series:
        prone = rows["cp_late_rate"] >= RULE_CP_RATE
        idle = (rows["not_started"] > 0) & (rows["days_until_due"] <= RULE_DAYS)
        return prone.astype(int) * 2 + idle.astype(int)

    def fit(self, rows: pd.DataFrame) -> RulesBaseline:
        self.overall_ = float(rows["late"].mean())
        self.rates_ = rows.groupby(self._cells(rows))["late"].mean().to_dict()
        return self

    def predict_proba(self, rows: pd.DataFrame) -> np.ndarray:
        return self._cells(rows).map(lambda c: self.rates_.get(c, self.overall_)).to_numpy(dtype=float)


# ------------------------------------------------------------------------------------------------ backtest


@dataclass(frozen=True)
class QuarterResult:
    quarter: str
    n_train: int
    n_test: int
    late_rate: float
    model_auc: float
    model_brier: float
    rules_auc: float
    rules_brier: float


def _quarter_starts(first: pd.Timestamp, last: pd.Timestamp) -> list[pd.Timestamp]:
    return list(pd.date_range(first.to_period("Q").start_time, last, freq="QS"))


def backtest(
    history: pd.DataFrame, snapshots: pd.DataFrame, quarters: int = 6, burn_in_days: int = 365
) -> tuple[list[QuarterResult], pd.DataFrame]:
    """Rolling origin: for each of the last `quarters` full quarters, train on rows whose outcome was known
    before the quarter began, score the weekly rows inside the quarter. Returns per-quarter results and all
    scored test rows (columns p_model, p_rules, late)."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    first = history["created_on"].min() + pd.Timedelta(days=burn_in_days)
    # the last quarter that ends while obligations were still being created (the history's tail is thin)
    last = history["created_on"].max()
    rows = training_rows(history, snapshots, weekly_dates(first, last))
    starts = [q for q in _quarter_starts(first, last) if q + pd.offsets.QuarterBegin(startingMonth=1) <= last]
    results, scored = [], []
    for q0 in starts[-quarters:]:
        q1 = q0 + pd.offsets.QuarterBegin(startingMonth=1)
        train = rows[(rows["scored_on"] < q0) & (rows["known_on"] <= q0)]
        test = rows[(rows["scored_on"] >= q0) & (rows["scored_on"] < q1)].copy()
        if test["late"].nunique() < 2 or train["late"].nunique() < 2:
            continue
        model = LateRiskModel().fit(train)
        rules = RulesBaseline().fit(train)
        test["p_model"] = model.predict_proba(test)
        test["p_rules"] = rules.predict_proba(test)
        test["quarter"] = str(q0.to_period("Q"))
        y = test["late"].to_numpy()
        results.append(
            QuarterResult(
                str(q0.to_period("Q")), len(train), len(test), float(y.mean()),
                float(roc_auc_score(y, test["p_model"])), float(brier_score_loss(y, test["p_model"])),
                float(roc_auc_score(y, test["p_rules"])), float(brier_score_loss(y, test["p_rules"])),
            )
        )  # fmt: skip
        scored.append(test)
    return results, (pd.concat(scored, ignore_index=True) if scored else pd.DataFrame())


def calibration_table(
    p: np.ndarray, y: np.ndarray, bins: Sequence[float] = (0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
):
    """Rows (bin, n, mean predicted, observed late rate) over fixed probability bins."""
    edges = np.asarray(bins, dtype=float)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    out = []
    for b in range(len(edges) - 1):
        m = which == b
        if m.any():
            out.append(
                (f"{edges[b]:.1f}-{edges[b + 1]:.1f}", int(m.sum()), float(p[m].mean()), float(y[m].mean()))
            )
    return out


def _print_backtest(results: list[QuarterResult], scored: pd.DataFrame, out=None) -> dict:
    from sklearn.metrics import brier_score_loss, roc_auc_score

    w = (out or sys.stdout).write
    w("Late-risk backtest — train on the past, score the next quarter (weekly scoring dates)\n\n")
    w(f"{'quarter':<8} {'train':>6} {'test':>5} {'late':>5}  {'AUC model':>9} {'AUC rules':>9}  "
      f"{'Brier model':>11} {'Brier rules':>11}\n")  # fmt: skip
    for r in results:
        w(f"{r.quarter:<8} {r.n_train:>6} {r.n_test:>5} {r.late_rate:>5.2f}  {r.model_auc:>9.3f} {r.rules_auc:>9.3f}  "
          f"{r.model_brier:>11.4f} {r.rules_brier:>11.4f}\n")  # fmt: skip
    y = scored["late"].to_numpy()
    pooled = {
        "n": len(y),
        "late_rate": float(y.mean()),
        "model_auc": float(roc_auc_score(y, scored["p_model"])),
        "rules_auc": float(roc_auc_score(y, scored["p_rules"])),
        "model_brier": float(brier_score_loss(y, scored["p_model"])),
        "rules_brier": float(brier_score_loss(y, scored["p_rules"])),
        "base_brier": float(y.mean() * (1 - y.mean())),
        "quarters_model_auc_better": sum(r.model_auc > r.rules_auc for r in results),
        "quarters": len(results),
    }
    w(f"\npooled over {pooled['n']} scored rows (late rate {pooled['late_rate']:.3f}):\n")
    w(f"  AUC    model {pooled['model_auc']:.3f}   rules {pooled['rules_auc']:.3f}\n")
    w(f"  Brier  model {pooled['model_brier']:.4f}  rules {pooled['rules_brier']:.4f}  "
      f"(always the base rate: {pooled['base_brier']:.4f})\n")  # fmt: skip
    w(
        f"  model AUC above the rules in {pooled['quarters_model_auc_better']} of {pooled['quarters']} quarters\n"
    )
    for name, col in (("model", "p_model"), ("rules", "p_rules")):
        w(f"\ncalibration, {name} (predicted bin: n, mean predicted, observed late rate)\n")
        for b, n, mp, obs in calibration_table(scored[col].to_numpy(), y):
            w(f"  {b:<8} {n:>6}  {mp:>6.3f}  {obs:>6.3f}\n")
    return pooled


# ------------------------------------------------------------------------------------------------ the register


def read_history(con) -> tuple[pd.DataFrame, pd.DataFrame]:
    h = con.execute("select * from raw.obligation_history order by obligation_id").df()
    s = con.execute(
        "select * from raw.obligation_history_snapshots order by obligation_id, snapshot_date"
    ).df()
    for frame, cols in ((h, ("created_on", "due_date", "completed_on")), (s, ("snapshot_date",))):
        for c in cols:
            frame[c] = pd.to_datetime(frame[c])
    return h, s


def fit_on_history(history: pd.DataFrame, snapshots: pd.DataFrame, as_of: dt.date) -> LateRiskModel:
    """The production model: every weekly row of the history whose outcome was known on `as_of`."""
    t = _as_ts(as_of)
    h, s = mask_future(history, snapshots, as_of)
    start = h["created_on"].min() + pd.Timedelta(days=90)
    rows = training_rows(h, s, weekly_dates(start, t))
    rows = rows[rows["known_on"] <= t]
    return LateRiskModel().fit(rows)


def _depths(pred: dict[str, str | None]) -> dict[str, int]:
    """Length of each milestone's upstream chain; a cycle stops the walk (it is reported elsewhere)."""
    out = {}
    for m in pred:
        seen, cur, d = {m}, pred.get(m), 0
        while cur and cur not in seen:
            d += 1
            seen.add(cur)
            cur = pred.get(cur)
        out[m] = d
    return out


def register_candidates(con, as_of: dt.date) -> tuple[pd.DataFrame, dict[str, int]]:
    """Open occurrences of marts.fct_obligations for `as_of` as model candidates, and each owner's load."""
    occ = con.execute(
        """
        select f.occurrence_id, f.milestone_id, f.counterparty, f.obligation_type, f.owner, f.due_date,
               f.task_status, f.obligation_status, f.days_until_due, f.predecessor_milestone_id,
               coalesce(r.logical_date, f.as_of_date) as first_seen_on
        from marts.fct_obligations as f
        left join raw.milestones as m on f.milestone_id = m.milestone_id
        left join raw.extraction_runs as r on m.first_seen_run = r.run_id
        where f.as_of_date = ?
        """,
        [as_of],
    ).df()
    load = (
        occ[occ["obligation_status"].isin(["open", "overdue"]) & (occ["days_until_due"] <= LOAD_WINDOW_DAYS)]
        .groupby("owner")
        .size()
        .to_dict()
    )
    pred = dict(zip(occ["milestone_id"], occ["predecessor_milestone_id"], strict=False))
    depth = _depths({k: (v if isinstance(v, str) else None) for k, v in pred.items()})
    cand = occ[occ["obligation_status"] == "open"].copy()
    cand["obligation_id"] = cand["occurrence_id"]
    cand["due_date"] = pd.to_datetime(cand["due_date"])
    # a recurring occurrence became known one period before its due date at the latest
    cand["created_on"] = np.minimum(pd.to_datetime(cand["first_seen_on"]), cand["due_date"])
    cand["dependency_depth"] = cand["milestone_id"].map(depth).fillna(0)
    return cand, {str(k): int(v) for k, v in load.items()}


def score_open(model: LateRiskModel, history, snapshots, candidates, as_of, owner_load=None) -> pd.DataFrame:
    rows = features_at(history, snapshots, as_of, candidates=candidates, owner_load=owner_load)
    if rows.empty:
        return rows.assign(late_risk_score=[], late_risk_reasons=[])
    rows["late_risk_score"] = model.predict_proba(rows)
    rows["late_risk_reasons"] = model.reasons(rows)
    return rows


def score_register(warehouse: str | Path, as_of: dt.date, min_history: int = 200) -> int:
    """Pipeline task body: fit on the register's history as known on `as_of`, score the open occurrences of
    marts.fct_obligations for `as_of`, replace raw.obligation_risk for that date. Returns rows written."""
    from .register import open_register

    with open_register(warehouse) as con:
        history, snapshots = read_history(con)
        h, s = mask_future(history, snapshots, as_of)
        if (h["due_date"] < _as_ts(as_of)).sum() < min_history:
            log.warning("late risk: %d past obligations in raw.obligation_history (< %d): nothing scored",
                        len(h), min_history)  # fmt: skip
            con.execute("delete from raw.obligation_risk where as_of_date = ?", [as_of])
            return 0
        model = fit_on_history(history, snapshots, as_of)
        cand, load = register_candidates(con, as_of)
        rows = score_open(model, h, s, cand, as_of, owner_load=load)
        fp = hashlib.sha256(pd.util.hash_pandas_object(h, index=False).values.tobytes()).hexdigest()[:10]
        version = f"{MODEL_VERSION}+{fp}"
        out = pd.DataFrame(
            {
                "as_of_date": as_of,
                "occurrence_id": rows["obligation_id"],
                "milestone_id": rows["obligation_id"].map(
                    dict(zip(cand["obligation_id"], cand["milestone_id"], strict=False))
                ),  # fmt: skip
                "late_risk_score": rows["late_risk_score"].round(4),
                "late_risk_reasons": rows["late_risk_reasons"],
                "model_version": version,
                "scored_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
            }
        )
        con.execute("begin transaction")
        try:
            con.execute("delete from raw.obligation_risk where as_of_date = ?", [as_of])
            con.register("_risk", out)
            con.execute("insert into raw.obligation_risk select * from _risk")
            con.unregister("_risk")
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        log.info("late risk: %d open occurrences scored with %s (%d training rows)", len(out), version,
                 model.n_train_)  # fmt: skip
        return len(out)


# ------------------------------------------------------------------------------------------------ CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m milestones.risk", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    ev = sub.add_parser("eval", help="time-based backtest of the model vs the rules baseline")
    ev.add_argument("--warehouse", help="read raw.obligation_history from this warehouse (default: the demo "
                    "history generated in memory, as `make demo` loads it)")  # fmt: skip
    ev.add_argument("--as-of", default="2026-12-01", help="end of the generated history (YYYY-MM-DD)")
    ev.add_argument("--seed", type=int, default=20261201)
    ev.add_argument("--quarters", type=int, default=6)
    sc = sub.add_parser("score", help="score the open obligations of the warehouse for one as_of")
    sc.add_argument("--as-of", required=True)
    sc.add_argument("--warehouse")
    args = parser.parse_args(argv)
    if args.cmd == "eval":
        as_of = dt.date.fromisoformat(args.as_of)
        if args.warehouse:
            import duckdb

            with duckdb.connect(args.warehouse, read_only=True) as con:
                history, snapshots = read_history(con)
            src = args.warehouse
        else:
            from .risk_history import demo_spec, generate_history

            spec = demo_spec(as_of, seed=args.seed)
            history, snapshots = generate_history(spec)
            src = f"synthetic demo history (seed {args.seed}, {spec.start} to {spec.end})"
        print(f"history: {len(history)} completed obligations, {len(snapshots)} task snapshots — {src}\n")
        results, scored = backtest(history, snapshots, quarters=args.quarters)
        _print_backtest(results, scored)
        return 0
    from .paths import get_paths

    n = score_register(args.warehouse or get_paths().warehouse, dt.date.fromisoformat(args.as_of))
    print(f"{n} open occurrences scored")
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    sys.exit(main())
