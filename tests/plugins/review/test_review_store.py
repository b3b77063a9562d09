"""DuckDB's one-writer rule: while another process (the nightly writer) holds the warehouse, decisions get a
clear 503 and change nothing, reads fall back to the published copy, extraction audit rows are spooled and
written by the next successful write. The holder is a real second process."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from .helpers import SAMPLE_TEXT, bearer, query


@pytest.fixture
def holder(warehouse: Path):
    """A process holding a read-write connection to the warehouse, like a running nightly task."""
    script = textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(warehouse)!r})
        print("locked", flush=True)
        sys.stdin.readline()
        con.close()
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"

    def release() -> None:
        if proc.poll() is None:
            proc.stdin.write("\n")
            proc.stdin.flush()
            proc.wait(10)

    yield release
    release()


def _publish(warehouse: Path) -> Path:
    published = warehouse.parent / "published" / "warehouse.duckdb"
    published.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(warehouse, published)
    return published


def test_decision_while_the_writer_holds_the_file_is_503_and_changes_nothing(warehouse, make_config, holder):
    from fastapi.testclient import TestClient
    from milestones.review.app import create_app

    _publish(warehouse)
    holder_release = holder
    cfg = make_config(warehouse, MILESTONES_REVIEW_LOCK_RETRIES="3", MILESTONES_REVIEW_LOCK_BACKOFF_S="0.05")
    with TestClient(create_app(cfg)) as c:
        queue = c.get("/api/v1/review-queue", headers=bearer("viewer"))
        assert queue.status_code == 200 and queue.json()["snapshot"]["source"] == "published"
        assert "writer" in queue.json()["snapshot"]["note"]
        mid = queue.json()["items"][0]["milestone_id"]
        started = time.perf_counter()
        r = c.post(f"/api/v1/milestones/{mid}/decision", headers=bearer("reviewer"), json={"decision": "approve"})
        assert r.status_code == 503 and "warehouse busy" in r.json()["detail"] and r.headers["Retry-After"] == "30"
        assert time.perf_counter() - started < 5
        page = c.get("/queue", headers=bearer("viewer") | {"Accept": "text/html"})
        assert page.status_code == 200 and "Showing the published copy" in page.text
        # an extraction still answers; its audit row waits in the spool
        x = c.post("/api/v1/extract-milestones", headers=bearer("viewer"),
                   json={"contract_id": "SPOOL-1", "source_text": SAMPLE_TEXT, "as_of": "2026-12-01"})  # fmt: skip
        assert x.status_code == 200 and x.headers["X-Audit"] == "spooled"
        assert cfg.audit_spool.exists()
        holder_release()
        assert query(warehouse, "select review_status from raw.milestones where milestone_id = ?", [mid])[0][
            "review_status"] == "pending"  # fmt: skip
        assert query(warehouse, "select count(*) as n from raw.audit_log where action = 'suggest'")[0]["n"] == 0
        # the writer is gone: the same decision goes through and the spooled audit row is written first
        r = c.post(f"/api/v1/milestones/{mid}/decision", headers=bearer("reviewer"), json={"decision": "approve"})
        assert r.status_code == 200
        assert c.get("/api/v1/review-queue", headers=bearer("viewer")).json()["snapshot"]["source"] == "warehouse"
    rows = query(warehouse, "select action, entity_id, after from raw.audit_log where action in ('suggest', 'decision') "
                            "order by audit_id")  # fmt: skip
    assert [(r["action"], r["entity_id"]) for r in rows] == [("suggest", "SPOOL-1"), ("decision", mid)]
    assert not cfg.audit_spool.exists()


def test_no_published_copy_and_a_busy_warehouse_is_503(warehouse, make_config, holder):
    from fastapi.testclient import TestClient
    from milestones.review.app import create_app

    with TestClient(create_app(make_config(warehouse))) as c:
        r = c.get("/api/v1/review-queue", headers=bearer("viewer"))
        assert r.status_code == 503 and "retry" in r.json()["detail"]


def test_missing_warehouse_is_503_with_what_to_do(tmp_path, make_config):
    from fastapi.testclient import TestClient
    from milestones.review.app import create_app

    with TestClient(create_app(make_config(tmp_path / "none" / "warehouse.duckdb"))) as c:
        r = c.get("/api/v1/review-queue", headers=bearer("viewer"))
        assert r.status_code == 503 and "make demo" in r.json()["detail"]
        r = c.post("/api/v1/milestones/x/decision", headers=bearer("reviewer"), json={"decision": "approve"})
        assert r.status_code == 503
    assert not (tmp_path / "none" / "warehouse.duckdb").exists()  # the app never creates a warehouse


def test_read_from_published_never_opens_the_warehouse(warehouse, make_config, holder):
    from fastapi.testclient import TestClient
    from milestones.review.app import create_app

    _publish(warehouse)
    with TestClient(create_app(make_config(warehouse, MILESTONES_REVIEW_READ_FROM="published"))) as c:
        body = c.get("/api/v1/review-queue", headers=bearer("viewer")).json()
        assert body["snapshot"]["source"] == "published" and body["snapshot"]["note"] is None
