"""Reviewer decisions applied to the register: approve, edit, reject, resolve a re-review, add a missed one.

Why here and not in register.py: the loader owns machine merges; this module owns the human side of the
same row. The contract between the two is `human_fields` (JSON {field: value}): a field listed there is
never overwritten by re-extraction; if the machine later proposes another value, the loader stores it in
`machine_proposal` and sets review_status 'rereview' (fan-out keeps using the human value meanwhile).

- approve / edit pin every field of the review form (REVIEW_FIELDS) in human_fields — the reviewer saw them
  all; edit also changes the main columns. Status 'approved' / 'edited'.
- reject clears human_fields and sets 'rejected' (never fanned out); the loader never resets 'rejected'.
- keep_human / accept_machine resolve a 'rereview': keep the decided values, or take the machine proposal
  (which then becomes the decided value).
- add inserts a human-origin milestone from a text span the reviewer selected ('approved').
Each decision writes one raw.review_decisions row and one raw.audit_log row (before → after).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb

from extractors.errors import MilestonesError
from extractors.schema import OBLIGATION_TYPES

from ..register import audit, milestone_key
from .store import rows

__all__ = [
    "REVIEW_FIELDS",
    "DECISIONS",
    "DecisionError",
    "NotFound",
    "Conflict",
    "DecisionResult",
    "validate_fields",
    "apply_decision",
    "add_milestone",
    "get_decisions",
]

REVIEW_FIELDS: tuple[str, ...] = (
    "milestone_name", "deliverable", "due_date", "responsible_party", "condition", "clause_reference",
    "obligation_type", "rule_kind", "rule_amount", "rule_unit", "rule_direction", "rule_anchor",
    "rule_frequency", "rule_date", "recurrence",
)  # fmt: skip
DECISIONS: tuple[str, ...] = ("approve", "edit", "reject", "keep_human", "accept_machine")
RULE_KINDS = ("absolute", "relative", "recurring", "none")
RULE_DIRECTIONS = ("after", "before", "within", "on")
FREQUENCIES = ("weekly", "monthly", "quarterly", "semiannually", "annually")  # suggestions in the form
_TEXT_MAX = 1000


class DecisionError(MilestonesError):
    """A decision that cannot be applied as sent (HTTP 422); the message says what to change."""


class NotFound(MilestonesError):
    """No such milestone or contract (HTTP 404)."""


class Conflict(MilestonesError):
    """The row changed since the reviewer looked at it, or the decision does not fit its state (HTTP 409)."""


@dataclass(frozen=True)
class DecisionResult:
    decision_id: str
    milestone_id: str
    contract_id: str
    decision: str
    review_status: str
    before: dict[str, Any]
    after: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {k: _json(v) for k, v in self.__dict__.items()}


def _json(v: Any) -> Any:
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, dict):
        return {k: _json(x) for k, x in v.items()}
    return v


def _date(name: str, v: Any) -> dt.date | None:
    if v in (None, ""):
        return None
    if isinstance(v, dt.date):
        return v
    if not isinstance(v, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v.strip()):
        raise DecisionError(f"{name} must be a date written YYYY-MM-DD, got {v!r}")
    try:
        return dt.date.fromisoformat(v.strip())
    except ValueError:
        raise DecisionError(f"{name}: {v!r} is not a calendar date") from None


def validate_fields(fields: Mapping[str, Any], *, strict: bool = True) -> dict[str, Any]:
    """Coerce reviewer input to column values; unknown fields and bad values raise DecisionError.

    ``strict=False`` only converts types (for machine proposals, whose vocabulary the extractor owns)."""
    if not isinstance(fields, Mapping):
        raise DecisionError("fields must be an object of {field: value}")
    unknown = sorted(set(fields) - set(REVIEW_FIELDS))
    if unknown:
        raise DecisionError(f"cannot edit {unknown}; editable fields: {', '.join(REVIEW_FIELDS)}")
    out: dict[str, Any] = {}
    for k, v in fields.items():
        if k in ("due_date", "rule_date"):
            out[k] = _date(k, v)
        elif k == "rule_amount":
            if v in (None, ""):
                out[k] = None
            else:
                try:
                    n = int(str(v).strip()) if not isinstance(v, bool) else None
                except ValueError:
                    n = None
                if n is None or n < 0 or n > 100000:
                    raise DecisionError(f"rule_amount must be a whole number of units (0-100000), got {v!r}")
                out[k] = n
        else:
            if v is not None and not isinstance(v, str):
                raise DecisionError(f"{k} must be text, got {type(v).__name__}")
            s = (v or "").strip() or None
            if s is not None and len(s) > _TEXT_MAX:
                raise DecisionError(f"{k} is longer than {_TEXT_MAX} characters")
            out[k] = s
    if not strict:
        return out
    if "obligation_type" in out and out["obligation_type"] not in OBLIGATION_TYPES:
        raise DecisionError(f"obligation_type must be one of {', '.join(OBLIGATION_TYPES)}")
    for k, allowed in (("rule_kind", RULE_KINDS), ("rule_direction", RULE_DIRECTIONS)):
        if out.get(k) is not None and out[k] not in allowed:
            raise DecisionError(f"{k} must be one of {', '.join(allowed)} (or empty)")
    for k in ("rule_frequency", "rule_unit", "rule_anchor", "recurrence"):
        if out.get(k) is not None and not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", out[k]):
            raise DecisionError(f"{k} is a code in lower_snake_case (e.g. monthly, business_days, invoice_receipt)")
    if "milestone_name" in out and not out["milestone_name"]:
        raise DecisionError("milestone_name cannot be empty")
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dt.datetime):
        a = a.date()
    if isinstance(b, dt.datetime):
        b = b.date()
    return a == b


def _human_value(field: str, v: Any) -> Any:
    return v.isoformat() if isinstance(v, dt.date) else v


def _load(con: duckdb.DuckDBPyConnection, milestone_id: str) -> dict[str, Any]:
    found = rows(con, "select * from raw.milestones where milestone_id = ?", [milestone_id])
    if not found:
        raise NotFound(f"no milestone {milestone_id!r}; it may have been removed — reload the queue")
    return found[0]


def _decision_id(milestone_id: str, at: dt.datetime) -> str:
    return hashlib.sha1(f"{milestone_id}|{at.isoformat()}|{uuid.uuid4().hex}".encode()).hexdigest()[:20]


def _record(
    con: duckdb.DuckDBPyConnection, row: dict[str, Any], decision: str, actor: str, at: dt.datetime,
    before: dict[str, Any], after: dict[str, Any], comment: str | None,
) -> str:  # fmt: skip
    did = _decision_id(row["milestone_id"], at)
    con.execute(
        "insert into raw.review_decisions (decision_id, milestone_id, contract_id, decision, decided_by, decided_at, "
        "before, after, comment) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [did, row["milestone_id"], row["contract_id"], decision, actor, at,
         json.dumps(_json(before), sort_keys=True), json.dumps(_json(after), sort_keys=True), comment],
    )  # fmt: skip
    audit(con, actor, "decision", "milestone", row["milestone_id"], None, before,
          after | {"decision": decision, "decision_id": did} | ({"comment": comment} if comment else {}), at)  # fmt: skip
    return did


def _last_status(con: duckdb.DuckDBPyConnection, milestone_id: str) -> str:
    """'approved' or 'edited': what the latest human decision before the re-review was."""
    found = con.execute(
        "select decision from raw.review_decisions where milestone_id = ? and decision in "
        "('approve', 'edit', 'accept_machine', 'add') order by decided_at desc limit 1",
        [milestone_id],
    ).fetchone()
    return "edited" if found and found[0] == "edit" else "approved"


def apply_decision(
    con: duckdb.DuckDBPyConnection,
    milestone_id: str,
    decision: str,
    actor: str,
    at: dt.datetime,
    *,
    fields: Mapping[str, Any] | None = None,
    comment: str | None = None,
    expected_updated_at: dt.datetime | None = None,
) -> DecisionResult:
    """Apply one reviewer decision inside the caller's transaction."""
    if decision not in DECISIONS:
        raise DecisionError(f"decision must be one of {', '.join(DECISIONS)} (to add a missed obligation use add)")
    if comment is not None and len(comment) > 2000:
        raise DecisionError("comment is longer than 2000 characters")
    row = _load(con, milestone_id)
    if expected_updated_at is not None and row["updated_at"] != expected_updated_at:
        raise Conflict(
            f"milestone {milestone_id} changed at {row['updated_at']} after you opened it (e.g. a nightly "
            "re-extraction); reload it and decide again"
        )
    if row["lifecycle_status"] == "removed":
        raise Conflict("this milestone is no longer in the contract's current text (removed by re-extraction); "
                       "add it again from the text if it still applies")
    status = row["review_status"]
    human = json.loads(row["human_fields"]) if row["human_fields"] else {}
    proposal = json.loads(row["machine_proposal"]) if row["machine_proposal"] else {}
    fields = dict(fields or {})
    if decision != "edit" and fields:
        raise DecisionError(f"{decision} takes no fields; send decision 'edit' to change values")
    sets: dict[str, Any] = {}
    before: dict[str, Any] = {"review_status": status}
    after: dict[str, Any] = {}

    if decision in ("approve", "edit"):
        if status == "rereview" and decision == "approve":
            raise Conflict("the model now proposes different values; choose keep_human or accept_machine "
                           "(or edit) for this re-review")
        changed: dict[str, Any] = {}
        if decision == "edit":
            clean = validate_fields(fields)
            changed = {k: v for k, v in clean.items() if not _same(row[k], v)}
            if not changed:
                raise DecisionError("nothing changed: every value equals the current one; use approve instead")
            before |= {k: row[k] for k in changed}
            after |= changed
            sets |= changed
        effective = {k: changed.get(k, row[k]) for k in REVIEW_FIELDS}
        new_human = {k: _human_value(k, v) for k, v in effective.items()}
        new_status = "edited" if decision == "edit" else "approved"
        sets |= {"human_fields": json.dumps(new_human, sort_keys=True), "review_status": new_status,
                 "machine_proposal": None}  # fmt: skip
        after |= {"review_status": new_status}
        if human != new_human:
            before["human_fields"] = human or None
            after["human_fields"] = new_human
    elif decision == "reject":
        if status == "rejected":
            raise Conflict("already rejected")
        sets |= {"review_status": "rejected", "human_fields": None, "machine_proposal": None}
        before |= {"human_fields": human or None}
        after |= {"review_status": "rejected", "human_fields": None}
    else:  # keep_human | accept_machine
        if status != "rereview":
            raise Conflict(f"{decision} resolves a re-review, but this milestone is {status!r}")
        before["machine_proposal"] = proposal
        if decision == "keep_human":
            new_status = _last_status(con, milestone_id)
            sets |= {"review_status": new_status, "machine_proposal": None}
            after |= {"review_status": new_status, "machine_proposal": None}
        else:
            clean = validate_fields({k: v for k, v in proposal.items() if k in REVIEW_FIELDS}, strict=False)
            before |= {k: row[k] for k in clean}
            new_human = human | {k: _human_value(k, v) for k, v in clean.items()}
            sets |= clean | {"human_fields": json.dumps(new_human, sort_keys=True), "review_status": "approved",
                             "machine_proposal": None}  # fmt: skip
            after |= clean | {"review_status": "approved", "machine_proposal": None}
    sets["updated_at"] = at
    con.execute(
        f"update raw.milestones set {', '.join(f'{k} = ?' for k in sets)} where milestone_id = ?",
        [*sets.values(), milestone_id],
    )
    did = _record(con, row, decision, actor, at, before, after, comment)
    return DecisionResult(did, milestone_id, row["contract_id"], decision, sets.get("review_status", status),
                          before, after)  # fmt: skip


def add_milestone(
    con: duckdb.DuckDBPyConnection,
    contract_id: str,
    actor: str,
    at: dt.datetime,
    *,
    span_start: int,
    span_end: int,
    fields: Mapping[str, Any],
    document_text: str | None,
    selected_text: str | None = None,
    page: int | None = None,
    comment: str | None = None,
) -> DecisionResult:
    """Insert an obligation the extractor missed, evidenced by text[span_start:span_end] of the contract."""
    contract = rows(con, "select contract_id, current_document_id, status from raw.contracts where contract_id = ?",
                    [contract_id])  # fmt: skip
    if not contract:
        raise NotFound(f"no contract {contract_id!r}")
    if contract[0]["status"] != "active":
        raise Conflict(f"contract {contract_id} is {contract[0]['status']}; obligations cannot be added to it")
    if not isinstance(span_start, int) or not isinstance(span_end, int) or not 0 <= span_start < span_end:
        raise DecisionError("select the evidence in the contract text first (span_start < span_end, both >= 0)")
    if span_end - span_start > 5000:
        raise DecisionError("the selected evidence is longer than 5000 characters; select the clause only")
    if document_text is not None:
        if span_end > len(document_text):
            raise DecisionError(f"the selection ends at {span_end}, after the end of the text ({len(document_text)})")
        evidence = document_text[span_start:span_end]
        if selected_text is not None and " ".join(selected_text.split()) != " ".join(evidence.split()):
            raise Conflict("the selected text does not match the document at those offsets; reload the page")
    else:
        if not selected_text or not selected_text.strip():
            raise DecisionError("the document text is unavailable; send the evidence text as selected_text")
        evidence = selected_text
    clean = validate_fields(fields)
    if not clean.get("obligation_type"):
        raise DecisionError("obligation_type is required for an added obligation")
    clean.setdefault("milestone_name", None)
    if not clean["milestone_name"]:
        clean["milestone_name"] = clean["obligation_type"].replace("_", " ").capitalize() + " obligation"
    if clean.get("rule_kind") is None:
        clean["rule_kind"] = "absolute" if clean.get("due_date") else "none"
    part = 0
    while True:
        mid = milestone_key(contract_id, evidence, 100 + part)  # parts >= 100: never a machine part number
        if not con.execute("select 1 from raw.milestones where milestone_id = ?", [mid]).fetchone():
            break
        part += 1
    full = {k: clean.get(k) for k in REVIEW_FIELDS}
    values = full | {
        "milestone_id": mid, "contract_id": contract_id, "confidence": 1.0, "needs_review": False,
        "source_text": evidence, "span_start": span_start, "span_end": span_end, "page": page,
        "document_id": contract[0]["current_document_id"], "origin": "human", "lifecycle_status": "open",
        "review_status": "approved",
        "human_fields": json.dumps({k: _human_value(k, v) for k, v in full.items()}, sort_keys=True),
        "updated_at": at,
    }  # fmt: skip
    con.execute(
        f"insert into raw.milestones ({', '.join(values)}) values ({', '.join('?' for _ in values)})",
        list(values.values()),
    )
    con.execute(
        "insert or replace into raw.evidence (milestone_id, contract_id, document_id, page, span_start, span_end, "
        "text, run_id) values (?, ?, ?, ?, ?, ?, ?, ?)",
        [mid, contract_id, values["document_id"], page, span_start, span_end, evidence, None],
    )
    after = {k: v for k, v in full.items() if v is not None} | {
        "review_status": "approved", "origin": "human", "span_start": span_start, "span_end": span_end,
        "page": page, "source_text": evidence,
    }  # fmt: skip
    row = {"milestone_id": mid, "contract_id": contract_id}
    did = _record(con, row, "add", actor, at, {}, after, comment)
    return DecisionResult(did, mid, contract_id, "add", "approved", {}, after)


def get_decisions(con: duckdb.DuckDBPyConnection, *, contract_id: str | None = None) -> list[dict[str, Any]]:
    where, params = ("where contract_id = ?", [contract_id]) if contract_id else ("", [])
    return rows(con, f"select * from raw.review_decisions {where} order by decided_at, decision_id", params)
