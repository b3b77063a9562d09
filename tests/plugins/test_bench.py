"""Smoke tests of the benchmark's own parts (milestones.bench, milestones.scale); the numbers come from `make bench`.

Fixtures: synthetic scale contracts generated here by milestones.scale (from the sample-contract builders;
development data). The one end-to-end night runs on six of them.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
import time

import pytest
from milestones.bench import TreeMemory, check_targets, loglog_exponent, machine_info, main
from milestones.scale import change_contracts, get_scale_contracts, write_portfolio

from extractors.errors import MilestonesError


@pytest.mark.parametrize(
    "growth, expected",
    [
        (lambda n: 0.002 * n, 1.0),  # linear
        (lambda n: 3e-7 * n * n, 2.0),  # quadratic
        (lambda n: 5.0, 0.0),  # constant (a fixed cost such as dbt's start-up)
        (lambda n: 1e-4 * n * math.log(n), 1.1),  # n log n over 1k..50k fits at ~1.1
    ],
)
def test_loglog_exponent(growth, expected):
    sizes = [1000, 10000, 50000]
    assert loglog_exponent(sizes, [growth(n) for n in sizes]) == pytest.approx(expected, abs=0.03)


def test_loglog_exponent_needs_two_sizes():
    assert loglog_exponent([1000], [3.0]) is None
    assert loglog_exponent([1000, 2000], [0.0, 0.0]) is None


def test_tree_memory_counts_a_child_process():
    child = subprocess.Popen([sys.executable, "-c", "b = bytearray(150 * 2**20); b[::4096] = b'x' * len(b[::4096]); "
                              "import time; time.sleep(3)"])  # fmt: skip
    try:
        with TreeMemory(interval_s=0.05) as mem:
            base = mem.peak()
            time.sleep(2)
            peak = mem.peak()
    finally:
        child.kill()
        child.wait()
    assert peak - base > 100 * 2**20 or peak > 150 * 2**20, (base, peak)


def test_machine_info_names_the_machine():
    m = machine_info()
    assert m["nproc"] >= 1 and m["cpu_model"] and m["ram_gib"] and m["versions"]["duckdb"]


def test_scale_contracts_are_deterministic_and_prefix_stable():
    a = [c.data for c in get_scale_contracts(13)]
    b = [c.data for c in get_scale_contracts(5)]
    assert a[:5] == b and len(set(a)) == 13
    assert [c.data for c in get_scale_contracts(13)] == a
    assert a != [c.data for c in get_scale_contracts(13, seed=99)]
    assert all(b"shall" in d for d in a)


def test_write_portfolio_reuses_and_refuses(tmp_path):
    out = write_portfolio(tmp_path / "p", 6)
    files = sorted(out.glob("*.txt"))
    assert len(files) == 6
    mtimes = [f.stat().st_mtime_ns for f in files]
    write_portfolio(tmp_path / "p", 6)
    assert [f.stat().st_mtime_ns for f in files] == mtimes, "a matching stamp must reuse the folder"
    (tmp_path / "q").mkdir()
    (tmp_path / "q" / "someone-elses.pdf").write_bytes(b"%PDF")
    with pytest.raises(MilestonesError, match="did not write"):
        write_portfolio(tmp_path / "q", 3)


def test_change_contracts_replaces_files_and_spares_hard_links(tmp_path):
    src = write_portfolio(tmp_path / "p", 10)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for f in src.iterdir():
        os.link(f, inbox / f.name)
    before = {f.name: f.read_bytes() for f in src.iterdir()}
    changed = change_contracts(inbox, 0.2)
    assert len(changed) == 2
    assert {f.name: f.read_bytes() for f in src.iterdir()} == before, "the linked original changed"
    now = {f.name: f.read_bytes() for f in inbox.glob("*.txt")}
    assert {n for n in now if now[n] != before[n]} == {f"{c}.txt" for c in changed}
    with pytest.raises(MilestonesError):
        change_contracts(tmp_path / "p", 0)


def test_check_targets_flags_misses():
    stage = {"stage": "total", "seconds": 200.0}
    night = {"stages": [stage], "dbt": {"exit": 0}, "marts_gate": {"passed": True}, "gate_failed_batches": 0}
    result = {"cuad": {"files": 510, "night": night, "baseline": {"ratio_wall": 2.5, "ratio_cpu": 2.2}},
              "incremental": {"changed": 100, "size": 10000, "night": night | {"stages": [stage | {"seconds": 30.0}]}},
              "scale": {"sizes": [1, 2], "runs": {}, "growth": {"load": {"exponent": 1.9}, "dbt": {"exponent": 0.2}}}}  # fmt: skip
    lines = check_targets(result)
    assert any("CUAD" in x and "MISS" in x for x in lines)
    assert any("pypdfium2" in x and "MISS" in x for x in lines)
    assert any("incremental" in x and "PASS" in x for x in lines)
    assert any("growth" in x and "MISS in load" in x for x in lines)


@pytest.mark.slow
def test_bench_runs_a_tiny_scale_and_incremental_night(tmp_path):
    """`make bench` end to end on six synthetic contracts: the JSON carries every stage of both nights."""
    assert main(["--no-cuad", "--scale", "6", "--incremental-size", "6", "--changed", "0.34",
                 "--out", str(tmp_path)]) == 0  # fmt: skip
    (out,) = tmp_path.glob("*.json")
    result = json.loads(out.read_text())
    first = result["scale"]["runs"]["6"]
    assert [s["stage"] for s in first["stages"]] == ["ingest", "extract", "gate", "load", "dbt", "gx", "publish", "total"]
    assert first["contracts_processed"] == 6 and first["extraction"]["extracted"] == 6
    assert all(s["seconds"] > 0 and s["peak_rss_mb"] > 0 for s in first["stages"])
    inc = result["incremental"]
    assert inc["changed"] == 2 and inc["night"]["contracts_processed"] == 2
    assert inc["night"]["logical_date"] == (dt.date(2026, 12, 1) + dt.timedelta(days=1)).isoformat()
    assert result["machine"]["nproc"] >= 1 and result["verdicts"]
