"""Completion evidence in the register: folder convention, judging, quarantine, and the nightly load step.

Fixtures: the committed sample contract msa-northwind-alder-creek-2024.pdf (synthetic development data; its
insurance clause asks for $1,000,000 per occurrence / $2,000,000 aggregate; term ends 2027-04-23, renewing
yearly) extracted as of 2026-12-01 and loaded with the real loader; certificates and reports written by
extractors.samples.evidence into temp folders.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.plugins.review.helpers import AS_OF, PORTFOLIO, RUN_ID, extract_records, load

CONTRACT = "msa-northwind-alder-creek-2024"
TERM_END = dt.date(2027, 4, 23)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.plugins.register_helpers import seed_business_calendar

    wh = tmp_path_factory.mktemp("evidence-base") / "warehouse.duckdb"
    seed_business_calendar(wh, AS_OF.year - 4, AS_OF.year + 3)
    load(wh, extract_records((f"{CONTRACT}.pdf",)))
    return wh


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from extractors.samples.evidence import write_fixtures

    return write_fixtures(tmp_path_factory.mktemp("evidence-fixtures"), TERM_END, AS_OF)


@pytest.fixture
def env(tmp_path: Path, base: Path) -> dict[str, Path]:
    wh = tmp_path / "data" / "warehouse.duckdb"
    wh.parent.mkdir()
    shutil.copy(base, wh)
    inbox = tmp_path / "inbox"
    (inbox / "evidence").mkdir(parents=True)
    return {"warehouse": wh, "inbox": inbox, "evidence": inbox / "evidence"}


def _scan(env: dict[str, Path], run_id: str = RUN_ID) -> dict[str, Any]:
    from milestones.evidence import scan_for_run
    from milestones.register import open_register

    with open_register(env["warehouse"]) as con:
        return scan_for_run(con, run_id, AS_OF, env["inbox"], env["warehouse"]).to_dict()


def _q(wh: Path, sql: str, params: list[Any] | None = None) -> list[tuple]:
    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _insurance(wh: Path) -> tuple[str, str | None]:
    rows = _q(wh, "select e.evidence_status, e.reason from raw.obligation_evidence e join raw.milestones m "
                  "using (milestone_id) where m.contract_id = ? and m.obligation_type = 'insurance'", [CONTRACT])  # fmt: skip
    assert len(rows) == 1, rows
    return rows[0]


def _drop(env: dict[str, Path], src: Path, folder: str = "insurance") -> Path:
    dest = env["evidence"] / CONTRACT / folder / src.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(src, dest)
    return dest


def test_without_evidence_the_insurance_obligation_is_missing(env: dict[str, Path]) -> None:
    summary = _scan(env)
    assert _insurance(env["warehouse"]) == ("evidence_missing", "no insurance certificate attached")
    assert summary["statuses"].get("evidence_missing", 0) >= 1 and summary["files"] == 0


def test_certificate_expiring_before_term_end_is_insufficient(env: dict[str, Path], certs: dict[str, Path]) -> None:
    _drop(env, certs["certificate_expires_early.pdf"])
    _scan(env)
    status, reason = _insurance(env["warehouse"])
    assert status == "evidence_insufficient"
    assert reason == ("certificate_expires_early.pdf: general liability coverage expires 2027-01-31, before the "
                      "contract term ends 2027-04-23")  # fmt: skip


def test_sufficient_certificate_is_ok_and_facts_are_stored(env: dict[str, Path], certs: dict[str, Path]) -> None:
    dest = _drop(env, certs["certificate_ok.pdf"])
    _scan(env)
    assert _insurance(env["warehouse"]) == ("evidence_ok", None)
    (h, facts, status, source), = _q(env["warehouse"], "select content_hash, facts, status, source "
                                                       "from raw.evidence_documents")  # fmt: skip
    import hashlib

    assert h == hashlib.sha256(dest.read_bytes()).hexdigest() and (status, source) == ("read", "folder")
    gl = next(p for p in json.loads(facts)["policies"] if p["coverage"] == "general_liability")
    assert gl == {"coverage": "general_liability", "insurer": "Harbor Mutual Insurance Company",
                  "policy_number": "CGL-0042-2026", "each_occurrence": "1000000", "aggregate": "2000000",
                  "effective_date": "2026-05-01", "expiration_date": "2027-05-31"}  # fmt: skip
    # the requirement came from the contract itself, and the judgement is in the audit trail
    (req,), = _q(env["warehouse"], "select required from raw.obligation_evidence where evidence_status = 'evidence_ok'")
    required = json.loads(req)
    assert required["required_through"] == "2027-04-23"
    assert {"coverage": "general_liability", "each_occurrence": "1000000.00", "aggregate": "2000000.00"}.items() <= \
        required["requirements"][0].items()
    audits = _q(env["warehouse"], "select count(*) from raw.audit_log where action = 'evidence'")[0][0]
    assert audits >= 1
    # the same date again rewrites nothing and audits nothing
    stamp = _q(env["warehouse"], "select list(assessed_at order by milestone_id) from raw.obligation_evidence")
    _scan(env)
    assert _q(env["warehouse"], "select list(assessed_at order by milestone_id) from raw.obligation_evidence") == stamp
    assert _q(env["warehouse"], "select count(*) from raw.audit_log where action = 'evidence'")[0][0] == audits


def test_limit_below_contract_minimum_is_insufficient(env: dict[str, Path], certs: dict[str, Path]) -> None:
    _drop(env, certs["certificate_low_limit.pdf"])
    _scan(env)
    status, reason = _insurance(env["warehouse"])
    assert status == "evidence_insufficient"
    assert "each-occurrence limit $500,000 is below the contract minimum $1,000,000" in reason


def test_broken_file_is_quarantined_and_kept(env: dict[str, Path], certs: dict[str, Path]) -> None:
    dest = _drop(env, certs["certificate_broken.pdf"])
    before = dest.read_bytes()
    summary = _scan(env)
    assert summary["quarantined"] == 1
    (stage, reason, message, path), = _q(env["warehouse"], "select stage, reason, message, source_path "
                                                          "from raw.quarantine")  # fmt: skip
    assert (stage, reason, path) == ("evidence", "pdf_corrupt", str(dest)) and "truncated" in message
    assert dest.read_bytes() == before  # not moved, not changed
    status, why = _insurance(env["warehouse"])
    assert status == "evidence_insufficient" and "certificate_broken.pdf could not be read and is quarantined" in why
    # next night: same bytes are not read or quarantined again
    again = _scan(env, "nightly__2026-12-02")
    assert (again["quarantined"], again["cached"]) == (0, 1)
    assert _q(env["warehouse"], "select count(*) from raw.quarantine")[0][0] == 1
    # a good certificate beside it makes the obligation ok
    _drop(env, certs["certificate_ok.pdf"])
    _scan(env, "nightly__2026-12-03")
    assert _insurance(env["warehouse"])[0] == "evidence_ok"


def test_file_removed_is_marked_gone_and_status_falls_back(env: dict[str, Path], certs: dict[str, Path]) -> None:
    dest = _drop(env, certs["certificate_ok.pdf"])
    _scan(env)
    dest.unlink()
    summary = _scan(env, "nightly__2026-12-02")
    assert summary["gone"] == 1
    assert _q(env["warehouse"], "select status from raw.evidence_documents") == [("gone",)]
    assert _insurance(env["warehouse"])[0] == "evidence_missing"


def test_file_in_contract_folder_is_routed_by_kind_and_unknown_folders_are_quarantined(
    env: dict[str, Path], certs: dict[str, Path]
) -> None:
    (env["evidence"] / CONTRACT).mkdir(parents=True)
    shutil.copy(certs["certificate_ok.pdf"], env["evidence"] / CONTRACT / "cert.pdf")
    stray = env["evidence"] / "no-such-contract" / "insurance"
    stray.mkdir(parents=True)
    shutil.copy(certs["certificate_ok.pdf"], stray / "cert.pdf")
    summary = _scan(env)
    assert _insurance(env["warehouse"])[0] == "evidence_ok"
    assert summary["quarantined"] == 1
    assert _q(env["warehouse"], "select reason from raw.quarantine") == [("unknown_contract",)]


def test_report_attached_to_a_milestone_folder(env: dict[str, Path], certs: dict[str, Path]) -> None:
    mid, = _q(env["warehouse"], "select milestone_id from raw.milestones where contract_id = ? "
                               "and obligation_type = 'insurance'", [CONTRACT])[0]  # fmt: skip
    _drop(env, certs["status_report_q3.pdf"], mid)
    _scan(env)
    assert _insurance(env["warehouse"]) == ("evidence_insufficient",
                                            "status_report_q3.pdf is not a certificate of insurance")


def test_plan_does_not_read_evidence_as_contracts(tmp_path: Path, certs: dict[str, Path],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from milestones.nightly import plan

    monkeypatch.setenv("MILESTONES_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("MILESTONES_EVIDENCE", raising=False)
    inbox = tmp_path / "inbox"
    (inbox / "evidence" / CONTRACT / "insurance").mkdir(parents=True)
    shutil.copy(PORTFOLIO / f"{CONTRACT}.pdf", inbox / f"{CONTRACT}.pdf")
    shutil.copy(certs["certificate_ok.pdf"], inbox / "evidence" / CONTRACT / "insurance" / "cert.pdf")
    result = plan(AS_OF, inbox=inbox, warehouse=tmp_path / "data" / "warehouse.duckdb")
    manifest = json.loads(Path(result.manifest).read_text())
    assert manifest["seen"] == 1 and manifest["present"] == [CONTRACT]


def test_nightly_load_runs_the_evidence_scan(tmp_path: Path, certs: dict[str, Path],
                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """plan -> extract -> load on one contract with a certificate in the inbox's evidence folder."""
    from milestones.nightly import extract_batch, load, plan

    from tests.plugins.register_helpers import seed_business_calendar

    monkeypatch.setenv("MILESTONES_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("MILESTONES_EVIDENCE", raising=False)
    inbox = tmp_path / "inbox"
    (inbox / "evidence" / CONTRACT / "insurance").mkdir(parents=True)
    shutil.copy(PORTFOLIO / f"{CONTRACT}.pdf", inbox / f"{CONTRACT}.pdf")
    shutil.copy(certs["certificate_expires_early.pdf"], inbox / "evidence" / CONTRACT / "insurance" / "cert.pdf")
    wh = tmp_path / "data" / "warehouse.duckdb"
    wh.parent.mkdir(parents=True)
    seed_business_calendar(wh, AS_OF.year - 6, AS_OF.year + 6)
    result = plan(AS_OF, inbox=inbox, warehouse=wh)
    outputs = [extract_batch(b) for b in result.batches]
    summary = load(result.manifest, outputs).to_dict()
    assert summary["evidence"]["files"] == 1 and summary["evidence"]["statuses"]["evidence_insufficient"] == 1
    assert _insurance(wh)[0] == "evidence_insufficient"


@pytest.mark.slow
def test_mart_obligation_evidence_builds_with_its_contract(env: dict[str, Path], certs: dict[str, Path]) -> None:
    """dbt build +mart_obligation_evidence on the judged register: enforced contract, data tests green, and
    the mart carries the status and reason the scan stored."""
    from tests.dbt.warehouse_helpers import dbt

    _drop(env, certs["certificate_low_limit.pdf"])
    _scan(env)
    # cautious: only tests whose every parent is selected (not other marts' relationship tests)
    res = dbt(env["warehouse"], "build", "--select", "+mart_obligation_evidence", "--resource-type", "seed", "model",
              "test", "--indirect-selection", "cautious")  # fmt: skip
    assert res.returncode == 0, res.stdout[-4000:]
    rows = _q(env["warehouse"], "select obligation_type, evidence_status, evidence_reason, evidence_file_name, "
                                "is_evidence_ok from marts.mart_obligation_evidence where obligation_type = 'insurance'")
    assert len(rows) == 1
    kind, status, reason, file_name, ok = rows[0]
    assert (kind, status, file_name, ok) == ("insurance", "evidence_insufficient", "certificate_low_limit.pdf", False)
    assert "below the contract minimum" in reason


def test_type_folder_proves_the_dated_duties_of_that_type(env: dict[str, Path], certs: dict[str, Path]) -> None:
    _drop(env, certs["audit_report_2025.pdf"], "audit")
    _scan(env)
    audits = _q(env["warehouse"], "select m.milestone_id, m.due_date is not null or m.recurrence is not null, "
                                  "coalesce(json_array_length(e.evidence_ids), 0) from raw.milestones m left join "
                                  "raw.obligation_evidence e using (milestone_id) where m.contract_id = ? and "
                                  "m.obligation_type = 'audit' and m.lifecycle_status <> 'removed'", [CONTRACT])  # fmt: skip
    assert audits, "the sample contract has audit duties"
    any_dated = any(dated for _, dated, _ in audits)
    assert {mid: n for mid, _, n in audits} == {mid: int(dated or not any_dated) for mid, dated, _ in audits}
