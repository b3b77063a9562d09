"""The register (plugins/milestones/register.py): merge semantics, audit trail, transactions, bad input,
migrations on an existing warehouse. Real DuckDB files in tmp_path; records are real extractions of sample
contracts (tests/dbt/warehouse_helpers.py; development fixtures) or small hand-written records marked as such."""

from __future__ import annotations

import copy
import datetime as dt
import json

import duckdb
import pytest
from milestones import migrations, register
from milestones.register import load_extractions, open_register, soft_delete_missing, transaction

from tests.dbt.warehouse_helpers import sample_records

AS_OF = dt.date(2026, 12, 1)


def _load(path, records, run_id="r1"):
    with open_register(path) as con, transaction(con):
        register.start_run(con, run_id, AS_OF, "test", None)
        return load_extractions(con, run_id, records)


def _rows(path, sql, params=()):
    with open_register(path) as con:
        return con.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="module")
def records():
    return sample_records(("dist-northwind-acme-2023", "msa-northwind-indigo-bay-2025", "sla-northwind-hollis-crane-2026"))


def test_first_load_inserts_everything_with_an_audit_row_each(tmp_path, records):
    wh = tmp_path / "w.duckdb"
    stats = _load(wh, copy.deepcopy(records))
    n = sum(len(r["extracted_milestones"]) for r in records)
    assert stats.milestones_inserted == n and stats.contracts == 3
    assert _rows(wh, "select count(*) from raw.milestones")[0][0] == n
    audited = _rows(wh, "select count(distinct entity_id) from raw.audit_log where entity = 'milestone' and action = 'insert'")
    assert audited[0][0] == n
    assert _rows(wh, "select count(*) from raw.audit_log where entity = 'contract' and action = 'insert'")[0][0] == 3
    assert _rows(wh, "select count(*) from raw.evidence")[0][0] == n
    # documents carry hash, source, pages and mime
    docs = _rows(wh, "select document_id, path, pages, mime from raw.documents order by 1")
    assert all(len(d[0]) == 64 and d[1].endswith(".txt") and d[2] >= 1 and d[3] == "text/plain" for d in docs)


def test_reload_unchanged_changes_nothing(tmp_path, records):
    wh = tmp_path / "w.duckdb"
    _load(wh, copy.deepcopy(records))
    before = _rows(wh, "select count(*) from raw.audit_log")[0][0]
    stats = _load(wh, copy.deepcopy(records), "r2")
    assert stats.milestones_inserted == stats.milestones_updated == stats.milestones_removed == 0
    assert stats.milestones_unchanged == sum(len(r["extracted_milestones"]) for r in records)
    assert _rows(wh, "select count(*) from raw.audit_log")[0][0] == before
    assert _rows(wh, "select distinct last_seen_run from raw.milestones") == [("r2",)]


def test_reviewer_edit_survives_reextraction_with_audit_rows_for_both(tmp_path, records):
    wh = tmp_path / "w.duckdb"
    _load(wh, copy.deepcopy(records))
    mid, machine_due = _rows(
        wh, "select milestone_id, due_date from raw.milestones where due_date is not null order by milestone_id limit 1"
    )[0]
    human_due = dt.date(2027, 6, 30)
    # the reviewer's edit, as the review app writes it: the value, human_fields, status, a decision, an audit row
    with open_register(wh) as con, transaction(con):
        con.execute(
            "update raw.milestones set due_date = ?, human_fields = ?, review_status = 'edited' where milestone_id = ?",
            [human_due, json.dumps({"due_date": human_due.isoformat()}), mid],
        )
        register.audit(con, "reviewer@example.com", "decision", "milestone", mid, None,
                       {"due_date": machine_due}, {"due_date": human_due})  # fmt: skip
    # re-extraction proposes yet another date for that milestone
    changed = copy.deepcopy(records)
    moved = None
    for rec in changed:
        for m in rec["extracted_milestones"]:
            if register.milestone_key(rec["contract_id"], m["source_text"], _part(rec, m)) == mid:
                moved = machine_due + dt.timedelta(days=3)
                m["due_date"] = moved.isoformat()
    assert moved is not None
    stats = _load(wh, changed, "r2")
    due, status, proposal = _rows(wh, "select due_date, review_status, machine_proposal from raw.milestones where milestone_id = ?", [mid])[0]
    assert due == human_due  # the human value survives
    assert status == "rereview" and json.loads(proposal) == {"due_date": moved.isoformat()}
    assert stats.rereview == 1
    trail = _rows(wh, "select actor, action, run_id from raw.audit_log where entity_id = ? order by audit_id", [mid])
    assert [t[1] for t in trail] == ["insert", "decision", "machine_disagrees"]
    assert trail[0][0].startswith("extractor@") and trail[1][0] == "reviewer@example.com" and trail[2][2] == "r2"
    # the machine agreeing with itself again does not re-flag or re-audit
    _load(wh, changed, "r3")
    assert len(_rows(wh, "select 1 from raw.audit_log where entity_id = ?", [mid])) == 3


def _part(rec, m):
    same = [x for x in sorted(rec["extracted_milestones"], key=lambda x: (x["source_span"]["start"], x["milestone_name"]))
            if register._norm(x["source_text"]) == register._norm(m["source_text"])]  # fmt: skip
    return same.index(m)


def test_machine_changes_update_removed_milestones_are_kept_and_can_come_back(tmp_path, records):
    wh = tmp_path / "w.duckdb"
    _load(wh, copy.deepcopy(records))
    changed = copy.deepcopy(records)
    dropped = changed[0]["extracted_milestones"].pop()
    changed[1]["extracted_milestones"][0]["confidence"] = 0.111
    stats = _load(wh, changed, "r2")
    assert stats.milestones_removed == 1 and stats.milestones_updated == 1
    removed = _rows(wh, "select milestone_id from raw.milestones where lifecycle_status = 'removed'")
    assert len(removed) == 1
    assert _rows(wh, "select action from raw.audit_log where entity_id = ? order by audit_id", [removed[0][0]])[-1] == ("remove",)
    upd = _rows(wh, "select before, after from raw.audit_log where action = 'update' and entity = 'milestone'")
    assert json.loads(upd[0][1])["confidence"] == 0.111
    # the obligation re-appears in the next extraction: reopened, audited
    changed[0]["extracted_milestones"].append(dropped)
    _load(wh, changed, "r3")
    assert _rows(wh, "select lifecycle_status from raw.milestones where milestone_id = ?", [removed[0][0]]) == [("open",)]


def test_contract_missing_from_source_is_soft_deleted_and_comes_back(tmp_path, records):
    wh = tmp_path / "w.duckdb"
    _load(wh, copy.deepcopy(records))
    gone = records[2]["contract_id"]
    with open_register(wh) as con:
        assert soft_delete_missing(con, "r2", [r["contract_id"] for r in records[:2]], "folder") == 1
    assert _rows(wh, "select status from raw.contracts where contract_id = ?", [gone]) == [("deleted",)]
    assert _rows(wh, "select count(*) from raw.milestones where contract_id = ?", [gone])[0][0] > 0  # rows stay
    assert _rows(wh, "select action from raw.audit_log where entity_id = ? order by audit_id", [gone])[-1] == ("soft_delete",)
    _load(wh, copy.deepcopy(records), "r3")
    assert _rows(wh, "select status, deleted_at from raw.contracts where contract_id = ?", [gone]) == [("active", None)]


def test_load_is_one_transaction_or_joins_the_callers(tmp_path, records):
    wh = tmp_path / "w.duckdb"
    with open_register(wh) as con:
        with pytest.raises(RuntimeError, match="after the load"):
            with transaction(con):
                load_extractions(con, "r1", copy.deepcopy(records))
                raise RuntimeError("failure after the load")
        # rolled back as a whole: the load joined the caller's transaction instead of committing itself
        assert con.execute("select count(*) from raw.milestones").fetchall()[0][0] == 0
        assert con.execute("select count(*) from raw.audit_log").fetchall()[0][0] == 0
        load_extractions(con, "r1", copy.deepcopy(records))  # on its own it commits
    assert _rows(wh, "select count(*) from raw.contracts")[0][0] == 3


def test_bad_values_never_crash_a_load(tmp_path, records):
    """Records that bypassed the quality gate: the load goes through, bad values are stored empty and sent
    to review, and the warnings say which."""
    wh = tmp_path / "w.duckdb"
    bad = copy.deepcopy(records)
    m = bad[0]["extracted_milestones"][0]
    m["due_date"], m["confidence"], m["amount"] = "2027-13-45", 7, "lots"
    bad[1]["extracted_milestones"][0]["confidence"] = "high"
    duplicate = copy.deepcopy(bad[2])
    duplicate["title"] = "the later copy"
    stats = _load(wh, [*bad, duplicate, {"title": "no id"}, "not a record"])
    assert stats.contracts == 3
    text = " | ".join(stats.warnings)
    assert "'2027-13-45' is not a date" in text and "confidence 7 is outside [0, 1]" in text
    assert "'lots' is not a number" in text and "confidence 'high'" in text
    assert "sent twice in one load" in text and text.count("no contract_id") == 2
    mid = register.milestone_key(bad[0]["contract_id"], m["source_text"], _part(bad[0], m))
    row = _rows(wh, "select due_date, confidence, amount, needs_review, review_status from raw.milestones where milestone_id = ?", [mid])
    assert row == [(None, 0.0, None, True, "pending")]
    assert _rows(wh, "select title from raw.contracts where contract_id = ?", [duplicate["contract_id"]]) == [("the later copy",)]


def test_compound_clauses_get_stable_distinct_ids():
    """Hand-written: two obligations from one sentence (parts 0 and 1) keep their ids across reloads,
    whatever order the extractor lists them in."""
    sentence = "Supplier shall respond within 1 hour and resolve within 8 hours."
    a = {"milestone_name": "a", "source_text": sentence, "source_span": {"start": 10, "end": 60}}
    b = {"milestone_name": "b", "source_text": sentence, "source_span": {"start": 10, "end": 60}}
    first = [r["milestone_id"] for r in register._parts("c", [a, b], None, [])]
    second = [r["milestone_id"] for r in register._parts("c", [b, a], None, [])]
    assert len(set(first)) == 2 and first == second
    assert first[0] == register.milestone_key("c", "  SUPPLIER shall respond within 1 hour and\nresolve within 8 hours. ", 0)


def test_business_calendar_is_filled_in_bulk_and_idempotent(tmp_path):
    wh = tmp_path / "w.duckdb"
    with open_register(wh) as con:
        assert register.write_business_calendar(con, 2026, 2027) == 730
        assert register.write_business_calendar(con, 2026, 2027) == 0
        flags = dict(con.execute(
            "select calendar_date, is_business_day from raw.business_calendar where calendar_date between "
            "date '2026-12-24' and date '2026-12-28'").fetchall())  # fmt: skip
    assert flags == {dt.date(2026, 12, 24): True, dt.date(2026, 12, 25): False, dt.date(2026, 12, 26): False,
                     dt.date(2026, 12, 27): False, dt.date(2026, 12, 28): True}  # fmt: skip


def test_old_warehouse_gets_new_migrations_without_losing_data(tmp_path, monkeypatch, records):
    """A warehouse created before 01NN (only 0001 applied, with data) is upgraded in place on connect; a new
    migration that adds a column works the same way."""
    wh = tmp_path / "old.duckdb"
    core = (migrations.MIGRATIONS_DIR / "0001_register_core.sql").read_text()
    con = duckdb.connect(str(wh))
    con.execute(core)
    con.execute("create table main.schema_migrations (version integer primary key, name varchar, applied_at timestamp)")
    con.execute("insert into main.schema_migrations values (1, 'register_core', now())")
    con.execute("insert into raw.contracts (contract_id, source_system, status, updated_at) values ('old-1', 'folder', 'active', now())")
    con.close()
    stats = _load(wh, copy.deepcopy(records))  # connect() migrates first
    assert stats.milestones_inserted > 0
    versions = {r[0] for r in _rows(wh, "select version from main.schema_migrations")}
    assert {1, 100, 101} <= versions
    assert _rows(wh, "select count(*) from raw.contracts where contract_id = 'old-1'")[0][0] == 1
    assert _rows(wh, "select count(*) from raw.quality_results")[0][0] == 0
    # a later migration adding a column
    extra = tmp_path / "sql"
    extra.mkdir()
    for f in migrations.MIGRATIONS_DIR.glob("*.sql"):
        (extra / f.name).write_text(f.read_text())
    (extra / "0199_test_extra_column.sql").write_text("alter table raw.contracts add column region varchar;")
    monkeypatch.setattr(migrations, "MIGRATIONS_DIR", extra)
    with open_register(wh) as con:
        cols = [c[0] for c in con.execute("describe raw.contracts").fetchall()]
        kept = con.execute("select count(*) from raw.milestones").fetchall()[0][0]
    assert "region" in cols and kept == stats.milestones_inserted


@pytest.mark.parametrize("parties,want", [
    (["NORTHWIND TRADERS", "Acme Corp"], "Acme Corp"),  # case and legal form do not hide our own name
    (["Northwind Traders Inc", "Harborview Analytics, L.L.C."], "Harborview Analytics, L.L.C."),
    (["Northwind Health Services, LLC", "Lakeshore Clinic"], "Lakeshore Clinic"),
    (["Northwind Tradersville Ltd", "Northwind Traders, Inc."], "Northwind Tradersville Ltd"),  # a longer name is another company
    (["Northwind Traders, Inc."], None),
])  # fmt: skip
def test_counterparty_is_the_party_that_is_not_us(parties, want):
    ours = ("Northwind Traders, Inc.", "Northwind Health Services LLC")
    assert register._counterparty([{"name": n, "role": None} for n in parties], ours) == want
