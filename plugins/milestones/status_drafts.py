"""Status update drafts: for one counterparty, an e-mail summarising its late and upcoming obligations (and
those waiting on another milestone), written from register facts for a person to review and send themselves.

Nothing here sends anything: a draft is a row in raw.status_drafts (draft | discarded), shown in the review
app, with the facts it was written from beside the text. Facts come from marts.fct_obligations as of the
register's reference date (never the clock): occurrences cleared for fan-out (reviewed, or confident enough
to need no review); the ones still waiting for a reviewer are counted and left out, and the text says so.
Free text from the contract (the evidence sentence) is never quoted; names, dates and clause numbers are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from extractors.errors import MilestonesError

from .register import audit

__all__ = ["StatusDraft", "DraftError", "DraftNotFound", "get_counterparties", "compose_draft", "save_draft", "list_drafts",
           "get_draft", "discard_draft", "DEFAULT_HORIZON_DAYS"]  # fmt: skip

DEFAULT_HORIZON_DAYS = 30
_COLUMNS = ("draft_id", "counterparty_id", "counterparty", "as_of", "horizon_days", "subject", "body_text", "facts",
            "late_count", "upcoming_count", "waiting_count", "excluded_unreviewed", "status", "source_snapshot",
            "created_by", "created_at", "discarded_by", "discarded_at")  # fmt: skip


class DraftError(MilestonesError):
    """The draft cannot be written (marts not built, bad horizon)."""


class DraftNotFound(DraftError):
    """No such counterparty or draft."""


@dataclass(frozen=True)
class StatusDraft:
    counterparty: str
    counterparty_id: str | None
    as_of: dt.date
    horizon_days: int
    subject: str
    body_text: str
    late: list[dict[str, Any]] = field(default_factory=list)
    upcoming: list[dict[str, Any]] = field(default_factory=list)
    waiting: list[dict[str, Any]] = field(default_factory=list)
    excluded_unreviewed: int = 0

    def facts(self) -> dict[str, Any]:
        return {"late": self.late, "upcoming": self.upcoming, "waiting": self.waiting,
                "excluded_unreviewed": self.excluded_unreviewed}  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _has(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                      [schema, table]).fetchone()  # fmt: skip
    return bool(row and row[0])


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _require_marts(con: duckdb.DuckDBPyConnection) -> None:
    if not _has(con, "marts", "fct_obligations"):
        raise DraftError("marts.fct_obligations is not built yet; run the nightly models (make demo) first")


def get_counterparties(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Counterparties with obligations in the register, with their late and open counts (for the picker)."""
    _require_marts(con)
    return _rows(con, """
        select counterparty, any_value(counterparty_id) as counterparty_id,
               count(*) filter (where obligation_status = 'overdue') as late,
               count(*) filter (where obligation_status = 'open') as open,
               count(distinct contract_id) as contracts
        from marts.fct_obligations where counterparty is not null
        group by counterparty order by counterparty""")  # fmt: skip


def _norm(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).strip()


def _who(responsible: str | None, counterparty: str) -> str:
    if not responsible:
        return "party not recorded"
    return "your side" if _norm(responsible) == _norm(counterparty) else "our side"


def _what(r: dict[str, Any]) -> str:
    name = r.get("milestone_name") or r.get("deliverable") or str(r.get("obligation_type") or "obligation").replace("_", " ")
    where = r.get("contract_title") or r["contract_id"]
    clause = f", {r['clause_reference']}" if r.get("clause_reference") else ""
    return f"{name} — {where}{clause}"


def _fact(r: dict[str, Any], counterparty: str) -> dict[str, Any]:
    return {"occurrence_id": r["occurrence_id"], "milestone_id": r["milestone_id"], "contract_id": r["contract_id"],
            "milestone_name": r.get("milestone_name"), "obligation_type": r.get("obligation_type"),
            "obligation_status": r["obligation_status"], "due_date": r["due_date"].isoformat() if r["due_date"] else None,
            "days_until_due": r.get("days_until_due"), "responsible_party": r.get("responsible_party"),
            "side": _who(r.get("responsible_party"), counterparty), "clause_reference": r.get("clause_reference"),
            "predecessor_milestone_id": r.get("predecessor_milestone_id"),
            "predecessor_name": r.get("predecessor_name"), "predecessor_status": r.get("predecessor_status"),
            "predecessor_due_date": r["predecessor_due_date"].isoformat() if r.get("predecessor_due_date") else None}  # fmt: skip


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def compose_draft(
    con: duckdb.DuckDBPyConnection, counterparty: str, *, horizon_days: int = DEFAULT_HORIZON_DAYS
) -> StatusDraft:
    """Write (do not store, never send) the status e-mail for `counterparty` (its name or counterparty_id)."""
    _require_marts(con)
    if not 1 <= horizon_days <= 365:
        raise DraftError("horizon_days must be between 1 and 365")
    title = "c.title" if _has(con, "raw", "contracts") else "null"
    pred = "p.milestone_name" if _has(con, "raw", "milestones") else "null"
    joins = (" left join raw.contracts c on c.contract_id = f.contract_id" if title != "null" else "") + (
        " left join raw.milestones p on p.milestone_id = f.predecessor_milestone_id" if pred != "null" else "")
    rows = _rows(con, f"""
        select f.occurrence_id, f.milestone_id, f.contract_id, f.counterparty_id, f.counterparty, f.milestone_name,
               f.deliverable, f.obligation_type, f.responsible_party, f.clause_reference, f.obligation_status,
               f.review_status, f.is_cleared_for_fanout, f.due_date, f.days_until_due, f.as_of_date,
               f.predecessor_milestone_id, f.predecessor_status, f.predecessor_due_date,
               {pred} as predecessor_name, {title} as contract_title
        from marts.fct_obligations f {joins}
        where lower(f.counterparty) = lower(?) or f.counterparty_id = ?
        order by f.due_date nulls last, f.occurrence_id""", [counterparty.strip(), counterparty.strip()])  # fmt: skip
    if not rows:
        raise DraftNotFound(f"no obligations for a counterparty {counterparty!r}; see the counterparty list")
    name, cp_id = rows[0]["counterparty"], rows[0]["counterparty_id"]
    as_of: dt.date = rows[0]["as_of_date"]
    relevant = [r for r in rows if r["obligation_status"] in ("overdue", "open", "awaiting_trigger")]
    cleared = [r for r in relevant if r["is_cleared_for_fanout"]]
    excluded = len(relevant) - len(cleared)
    late = [r for r in cleared if r["obligation_status"] == "overdue"]
    upcoming = [r for r in cleared if r["obligation_status"] == "open" and r["days_until_due"] is not None
                and r["days_until_due"] <= horizon_days]  # fmt: skip
    waiting = [r for r in cleared if r["obligation_status"] == "awaiting_trigger" and r["predecessor_milestone_id"]]

    lines = [f"Dear {name} team,", "",
             f"Here is where the obligations under our agreements with you stand as of {as_of:%d %B %Y}.", ""]  # fmt: skip
    if late:
        lines.append(f"Past due ({len(late)}):")
        for r in late:
            lines.append(f"- {_what(r)}: was due {r['due_date']:%d %b %Y} ({_plural(-int(r['days_until_due']), 'day')} "
                         f"late); {_who(r['responsible_party'], name)}.")  # fmt: skip
        lines.append("")
    if upcoming:
        lines.append(f"Due in the next {horizon_days} days ({len(upcoming)}):")
        for r in upcoming:
            days = int(r["days_until_due"])
            when = "today" if days == 0 else f"in {_plural(days, 'day')}"
            lines.append(f"- {_what(r)}: due {r['due_date']:%d %b %Y} ({when}); {_who(r['responsible_party'], name)}.")
        lines.append("")
    if waiting:
        lines.append(f"Waiting on another milestone ({len(waiting)}):")
        for r in waiting:
            pname = r["predecessor_name"] or r["predecessor_milestone_id"]
            pstate = (r["predecessor_status"] or "unknown").replace("_", " ")
            pdue = f", due {r['predecessor_due_date']:%d %b %Y}" if r["predecessor_due_date"] else ""
            lines.append(f"- {_what(r)}: dated once {pname} is complete ({pstate}{pdue}).")
        lines.append("")
    if not (late or upcoming or waiting):
        lines += [f"Nothing is past due and nothing falls due in the next {horizon_days} days.", ""]
    lines += ["Please let us know if any of these dates has moved or if something is already done.", "",
              "Kind regards,", "[your name]"]  # fmt: skip
    subject = f"Status update {as_of:%d %b %Y}: {len(late)} past due, {len(upcoming)} due within {horizon_days} days — {name}"
    return StatusDraft(counterparty=name, counterparty_id=cp_id, as_of=as_of, horizon_days=horizon_days,
                       subject=subject, body_text="\n".join(lines), late=[_fact(r, name) for r in late],
                       upcoming=[_fact(r, name) for r in upcoming], waiting=[_fact(r, name) for r in waiting],
                       excluded_unreviewed=excluded)  # fmt: skip


def _draft_id(draft: StatusDraft, at: dt.datetime) -> str:
    raw = f"{draft.counterparty}|{draft.as_of}|{draft.horizon_days}|{at.isoformat()}"
    return "sd-" + hashlib.sha1(raw.encode()).hexdigest()[:16]


def save_draft(con: duckdb.DuckDBPyConnection, draft: StatusDraft, actor: str, at: dt.datetime,
               source_snapshot: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Store the draft (status 'draft') and audit it; returns the stored row."""
    draft_id = _draft_id(draft, at)
    con.execute(
        f"insert into raw.status_drafts ({', '.join(_COLUMNS[:16])}) values ({', '.join('?' for _ in _COLUMNS[:16])})",
        [draft_id, draft.counterparty_id, draft.counterparty, draft.as_of, draft.horizon_days, draft.subject,
         draft.body_text, json.dumps(draft.facts(), sort_keys=True), len(draft.late), len(draft.upcoming),
         len(draft.waiting), draft.excluded_unreviewed, "draft", source_snapshot, actor, at],
    )  # fmt: skip
    audit(con, actor, "draft", "status_draft", draft_id, None, None,
          {"counterparty": draft.counterparty, "as_of": draft.as_of, "late": len(draft.late),
           "upcoming": len(draft.upcoming), "waiting": len(draft.waiting)}, at)  # fmt: skip
    stored = get_draft(con, draft_id)
    assert stored is not None
    return stored


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    if isinstance(row.get("facts"), str):
        row["facts"] = json.loads(row["facts"])
    return row


def list_drafts(con: duckdb.DuckDBPyConnection, counterparty: str | None = None, *,
                include_discarded: bool = False, limit: int = 200) -> list[dict[str, Any]]:  # fmt: skip
    if not _has(con, "raw", "status_drafts"):
        return []
    where, params = ["true"], []
    if counterparty:
        where.append("(lower(counterparty) = lower(?) or counterparty_id = ?)")
        params += [counterparty, counterparty]
    if not include_discarded:
        where.append("status = 'draft'")
    cols = ", ".join(c for c in _COLUMNS if c not in ("body_text", "facts"))
    return _rows(con, f"select {cols} from raw.status_drafts where {' and '.join(where)} "
                      f"order by created_at desc, draft_id limit {int(limit)}", params)  # fmt: skip


def get_draft(con: duckdb.DuckDBPyConnection, draft_id: str) -> dict[str, Any] | None:
    if not _has(con, "raw", "status_drafts"):
        return None
    rows = _rows(con, f"select {', '.join(_COLUMNS)} from raw.status_drafts where draft_id = ?", [draft_id])
    return _decode(rows[0]) if rows else None


def discard_draft(con: duckdb.DuckDBPyConnection, draft_id: str, actor: str, at: dt.datetime) -> dict[str, Any]:
    row = get_draft(con, draft_id)
    if row is None:
        raise DraftNotFound(f"no status draft {draft_id!r}")
    if row["status"] != "discarded":
        con.execute("update raw.status_drafts set status = 'discarded', discarded_by = ?, discarded_at = ? "
                    "where draft_id = ?", [actor, at, draft_id])  # fmt: skip
        audit(con, actor, "discard", "status_draft", draft_id, None, {"status": row["status"]},
              {"status": "discarded"}, at)  # fmt: skip
    out = get_draft(con, draft_id)
    assert out is not None
    return out
