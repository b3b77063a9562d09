"""The Great Expectations gate (plugins/milestones/quality.py, suites in expectations/) on real GX and DuckDB.

The end-to-end case runs the nightly task bodies (plan → extract → gate → load) on a temporary inbox of
sample contracts (extractors/samples/portfolio, development fixtures), then the register_models sequence
(tests/dbt/warehouse_helpers.run_models): a batch with a due date in 1850 and a confidence of 7 is stopped."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from milestones import nightly, quality, register
from milestones.paths import get_paths

from tests.dbt.warehouse_helpers import PORTFOLIO, run_models, sample_records

D1, D2 = dt.date(2026, 12, 1), dt.date(2026, 12, 2)
FIRST = ("dist-northwind-acme-2023", "sla-northwind-hollis-crane-2026")
LATER = "services-northwind-meridian-2025"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one(warehouse, sql, params=()):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def _night(day: dt.date) -> tuple[str, list[str]]:
    planned = nightly.plan(day)
    return planned.manifest, [nightly.extract_batch(b) for b in planned.batches]


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """Night 1 loads and publishes cleanly; night 2 brings a new contract whose extraction is corrupted."""
    mp = pytest.MonkeyPatch()
    home = tmp_path_factory.mktemp("gate-e2e")
    inbox = home / "inbox"
    inbox.mkdir()
    for stem in FIRST:
        src = next(PORTFOLIO.glob(f"{stem}.*"))
        shutil.copy(src, inbox / src.name)
    mp.setenv("MILESTONES_DATA", str(home / "data"))
    mp.setenv("MILESTONES_INBOX", str(inbox))
    mp.delenv("MILESTONES_WAREHOUSE", raising=False)
    paths = get_paths()
    manifest, outputs = _night(D1)
    failed = quality.gate_extraction(outputs)
    assert failed == {}
    nightly.load(manifest, outputs, failed)
    run_models(paths.warehouse, D1, "models__d1", paths.published)
    published_before = _sha(paths.published)
    # night 2: a new contract arrives; its extraction output is corrupted before the gate sees it
    src = next(PORTFOLIO.glob(f"{LATER}.*"))
    shutil.copy(src, inbox / src.name)
    manifest2, outputs2 = _night(D2)
    assert len(outputs2) == 1
    lines = [json.loads(line) for line in Path(outputs2[0]).read_text().splitlines()]
    bad = next(r for r in lines if r["contract_id"] == LATER)
    bad["extracted_milestones"][0]["due_date"] = "1850-03-01"
    bad["extracted_milestones"][1]["confidence"] = 7
    Path(outputs2[0]).write_text("".join(json.dumps(r) + "\n" for r in lines))
    failed2 = quality.gate_extraction(outputs2)
    nightly.load(manifest2, outputs2, failed2)
    gate_error = None
    try:  # what register_models does next (its 06:00 run, or a backfill of D2)
        run_models(paths.warehouse, D2, "models__d2", paths.published)
    except quality.QualityGateError as exc:
        gate_error = exc
    yield {"paths": paths, "failed": failed2, "published_before": published_before, "gate_error": gate_error}
    mp.undo()


def test_bad_extraction_is_stopped_quarantined_and_nothing_is_published_or_sent(pipeline):
    paths = pipeline["paths"]
    # the GX gate failed the batch, naming both problems
    (reason,) = pipeline["failed"].values()
    assert reason.startswith("gx_extraction_failed")
    assert "confidence" in reason and "max_value=1.0" in reason and "[7.0]" in reason
    assert "due_date_days_from_1970" in reason
    # the batch is in quarantine with that reason, and its contract was not loaded
    q = _one(paths.warehouse, "select stage, reason, message, contract_id from raw.quarantine where run_id = ?",
             [nightly.run_id_for(D2)])  # fmt: skip
    assert q and all(r[0] == "gate" and r[1] == "gx_extraction_failed" for r in q)
    assert LATER in {r[3] for r in q} and "confidence" in q[0][2]
    assert _one(paths.warehouse, "select count(*) from raw.milestones where contract_id = ?", [LATER])[0][0] == 0
    assert _one(paths.warehouse, "select status from raw.extraction_runs where run_id = ?",
                [nightly.run_id_for(D2)]) == [("gate_failed",)]  # fmt: skip
    # register_models stopped at its register gate: nothing published, nothing for the fan-out
    assert isinstance(pipeline["gate_error"], quality.QualityGateError)
    assert "latest_run_status" in str(pipeline["gate_error"])
    assert _sha(paths.published) == pipeline["published_before"]
    assert not (paths.published.parent / "history" / f"as_of={D2}").exists()
    assert _one(paths.warehouse, "select count(*) from raw.outbox")[0][0] == 0
    assert _one(paths.warehouse, "select status, message like 'gx_register_failed%' from raw.model_runs "
                "where run_id = 'models__d2'") == [("failed", True)]  # fmt: skip
    assert _one(paths.warehouse, "select reason from raw.quarantine where run_id = 'models__d2'") == [("gx_register_failed",)]


def test_every_outcome_is_recorded_and_queryable(pipeline):
    wh = pipeline["paths"].warehouse
    rows = _one(wh, "select suite, severity, success, observed from raw.quality_results where run_id = ?",
                [nightly.run_id_for(D2)])  # fmt: skip
    failed = [(s, sev, obs) for s, sev, ok, obs in rows if not ok]
    assert {s for s, *_ in rows} == {"extraction__plausibility"}
    assert any(sev == "critical" and "[7.0]" in (obs or "") for _, sev, obs in failed)
    assert any(ok for _, _, ok, _ in rows)  # passes are stored too
    # night 1: the extraction, register and marts gates all passed and were stored
    suites = {r[0] for r in _one(wh, "select distinct suite from raw.quality_results where success")}
    assert {"extraction__plausibility", "register__integrity", "fct_obligations__plausibility", "marts__consistency"} <= suites
    # Data Docs were built
    index = quality.docs_index()
    assert index.exists() and "extraction__plausibility" in "".join(
        p.name for p in (index.parent / "validations").rglob("*")
    ) or (index.parent / "expectations" / "extraction__plausibility.html").exists()


def test_extraction_suite_on_hand_made_rows():
    """Hard negatives one at a time (rows derived from a real extraction record)."""
    (rec,) = sample_records(("license-northwind-nightjar-2026",))
    good = quality.validate_frame("extraction", quality.extraction_frame([rec]))
    assert good.success, good.critical

    def fails_with(mutate, needle):
        r = json.loads(json.dumps(rec))
        mutate(r["extracted_milestones"][0], r)
        res = quality.validate_frame("extraction", quality.extraction_frame([r]))
        assert not res.success and any(needle in c for c in res.critical), res.critical

    fails_with(lambda m, r: m.update(source_text=""), "source_text")
    fails_with(lambda m, r: m.update(source_text=None), "source_text")
    fails_with(lambda m, r: m.update(due_date="2027-02-30"), "due_date_parseable")
    fails_with(lambda m, r: m.update(due_date="2262-01-01"), "due_date_days_from_1970")
    fails_with(lambda m, r: m.update(confidence=-0.1), "confidence")
    fails_with(lambda m, r: m.update(confidence="high"), "confidence")
    fails_with(lambda m, r: m.update(obligation_type="party"), "obligation_type")
    fails_with(lambda m, r: m.pop("source_span"), "schema_problems")
    fails_with(lambda m, r: r.update(key_dates=None), "schema_problems")


def test_warnings_do_not_stop_a_batch():
    """A due date far outside the contract's term is suspicious but plausible: a warning, recorded."""
    (rec,) = sample_records(("license-northwind-nightjar-2026",))
    for m in rec["extracted_milestones"]:
        m["due_date"] = "2040-01-01"
    res = quality.validate_frame("extraction", quality.extraction_frame([rec], {rec["contract_id"]: 1}))
    assert res.success
    assert any("due_within_term_window" in w for w in res.warnings)
    assert any("count_ratio_vs_last_run" in w for w in res.warnings)


def test_register_gate_catches_a_mass_soft_delete(tmp_path):
    wh = tmp_path / "w.duckdb"
    recs = sample_records(("dist-northwind-acme-2023", "sla-northwind-hollis-crane-2026", "license-northwind-nightjar-2026"))
    with register.open_register(wh) as con:
        register.start_run(con, "n1", D1, "t", None)
        register.load_extractions(con, "n1", recs)
        register.finish_run(con, "n1", "loaded")
        assert all(r.success for r in quality.gate_register(D1, con=con))
        register.start_run(con, "n2", D2, "t", None)
        register.soft_delete_missing(con, "n2", [recs[0]["contract_id"]], "folder")  # the inbox mount vanished
        register.finish_run(con, "n2", "loaded")
        results = quality.gate_register(D2, con=con)
    failed = [c for r in results for c in r.critical]
    assert any("soft_deleted_share_latest_run" in c for c in failed)
    # as of the day before, the register was fine (the gate looks at the latest load on or before as_of)
    with register.open_register(wh) as con:
        assert all(r.success for r in quality.gate_register(D1, con=con))


def test_marts_gate_refuses_marts_of_another_date(pipeline):
    wh = pipeline["paths"].warehouse
    with register.open_register(wh) as con:
        ok = quality.gate_marts(D1, con=con)
        wrong = quality.gate_marts(D2, con=con)
    assert all(r.success for r in ok), [r.critical for r in ok]
    consistency = next(r for r in wrong if r.suite == "marts__consistency")
    assert not consistency.success and "as_of_matches_run" in consistency.critical[0]


def test_data_docs_keep_the_newest_results_only(tmp_path, monkeypatch):
    """GX re-renders every stored result on each docs build: the store is bounded (raw.quality_results keeps
    every outcome), and a pruned result's page leaves the site with it."""
    monkeypatch.setenv("MILESTONES_DATA", str(tmp_path))
    monkeypatch.setenv("MILESTONES_GX_DOCS_KEEP", "3")
    context = quality._context()
    frame = quality.extraction_frame(sample_records(("license-northwind-nightjar-2026",)))
    for i in range(5):
        quality.validate_frame("extraction", frame, batch=f"b{i}", context=context)
    keys = sorted(context.validation_results_store.list_keys(), key=lambda k: str(k.run_id.run_time))
    assert len(keys) == 5
    quality.build_docs(context)
    pages = list((quality.docs_dir() / "validations").rglob("*.html"))
    assert len(pages) == 3
    kept = sorted(context.validation_results_store.list_keys(), key=lambda k: str(k.run_id.run_time))
    assert [str(k) for k in kept] == [str(k) for k in keys[2:]]  # the three newest
    assert quality.prune_results(context) == 0  # already within the bound
