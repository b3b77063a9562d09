"""Learning from reviewers: decisions → `milestones export-feedback` JSONL → what `milestones train --feedback`
reads (extractors.classifier.get_training_examples)."""

from __future__ import annotations

import json

from .helpers import bearer, query


def _one(warehouse, where, params=()):
    return query(warehouse, f"select * from raw.milestones where {where} order by milestone_id limit 1", list(params))[0]


def test_export_feedback_round_trip(client, warehouse, tmp_path):
    from extractors.cli import main

    solo = ("select source_text from raw.milestones group by source_text having count(*) = 1")
    singles = {r["source_text"] for r in query(warehouse, solo)}
    pending = [m for m in query(warehouse, "select * from raw.milestones where review_status = 'pending' "
                                           "order by milestone_id") if m["source_text"] in singles]  # fmt: skip
    approved, edited, rejected = pending[0], pending[1], pending[2]
    new_type = "audit" if edited["obligation_type"] != "audit" else "reporting"
    h = bearer("reviewer")
    assert client.post(f"/api/v1/milestones/{approved['milestone_id']}/decision", headers=h,
                       json={"decision": "approve"}).status_code == 200  # fmt: skip
    assert client.post(f"/api/v1/milestones/{edited['milestone_id']}/decision", headers=h,
                       json={"decision": "edit", "fields": {"obligation_type": new_type}}).status_code == 200  # fmt: skip
    assert client.post(f"/api/v1/milestones/{rejected['milestone_id']}/decision", headers=h,
                       json={"decision": "reject"}).status_code == 200  # fmt: skip
    out = tmp_path / "feedback.jsonl"
    assert main(["export-feedback", "--warehouse", str(warehouse), "--out", str(out)]) == 0
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    by_text = {x["text"]: x for x in lines}
    assert len(lines) == 3
    norm = lambda t: " ".join(t.split())  # noqa: E731
    a, e, r = by_text[norm(approved["source_text"])], by_text[norm(edited["source_text"])], by_text[norm(rejected["source_text"])]
    assert a["obligation_type"] == approved["obligation_type"] and a["is_obligation"] is True
    assert e["obligation_type"] == new_type and e["machine_obligation_type"] == edited["obligation_type"]
    assert r["obligation_type"] == "none" and r["is_obligation"] is False
    assert r["machine_obligation_type"] == rejected["obligation_type"]
    assert all(x["label_source"] == "reviewer" for x in lines)
    # the trainer reads the file as it is (labels validated there)
    from extractors.classifier import get_training_examples

    examples = [ex for ex in get_training_examples(None, [out]) if ex.ref.startswith("feedback.jsonl")]
    assert sorted((ex.text, ex.label) for ex in examples) == sorted((x["text"], x["obligation_type"]) for x in lines)
    # deterministic: the same register gives the same bytes
    again = tmp_path / "again.jsonl"
    main(["export-feedback", "--warehouse", str(warehouse), "--out", str(again)])
    assert again.read_bytes() == out.read_bytes()


def test_export_feedback_errors_say_what_to_do(tmp_path, capsys):
    from extractors.cli import main

    assert main(["export-feedback", "--warehouse", str(tmp_path / "nope.duckdb"), "--out", str(tmp_path / "f.jsonl")]) == 2
    assert "no such warehouse file" in capsys.readouterr().err
    import duckdb

    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    assert main(["export-feedback", "--warehouse", str(other), "--out", str(tmp_path / "f.jsonl")]) == 2
    assert "is it the register warehouse" in capsys.readouterr().err


def test_compound_sentence_is_one_example_positive_if_any_part_is_kept(client, warehouse, tmp_path):
    from extractors.cli import main

    shared = query(warehouse, "select source_text from raw.milestones group by source_text having count(*) >= 2 "
                              "order by source_text limit 1")[0]["source_text"]  # fmt: skip
    parts = query(warehouse, "select * from raw.milestones where source_text = ? order by milestone_id", [shared])
    h = bearer("reviewer")
    client.post(f"/api/v1/milestones/{parts[0]['milestone_id']}/decision", headers=h, json={"decision": "reject"})
    client.post(f"/api/v1/milestones/{parts[1]['milestone_id']}/decision", headers=h, json={"decision": "approve"})
    out = tmp_path / "f.jsonl"
    main(["export-feedback", "--warehouse", str(warehouse), "--out", str(out)])
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(lines) == 1
    assert lines[0]["is_obligation"] is True and lines[0]["obligation_type"] == parts[1]["obligation_type"]
    assert lines[0]["decisions"] == ["approve", "reject"]
