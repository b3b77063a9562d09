"""Reviewer decisions as labelled training sentences for `milestones train --feedback FILE.jsonl`.

One example per distinct evidence sentence that a reviewer decided, read from the register (raw.milestones
+ raw.review_decisions; any DuckDB file with those tables, e.g. the published copy):
- approved / edited / added (and re-reviews resolved either way): the effective obligation_type, i.e. the
  reviewer's value where they changed it; ``"is_obligation": true``;
- rejected: ``"obligation_type": "none"`` and ``"is_obligation": false`` (so a trainer that reads only
  "text" and "obligation_type" learns a negative), with the machine's type kept in ``machine_obligation_type``.
A sentence carrying several milestones (compound clauses) is positive if any of them was kept; its type is
the most frequent kept type (ties: the earliest decided). Rows are ordered by text, so the file is stable.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from .errors import MilestonesError

__all__ = ["FeedbackExample", "get_feedback_examples", "export_feedback", "NONE_LABEL"]

NONE_LABEL = "none"  # extractors.classifier.NONE_LABEL


@dataclass(frozen=True)
class FeedbackExample:
    text: str
    obligation_type: str
    is_obligation: bool
    label_source: str = "reviewer"
    machine_obligation_type: str | None = None
    decisions: tuple[str, ...] = ()
    contract_id: str | None = None
    milestone_ids: tuple[str, ...] = ()
    span: dict[str, int | None] = field(default_factory=dict)
    decided_at: str | None = None  # latest decision on this sentence (ISO timestamp)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["decisions"] = list(self.decisions)
        d["milestone_ids"] = list(self.milestone_ids)
        return d


_SQL = """
with latest as (
    select milestone_id, decision, decided_at,
           row_number() over (partition by milestone_id order by decided_at desc, decision_id desc) as rn
    from raw.review_decisions
),
first_machine_type as (
    select entity_id as milestone_id,
           arg_min(json_extract_string(after, '$.obligation_type'), audit_id) as machine_type
    from raw.audit_log
    where entity = 'milestone' and action = 'insert'
    group by entity_id
)
select m.milestone_id, m.contract_id, m.source_text, m.obligation_type, m.review_status, m.origin,
       m.span_start, m.span_end, m.page, l.decision, l.decided_at, f.machine_type
from latest as l
join raw.milestones as m on m.milestone_id = l.milestone_id
left join first_machine_type as f on f.milestone_id = m.milestone_id
where l.rn = 1 and m.source_text is not null and trim(m.source_text) <> ''
order by l.decided_at, m.milestone_id
"""


def _norm(text: str) -> str:
    return " ".join(text.split())


def get_feedback_examples(con: duckdb.DuckDBPyConnection) -> Iterator[FeedbackExample]:
    cur = con.execute(_SQL)
    names = [d[0] for d in cur.description]
    groups: dict[str, list[dict[str, Any]]] = {}
    for raw in cur.fetchall():
        r = dict(zip(names, raw, strict=True))
        groups.setdefault(_norm(r["source_text"]), []).append(r)
    for text in sorted(groups):
        rs = groups[text]
        kept = [r for r in rs if r["review_status"] != "rejected"]
        if kept:
            counts = Counter(r["obligation_type"] for r in kept)
            best = max(counts.values())
            label = next(r["obligation_type"] for r in kept if counts[r["obligation_type"]] == best)
        else:
            label = NONE_LABEL
        machine = next((r["machine_type"] for r in rs if r["machine_type"]), None)
        first = min(rs, key=lambda r: r["span_start"] if r["span_start"] is not None else 1 << 62)
        yield FeedbackExample(
            text=text,
            obligation_type=label,
            is_obligation=bool(kept),
            machine_obligation_type=machine,
            decisions=tuple(sorted({r["decision"] for r in rs})),
            contract_id=first["contract_id"],
            milestone_ids=tuple(sorted(r["milestone_id"] for r in rs)),
            span={"start": first["span_start"], "end": first["span_end"], "page": first["page"]},
            decided_at=max(r["decided_at"] for r in rs).isoformat(),
        )


def export_feedback(warehouse: str | Path, out: str | Path) -> int:
    """Write the examples as JSONL; returns how many. Opens the warehouse read-only."""
    path = Path(warehouse)
    if not path.is_file():
        raise MilestonesError(f"{path}: no such warehouse file; pass --warehouse data/warehouse.duckdb "
                              "(or the published copy data/published/warehouse.duckdb)")  # fmt: skip
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        if "lock" in str(exc).lower():
            raise MilestonesError(f"{path} is being written by the nightly run; retry later or export from the "
                                  "published copy (data/published/warehouse.duckdb)") from exc  # fmt: skip
        raise MilestonesError(f"{path}: cannot be opened as a DuckDB warehouse ({exc})") from exc
    try:
        have = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'").fetchall()}  # fmt: skip
        missing = {"milestones", "review_decisions", "audit_log"} - have
        if missing:
            raise MilestonesError(f"{path} has no raw.{', raw.'.join(sorted(missing))}; is it the register warehouse?")
        examples = list(get_feedback_examples(con))
    finally:
        con.close()
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for ex in examples:
            fh.write(json.dumps(ex.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
    tmp.replace(target)
    return len(examples)
