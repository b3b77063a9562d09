"""Publishing the warehouse for analysts (plugins/milestones/publish.py): a reader holding the published copy
never blocks the pipeline and keeps its snapshot; new connections see the new data; the copy is in DuckDB
1.5 storage format; marts of mixed dates are never published. Registers are loaded from real extractions of
sample contracts (development fixtures, see tests/dbt/warehouse_helpers.py)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import duckdb
import pytest
from milestones import publish

from tests.dbt.warehouse_helpers import load_register, ordered_export, run_models, sample_records

D1, D2 = dt.date(2026, 12, 1), dt.date(2026, 12, 2)
FIRST = ("license-northwind-nightjar-2026", "sla-northwind-hollis-crane-2026")
LATER = ("services-northwind-meridian-2025",)

READER = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    count = lambda: con.execute("select count(*) from marts.dim_contracts").fetchall()[0][0]
    print(count(), flush=True)
    sys.stdin.readline()          # hold the connection until the pipeline has finished
    print(count(), flush=True)
    """
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("publish")
    warehouse, published = root / "warehouse.duckdb", root / "published" / "warehouse.duckdb"
    load_register(warehouse, sample_records(FIRST), D1)
    run_models(warehouse, D1, "models__d1", published, dbt_tests=False)
    return warehouse, published


def _contracts(path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select count(*) from marts.dim_contracts").fetchall()[0][0]


def test_reader_keeps_its_snapshot_while_the_pipeline_publishes_then_sees_new_data(site):
    warehouse, published = site
    reader = subprocess.Popen([sys.executable, "-c", READER, str(published)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert reader.stdout.readline().strip() == "2"
        # the next night: a new contract is loaded, the marts are rebuilt and published — while the reader holds on
        load_register(warehouse, sample_records(FIRST + LATER), D2)
        run_models(warehouse, D2, "models__d2", published, dbt_tests=False)
        out, _ = reader.communicate("go\n", timeout=60)
        assert out.strip() == "2"  # its snapshot did not change under it
        assert reader.returncode == 0
    finally:
        reader.kill()
    assert _contracts(published) == 3  # a new connection sees the new data
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select distinct as_of_date from marts.fct_obligations").fetchall() == [(D2,)]
        assert con.execute("select status from raw.model_runs where run_id = 'models__d2'").fetchall() == [("published",)]


def test_published_copy_is_in_duckdb_1_5_format_with_a_history_per_date(site):
    warehouse, published = site
    con = duckdb.connect()
    con.execute(f"attach '{published}' as pub (read_only)")
    tags = dict(con.execute("select database_name, tags from duckdb_databases() where database_name = 'pub'").fetchall())
    assert tags["pub"]["storage_version"] == "v1.5.0+"
    history = published.parent / "history"
    folders = sorted(p.name for p in history.iterdir())
    assert folders[:2] == [f"as_of={D1}", f"as_of={D2}"] or folders == [f"as_of={D1}"]
    rows = con.execute(
        f"select as_of, count(*) from read_parquet('{history}/*/fct_obligations.parquet', hive_partitioning = true) "
        "group by 1 order by 1"
    ).fetchall()
    assert rows and all(n > 0 for _, n in rows)
    con.close()


def test_marts_of_another_date_are_never_published(site, tmp_path):
    warehouse, published = site
    before = published.read_bytes()
    current = ordered_export(warehouse)
    built_for = duckdb.connect(str(warehouse), read_only=True)
    (as_of,) = built_for.execute("select distinct as_of_date from marts.fct_obligations").fetchall()[0]
    built_for.close()
    other = as_of - dt.timedelta(days=1)
    with pytest.raises(publish.PublishConflict, match=f"not publishing marts for {other}"):
        publish.publish_warehouse(warehouse, published, as_of=other, run_id="conflicting")
    assert published.read_bytes() == before
    assert not (published.parent / "history" / f"as_of={other}.tmp").exists()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select status from raw.model_runs where run_id = 'conflicting'").fetchall() == [("failed",)]
    assert ordered_export(warehouse) == current


def test_runs_take_turns_in_registration_order(tmp_path):
    """Two register_models runs (say a backfill and the 06:00 run): the later one waits until the earlier
    has published or failed; a run that died long ago does not block anyone."""
    wh = tmp_path / "w.duckdb"
    publish.begin_model_run(wh, "backfill__a", D1, "backfill")
    publish.begin_model_run(wh, "scheduled__b", D2, "scheduled")
    assert publish.runs_ahead(wh, "backfill__a") == []
    assert publish.runs_ahead(wh, "scheduled__b") == ["backfill__a"]
    assert publish.finish_model_run(wh, "backfill__a") == "failed"  # the teardown of a run that never published
    assert publish.runs_ahead(wh, "scheduled__b") == []
    # a re-run (cleared run) registers again and queues behind runs registered since
    publish.begin_model_run(wh, "backfill__a", D1, "backfill")
    assert publish.runs_ahead(wh, "backfill__a") == ["scheduled__b"]
    with duckdb.connect(str(wh)) as con:
        con.execute("update raw.model_runs set started_at = started_at - interval 4 hour where run_id = 'scheduled__b'")
    assert publish.runs_ahead(wh, "backfill__a") == []
    with pytest.raises(ValueError, match="begin_model_run first"):
        publish.runs_ahead(wh, "unknown")
