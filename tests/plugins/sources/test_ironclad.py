"""Ironclad source against a fake Ironclad API on 127.0.0.1 (fake_ironclad.py: shapes from API_BRIEF.md §1):
pagination, watermark, resume after a failure at the third page, 401 → new token, 429 Retry-After, 5xx backoff,
timeouts, records without a signed copy, backlog checkpoints, single-record pulls, write-back."""

from __future__ import annotations

import pytest
from milestones.register import open_register
from milestones.sources import IroncladConfig, IroncladSource, RetryPolicy, SourceError, pull
from milestones.sources.sync import get_watermark

from tests.fakes.server import Fault

FAST = RetryPolicy(max_attempts=3, backoff_s=1.0, read_timeout_s=5.0, connect_timeout_s=2.0)


def _source(fake, sleeps, **kw) -> IroncladSource:
    cfg = dict(base_url=fake.base_url, client_id="client-1", client_secret="secret-1",
               as_user_email="clm-bot@example.com", page_size=2, policy=FAST)  # fmt: skip
    cfg.update(kw)
    return IroncladSource(IroncladConfig(**cfg), sleep=sleeps)


def _records(fake, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        fake.add_record(f"rec-{i:02d}", f"IC-{100 + i}", f"Contract {i}", f"2026-11-{1 + i:02d}T08:00:00Z",
                        b"%PDF-1.4 contract " + str(i).encode())  # fmt: skip


def _downloads(fake) -> list[str]:
    return [r["path"].split("/")[-3] for r in fake.requests_to("GET", r"/attachments/signedCopy$")]


def test_incremental_pull_lists_oldest_first_and_stages_every_signed_copy(ironclad, sleeps, warehouse, tmp_path):
    _records(ironclad, 7)
    res = pull(_source(ironclad, sleeps), warehouse, staging=tmp_path / "inbox")
    assert (res.pages, res.listed, res.downloaded, res.failed, res.error) == (4, 7, 7, 0, None)
    assert sorted(p.name for p in (tmp_path / "inbox").iterdir()) == [f"ironclad-IC-{100 + i}.pdf" for i in range(7)]
    assert (tmp_path / "inbox" / "ironclad-IC-103.pdf").read_bytes() == b"%PDF-1.4 contract 3"
    lists = ironclad.requests_to("GET", r"/records$")
    assert [r["query"]["page"] for r in lists] == ["0", "1", "2", "3"]
    assert all(r["query"]["sortField"] == "lastUpdated" and r["query"]["sortDirection"] == "ASC"
               and r["query"]["pageSize"] == "2" and "lastUpdated" not in r["query"] for r in lists)  # fmt: skip
    assert all(r["headers"]["X-As-User-Email"] == "clm-bot@example.com" for r in lists)
    assert len(ironclad.token_bodies) == 1 and ironclad.token_bodies[0]["grant_type"] == "client_credentials"
    with open_register(warehouse) as con:
        assert get_watermark(con, "ironclad:updated") == "2026-11-07T08:00:00.000000Z"
        rows = con.execute("select contract_id, external_ref, status, source_version from raw.source_items "
                           "order by contract_id").fetchall()  # fmt: skip
        assert rows[0] == ("ironclad-IC-100", "IC-100", "staged", "2026-11-01T08:00:00.000000Z")
        assert con.execute("select status, downloaded from raw.source_pulls").fetchall() == [("complete", 7)]
    # nothing changed: the next pull asks from the watermark and downloads nothing
    again = pull(_source(ironclad, sleeps), warehouse, staging=tmp_path / "inbox")
    assert (again.downloaded, again.skipped) == (0, 1)
    assert ironclad.requests_to("GET", r"/records$")[-1]["query"]["lastUpdated"] == "2026-11-07T07:59:59.000Z"


def test_a_failed_pull_resumes_from_the_watermark_without_fetching_pages_1_and_2_again(
    ironclad, sleeps, warehouse, tmp_path
):
    _records(ironclad, 7)
    ironclad.fail_pages[2] = 99  # the third page (0-based index 2) answers 500 until the fault is lifted
    with pytest.raises(SourceError, match="resumes from the checkpoint"):
        pull(_source(ironclad, sleeps), warehouse, staging=tmp_path / "inbox")
    assert sleeps == [1.0, 2.0]  # two retries with backoff, then the pull stops
    with open_register(warehouse) as con:
        assert get_watermark(con, "ironclad:updated") == "2026-11-04T08:00:00.000000Z"  # the 4th record landed last
        assert con.execute("select status, downloaded, error like '%500%' from raw.source_pulls").fetchall() == [
            ("failed", 4, True)]  # fmt: skip
    assert _downloads(ironclad) == [f"rec-{i:02d}" for i in range(4)]
    ironclad.fail_pages.clear()
    seen = len(ironclad.log)
    res = pull(_source(ironclad, sleeps), warehouse, staging=tmp_path / "inbox")
    assert (res.downloaded, res.skipped, res.error) == (3, 1, None)  # the boundary record is listed, not fetched
    resumed = [r for r in ironclad.log[seen:] if r["path"].endswith("/records")]
    assert resumed[0]["query"]["lastUpdated"] == "2026-11-04T07:59:59.000Z" and resumed[0]["query"]["page"] == "0"
    assert len(resumed) == 2  # 4 records from the watermark on: two pages, not four
    assert _downloads(ironclad) == [f"rec-{i:02d}" for i in range(7)]  # every document fetched exactly once


def test_revoked_token_is_replaced_once(ironclad, sleeps, warehouse, tmp_path):
    _records(ironclad, 3)
    src = _source(ironclad, sleeps)
    pull(src, warehouse, staging=tmp_path / "inbox")
    ironclad.revoke_tokens()
    _records(ironclad, 1, start=3)
    res = pull(src, warehouse, staging=tmp_path / "inbox")
    assert res.downloaded == 1
    assert len(ironclad.token_bodies) == 2
    assert sum(1 for r in ironclad.log if r["path"].endswith("/records")) == 2 + 1 + 1  # one 401 answered, retried


def test_wrong_client_secret_fails_with_a_message_naming_the_connection(ironclad, sleeps, warehouse, tmp_path):
    _records(ironclad, 1)
    with pytest.raises(SourceError, match="refused the credentials.*Airflow connection"):
        pull(_source(ironclad, sleeps, client_secret="wrong"), warehouse, staging=tmp_path / "inbox")
    assert len(ironclad.token_bodies) == 1  # a refusal is not retried


def test_429_waits_retry_after_and_5xx_backs_off(ironclad, sleeps, warehouse, tmp_path):
    _records(ironclad, 2)
    ironclad.inject(Fault(status=429, headers={"Retry-After": "7"}, body={"message": "Too Many Requests"},
                          path=r"/records$", times=1))  # fmt: skip
    ironclad.inject(Fault(status=503, path=r"/attachments/", times=2))
    res = pull(_source(ironclad, sleeps), warehouse, staging=tmp_path / "inbox")
    assert (res.downloaded, res.error) == (2, None)
    assert sleeps == [7.0, 1.0, 2.0]


def test_a_slow_answer_times_out_and_is_retried(ironclad, sleeps, warehouse, tmp_path):
    _records(ironclad, 1)
    ironclad.inject(Fault(status=200, delay=1.0, path=r"/records$", times=1))
    src = _source(ironclad, sleeps, policy=RetryPolicy(max_attempts=3, backoff_s=0.5, read_timeout_s=0.3))
    res = pull(src, warehouse, staging=tmp_path / "inbox")
    assert (res.downloaded, sleeps) == (1, [0.5])


def test_record_without_signed_copy_is_recorded_and_passed(ironclad, sleeps, warehouse, tmp_path):
    _records(ironclad, 1)
    ironclad.add_record("rec-draft", "IC-900", "Unsigned", "2026-11-15T00:00:00Z", None)
    _records(ironclad, 1, start=20)
    res = pull(_source(ironclad, sleeps), warehouse, staging=tmp_path / "inbox")
    assert (res.downloaded, res.failed) == (2, 1)
    assert "no_document" in res.failures[0]
    with open_register(warehouse) as con:
        assert get_watermark(con, "ironclad:updated") == "2026-11-21T08:00:00.000000Z"
        assert con.execute("select status from raw.source_items where item_id = 'rec-draft'").fetchone() == ("failed",)


def test_changed_record_is_downloaded_again_and_replaces_the_staged_file(ironclad, sleeps, warehouse, tmp_path):
    _records(ironclad, 2)
    pull(_source(ironclad, sleeps), warehouse, staging=tmp_path / "inbox")
    ironclad.add_record("rec-01", "IC-101", "Contract 1", "2026-11-20T09:00:00Z", b"new text",
                        content_type="text/plain", filename="c1.txt")  # fmt: skip
    res = pull(_source(ironclad, sleeps), warehouse, staging=tmp_path / "inbox")
    assert res.staged == ["ironclad-IC-101"]
    assert sorted(p.name for p in (tmp_path / "inbox").iterdir()) == ["ironclad-IC-100.pdf", "ironclad-IC-101.txt"]


def test_backlog_checkpoints_each_page_and_resumes_there(ironclad, sleeps, warehouse, tmp_path):
    _records(ironclad, 5)
    ironclad.fail_pages[1] = 99
    with pytest.raises(SourceError):
        pull(_source(ironclad, sleeps), warehouse, mode="backlog", staging=tmp_path / "inbox")
    with open_register(warehouse) as con:
        assert get_watermark(con, "ironclad:backlog") == "1"
        assert get_watermark(con, "ironclad:updated") is None  # set only when the backlog completes
    ironclad.fail_pages.clear()
    seen = len(ironclad.log)
    res = pull(_source(ironclad, sleeps), warehouse, mode="backlog", staging=tmp_path / "inbox")
    assert [r["query"]["page"] for r in ironclad.log[seen:] if r["path"].endswith("/records")] == ["1", "2"]
    assert res.downloaded == 3
    with open_register(warehouse) as con:
        assert get_watermark(con, "ironclad:backlog") is None
        assert get_watermark(con, "ironclad:updated") == "2026-11-05T08:00:00.000000Z"


def test_single_record_pull_for_a_webhook(ironclad, sleeps, warehouse, tmp_path):
    _records(ironclad, 3)
    ironclad.workflows["wf-1"] = ["rec-01"]
    src = _source(ironclad, sleeps)
    assert src.records_of_workflow("wf-1") == ["rec-01"]
    res = pull(src, warehouse, mode="record", record_ids=["IC-101"], staging=tmp_path / "inbox")
    assert (res.downloaded, res.staged) == (1, ["ironclad-IC-101"])
    assert not ironclad.requests_to("GET", r"/records$")  # no listing
    with open_register(warehouse) as con:
        assert get_watermark(con, "ironclad:updated") is None  # a single record does not move the watermark


def test_settings_are_validated():
    from extractors.errors import MilestonesError

    with pytest.raises(MilestonesError, match="as_user_email"):
        IroncladConfig(base_url="https://na1.ironcladapp.com/public/api/v1", client_id="a", client_secret="b")
    with pytest.raises(MilestonesError, match="between 1 and 100"):
        IroncladConfig(base_url="https://x/public/api/v1", access_token="t", page_size=500)
    with pytest.raises(MilestonesError, match="must be a URL"):
        IroncladConfig(base_url="na1.ironcladapp.com", access_token="t")
