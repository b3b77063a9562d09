"""Amendments in the register: link each amendment to its parent and mark what it supersedes.

Runs inside the loader's transaction, after the extractions are merged (see nightly.load). Every load
re-evaluates all amendments against the whole register, so an amendment loaded before its parent is linked
on the night the parent arrives, and a corrected extraction re-plans what is superseded. Changes are diffed
against what is stored and each one leaves an audit row (actor ``amendments``).

What consumers read (dbt, fan-out, review):
- ``raw.contracts.parent_contract_id`` — the amended contract, for amendments;
- ``raw.milestones.superseded_by_contract_id`` not null — the milestone is no longer in force (history only);
  ``superseded_by_milestone_id`` is the amendment milestone that carries the obligation now;
- ``raw.effective_key_dates`` (view) — key dates with the latest amendment's values; ``amended_fields``,
  ``amended_by`` say which ones changed and why;
- ``raw.contract_amendments`` — the link, how it was found, and changes that could not be applied.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from extractors.amendments import (
    AmendmentChange,
    AmendmentReference,
    ParentCandidate,
    choose_parent,
    plan_supersessions,
)

from .register import audit

__all__ = ["AmendmentStats", "carry_parent_links", "apply_amendments", "link_by_hand", "ACTOR"]

ACTOR = "amendments"
_KEY_DATE_DEPENDENTS = ("expiration_date", "renewal_term", "renewal_notice_period")


@dataclass
class AmendmentStats:
    amendments: int = 0
    linked: int = 0
    unresolved: int = 0
    ambiguous: int = 0
    superseded: int = 0  # milestones newly marked superseded in this run
    released: int = 0  # milestones no longer superseded
    key_dates_amended: int = 0  # key-date overrides written or changed
    due_dates_derived: int = 0
    notes: list[str] = field(default_factory=list)


def _date(value: Any) -> dt.date | None:
    if value in (None, "", "perpetual"):
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _party_names(parties: Any) -> tuple[str, ...]:
    if isinstance(parties, str):
        try:
            parties = json.loads(parties)
        except ValueError:
            return ()
    out = []
    for p in parties or ():
        name = p.get("name") if isinstance(p, dict) else str(p)
        if name:
            out.append(name)
    return tuple(out)


def carry_parent_links(con: duckdb.DuckDBPyConnection, records: Sequence[dict], source_system: str = "folder") -> None:
    """Before the merge: an amendment re-extracted keeps its parent (the loader writes parent_contract_id
    from the record, and the extractor does not know the parent). A CLM that links records itself (Ironclad
    parent/links) gives the parent as ``source_parent_contract_id``; that link wins over text matching."""
    ids = [r["contract_id"] for r in records if not r.get("parent_contract_id")]
    if not ids:
        return
    if source_system != "folder":
        parents = dict(
            con.execute(
                "select i.contract_id, p.contract_id from raw.source_items i join raw.source_items p "
                "on p.source = i.source and (p.item_id = i.parent_ref or p.external_ref = i.parent_ref) "
                "where i.source = ? and i.parent_ref is not null and i.contract_id in (select unnest(?))",
                [source_system, ids],
            ).fetchall()
        )
        for r in records:
            if r["contract_id"] in parents:
                r["source_parent_contract_id"] = parents[r["contract_id"]]
    rows = con.execute(
        "select amendment_contract_id, parent_contract_id from raw.contract_amendments "
        "where parent_contract_id is not null and amendment_contract_id in (select unnest(?))",
        [ids],
    ).fetchall()
    links = dict(rows)
    for r in records:
        if not r.get("parent_contract_id") and r["contract_id"] in links:
            r["parent_contract_id"] = links[r["contract_id"]]


def _record_detections(con, run_id: str, records: Iterable[dict], now: dt.datetime) -> None:
    for rec in records:
        if "amendment" not in rec:
            continue  # written by an older extract step: nothing known either way
        cid = rec["contract_id"]
        row = con.execute(
            "select status, parent_contract_id from raw.contract_amendments where amendment_contract_id = ?", [cid]
        ).fetchone()
        a = rec.get("amendment")
        source_parent = rec.get("source_parent_contract_id")
        if a is None and source_parent is None:
            if row is not None and row[0] != "manual":
                con.execute("delete from raw.contract_amendments where amendment_contract_id = ?", [cid])
                audit(con, ACTOR, "not_an_amendment", "contract", cid, run_id,
                      {"parent_contract_id": row[1], "status": row[0]}, None, now)  # fmt: skip
            continue
        ref = (a or {}).get("reference") or {}
        kd = rec.get("key_dates") or {}
        values = {
            "label": ref.get("label"),
            "amendment_number": ref.get("number"),
            "amendment_date": _date(kd.get("agreement_date")) or _date(kd.get("effective_date")),
            "cited_title": ref.get("parent_title"),
            "cited_date": _date(ref.get("parent_date")),
            "cited_alias": ref.get("parent_alias"),
            "cited_text": ref.get("text"),
            "changes": json.dumps((a or {}).get("changes") or [], sort_keys=True),
        }
        if row is None:
            status, parent, basis = ("manual", source_parent, "source") if source_parent else ("unresolved", None, None)
            con.execute(
                "insert into raw.contract_amendments (amendment_contract_id, parent_contract_id, status, match_basis, "
                f"{', '.join(values)}, updated_at) values (?, ?, ?, ?, {', '.join('?' for _ in values)}, ?)",
                [cid, parent, status, basis, *values.values(), now],
            )
            audit(con, ACTOR, "detect", "amendment", cid, run_id, None,
                  {k: v for k, v in values.items() if k != "changes"}, now)  # fmt: skip
        else:
            sets = dict(values)
            if source_parent and (row[0] != "manual" or row[1] != source_parent):
                sets |= {"status": "manual", "parent_contract_id": source_parent, "match_basis": "source"}
            con.execute(
                f"update raw.contract_amendments set {', '.join(f'{k} = ?' for k in sets)}, updated_at = ? "
                "where amendment_contract_id = ?",
                [*sets.values(), now, cid],
            )


def _candidates(con) -> tuple[dict[dt.date, list[ParentCandidate]], list[ParentCandidate], dict[str, tuple[str, ...]]]:
    rows = con.execute(
        """
        select c.contract_id, c.title, k.agreement_date, k.effective_date, c.parties,
               a.amendment_contract_id is not null as is_amendment
        from raw.contracts c
        left join raw.key_dates k on k.contract_id = c.contract_id
        left join raw.contract_amendments a on a.amendment_contract_id = c.contract_id
        where c.status = 'active'
        """
    ).fetchall()
    by_date: dict[dt.date, list[ParentCandidate]] = defaultdict(list)
    everyone: list[ParentCandidate] = []
    parties: dict[str, tuple[str, ...]] = {}
    for cid, title, agreement, effective, ps, is_amendment in rows:
        names = _party_names(ps)
        parties[cid] = names
        cand = ParentCandidate(cid, title, agreement, effective, names, bool(is_amendment))
        everyone.append(cand)
        for d in {agreement, effective} - {None}:
            by_date[d].append(cand)
    return by_date, everyone, parties


def _set_parent(con, run_id: str, amendment_id: str, parent: str | None, now: dt.datetime) -> None:
    row = con.execute("select parent_contract_id from raw.contracts where contract_id = ?", [amendment_id]).fetchone()
    if row is None or row[0] == parent:
        return
    con.execute("update raw.contracts set parent_contract_id = ?, updated_at = ? where contract_id = ?",
                [parent, now, amendment_id])  # fmt: skip
    audit(con, ACTOR, "link_parent", "contract", amendment_id, run_id, {"parent_contract_id": row[0]},
          {"parent_contract_id": parent}, now)  # fmt: skip


def _link_all(con, run_id: str, now: dt.datetime, stats: AmendmentStats) -> None:
    by_date, everyone, parties = _candidates(con)
    rows = con.execute(
        "select amendment_contract_id, status, parent_contract_id, label, amendment_number, cited_title, "
        "cited_date, cited_alias, cited_text, match_basis, message from raw.contract_amendments a "
        "where exists (select 1 from raw.contracts c where c.contract_id = a.amendment_contract_id and c.status = 'active')"
    ).fetchall()
    for aid, status, parent, label, number, title, cited_date, alias, text, basis, message in rows:
        stats.amendments += 1
        if status == "manual":
            stats.linked += parent is not None
            _set_parent(con, run_id, aid, parent, now)
            continue
        ref = AmendmentReference(0, 0, text or "", label or "Amendment", number, title, cited_date, alias)
        pool = (by_date.get(cited_date, []) if cited_date else everyone)
        match = choose_parent(ref, parties.get(aid, ()), pool, aid)
        setattr(stats, match.status, getattr(stats, match.status) + 1)
        new = {
            "status": match.status,
            "parent_contract_id": match.contract_id,
            "match_basis": ",".join(match.basis) or None,
            "candidates": json.dumps(list(match.candidates)),
            "message": match.message or None,
        }
        if (status, parent, basis, message) != (new["status"], new["parent_contract_id"], new["match_basis"], new["message"]):
            con.execute(
                "update raw.contract_amendments set status = ?, parent_contract_id = ?, match_basis = ?, "
                "candidates = ?, message = ?, linked_run = ?, updated_at = ? where amendment_contract_id = ?",
                [*new.values(), run_id, now, aid],
            )
            audit(con, ACTOR, "link" if match.contract_id else match.status, "amendment", aid, run_id,
                  {"status": status, "parent_contract_id": parent}, {k: new[k] for k in ("status", "parent_contract_id",
                  "match_basis", "message")}, now)  # fmt: skip
        _set_parent(con, run_id, aid, match.contract_id, now)
        if match.message:
            stats.notes.append(f"{aid}: {match.message}")


_MILESTONE_COLS = (
    "milestone_id", "contract_id", "obligation_type", "milestone_name", "deliverable", "due_date",
    "clause_reference", "source_text", "amount", "span_start", "span_end", "human_fields",
    "superseded_by_contract_id", "superseded_by_milestone_id", "superseded_reason", "due_date_derived_from",
)  # fmt: skip


def _milestones(con, contract_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if not contract_ids:
        return out
    cur = con.execute(
        f"select {', '.join(_MILESTONE_COLS)} from raw.milestones where lifecycle_status <> 'removed' "
        "and contract_id in (select unnest(?)) order by contract_id, span_start nulls last, milestone_id",
        [list(contract_ids)],
    )
    for r in cur.fetchall():
        m = dict(zip(_MILESTONE_COLS, r, strict=True))
        out[m["contract_id"]].append(m)
    return out


def _effective(kd: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    exp = overrides.get("expiration_date")
    return {
        "expiration_date": _date(exp) if exp else kd.get("expiration_date"),
        "renewal_term": overrides.get("renewal_term") or kd.get("renewal_term"),
        "renewal_notice_period": overrides.get("renewal_notice_period") or kd.get("renewal_notice_period"),
        "is_perpetual": False if exp else kd.get("is_perpetual"),
    }


def _next_deadline(eff: Mapping[str, Any], as_of: dt.date) -> dt.date | None:
    from extractors.keydates import next_notice_deadline

    if eff.get("is_perpetual"):
        return None
    try:
        return next_notice_deadline(eff["expiration_date"], eff["renewal_term"], eff["renewal_notice_period"], as_of)
    except ValueError:  # a duration the calendar cannot count (e.g. P1Y6M): leave the deadline open
        return None


def apply_amendments(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    as_of: dt.date,
    records: Iterable[dict] = (),
    now: dt.datetime | None = None,
) -> AmendmentStats:
    """Record this run's amendment detections, (re)link every amendment, and bring supersessions, amended key
    dates and derived due dates in line with the current register. Idempotent: a second call changes nothing."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    stats = AmendmentStats()
    _record_detections(con, run_id, list(records), now)
    _link_all(con, run_id, now, stats)
    linked = con.execute(
        "select amendment_contract_id, parent_contract_id, changes, amendment_date, amendment_number "
        "from raw.contract_amendments a where parent_contract_id is not null and exists (select 1 from raw.contracts c "
        "where c.contract_id = a.amendment_contract_id and c.status = 'active') "
        "order by parent_contract_id, amendment_date nulls first, amendment_number nulls first, amendment_contract_id"
    ).fetchall()
    groups: dict[str, list[tuple]] = defaultdict(list)
    for row in linked:
        groups[row[1]].append(row)
    ids = sorted(set(groups) | {r[0] for r in linked})
    ms = _milestones(con, ids)
    kd_rows = con.execute(
        "select contract_id, expiration_date, renewal_term, renewal_notice_period, is_perpetual from raw.key_dates "
        "where contract_id in (select unnest(?))",
        [sorted(groups) or [""]],
    ).fetchall()
    key_dates = {r[0]: {"expiration_date": r[1], "renewal_term": r[2], "renewal_notice_period": r[3],
                        "is_perpetual": r[4]} for r in kd_rows}  # fmt: skip

    desired: dict[str, tuple[str, str, str]] = {}  # milestone → (amendment, successor, reason)
    desired_kd: dict[tuple[str, str, str], tuple[str | None, str | None]] = {}  # (parent, field, amendment) → (value, text)
    derive: dict[str, tuple[str, str]] = {}  # successor milestone → (parent, field that moved its deadline)
    notes_by: dict[str, list[str]] = {}
    for parent, amendments in groups.items():
        pool = list(ms.get(parent, []))
        overrides: dict[str, str] = {}
        last_moving: str | None = None
        for aid, _, changes_json, _adate, _anum in amendments:
            changes = [AmendmentChange.from_dict(c) for c in json.loads(changes_json or "[]")]
            own = [m for m in ms.get(aid, []) if m["milestone_id"] not in desired]
            plan = plan_supersessions(changes, [m for m in pool if m["milestone_id"] not in desired], own)
            for s in plan.supersessions:
                desired[s.milestone_id] = (aid, s.successor_id, s.reason)
            for fld, value in plan.key_dates.items():
                text = next((c.text for c in changes if c.field == fld and c.new_value == value), None)
                desired_kd[(parent, fld, aid)] = (value, text)
                overrides[fld] = value
                if fld in _KEY_DATE_DEPENDENTS:
                    last_moving = aid
            for i, pm, succ in plan.matched:
                if succ and changes[i].field in _KEY_DATE_DEPENDENTS and pm is not None:
                    derive[succ] = (parent, changes[i].field)
            notes_by[aid] = list(plan.notes)
            stats.notes.extend(f"{aid}: {n}" for n in plan.notes)
            pool += own  # a later amendment may change what this one set
        if last_moving is not None and parent in key_dates:
            deadline = _next_deadline(_effective(key_dates[parent], overrides), as_of)
            desired_kd[(parent, "next_renewal_notice_deadline", last_moving)] = (
                deadline.isoformat() if deadline else None, "recomputed from the amended key dates")  # fmt: skip

    _apply_supersessions(con, run_id, now, desired, stats)
    _apply_key_dates(con, run_id, now, desired_kd, linked, stats)
    _apply_derived_due_dates(con, run_id, now, derive, stats)
    for aid, notes in notes_by.items():
        con.execute("update raw.contract_amendments set notes = ? where amendment_contract_id = ?",
                    [json.dumps(notes), aid])  # fmt: skip
    return stats


def _apply_supersessions(con, run_id, now, desired, stats: AmendmentStats) -> None:
    current = {
        r[0]: (r[1], r[2], r[3])
        for r in con.execute(
            "select milestone_id, superseded_by_contract_id, superseded_by_milestone_id, superseded_reason "
            "from raw.milestones where superseded_by_contract_id is not null"
        ).fetchall()
    }
    for mid, want in sorted(desired.items()):
        have = current.get(mid)
        if have == want:
            continue
        con.execute(
            "update raw.milestones set superseded_by_contract_id = ?, superseded_by_milestone_id = ?, "
            "superseded_reason = ?, superseded_at = ?, updated_at = ? where milestone_id = ?",
            [*want, now, now, mid],
        )
        before = dict(zip(("superseded_by_contract_id", "superseded_by_milestone_id", "superseded_reason"), have or (None,) * 3, strict=True))
        after = dict(zip(("superseded_by_contract_id", "superseded_by_milestone_id", "superseded_reason"), want, strict=True))
        audit(con, ACTOR, "supersede", "milestone", mid, run_id, before, after, now)
        stats.superseded += 1
    for mid, have in sorted(current.items()):
        if mid in desired:
            continue
        con.execute(
            "update raw.milestones set superseded_by_contract_id = null, superseded_by_milestone_id = null, "
            "superseded_reason = null, superseded_at = null, updated_at = ? where milestone_id = ?",
            [now, mid],
        )
        audit(con, ACTOR, "release", "milestone", mid, run_id,
              {"superseded_by_contract_id": have[0], "superseded_by_milestone_id": have[1]}, None, now)  # fmt: skip
        stats.released += 1


def _apply_key_dates(con, run_id, now, desired_kd, linked, stats: AmendmentStats) -> None:
    meta = {r[0]: (r[3], r[4]) for r in linked}
    current = {
        (r[0], r[1], r[2]): r[3]
        for r in con.execute("select contract_id, field, amendment_contract_id, value from raw.amended_key_dates").fetchall()
    }
    for key, (value, text) in sorted(desired_kd.items()):
        if key in current and current[key] == value:
            continue
        parent, fld, aid = key
        adate, anum = meta.get(aid, (None, None))
        con.execute(
            "insert or replace into raw.amended_key_dates (contract_id, field, value, amendment_contract_id, "
            "amendment_date, amendment_number, source_text, run_id, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [parent, fld, value, aid, adate, anum, text, run_id, now],
        )
        audit(con, ACTOR, "amend_key_date", "key_dates", parent, run_id, {fld: current.get(key)},
              {fld: value, "amendment_contract_id": aid}, now)  # fmt: skip
        stats.key_dates_amended += 1
    for key, value in sorted(current.items()):
        if key in desired_kd:
            continue
        con.execute("delete from raw.amended_key_dates where contract_id = ? and field = ? and amendment_contract_id = ?",
                    list(key))  # fmt: skip
        audit(con, ACTOR, "release_key_date", "key_dates", key[0], run_id, {key[1]: value, "amendment_contract_id": key[2]},
              None, now)  # fmt: skip


def _apply_derived_due_dates(con, run_id, now, derive, stats: AmendmentStats) -> None:
    """An amendment milestone the extractor left undated because its date depends on the parent's key dates
    (a new notice period) gets the deadline computed from the parent's effective key dates."""
    deadlines = {
        r[0]: r[1]
        for r in con.execute(
            "select contract_id, next_renewal_notice_deadline from raw.effective_key_dates "
            "where contract_id in (select unnest(?))",
            [sorted({p for p, _ in derive.values()}) or [""]],
        ).fetchall()
    }
    rows = con.execute(
        "select milestone_id, due_date, due_date_derived_from, human_fields from raw.milestones "
        "where due_date_derived_from is not null or milestone_id in (select unnest(?))",
        [sorted(derive) or [""]],
    ).fetchall()
    for mid, due, derived_from, human in rows:
        decided = "due_date" in (json.loads(human) if human else {})
        if mid in derive and not decided:
            parent = derive[mid][0]
            want = deadlines.get(parent)
            if derived_from is None and due is not None:
                continue  # the extractor gave a date: keep it
            if (due, derived_from) == (want, parent if want else None):
                continue
            con.execute("update raw.milestones set due_date = ?, due_date_derived_from = ?, updated_at = ? "
                        "where milestone_id = ?", [want, parent if want else None, now, mid])  # fmt: skip
            audit(con, ACTOR, "derive_due_date", "milestone", mid, run_id, {"due_date": due},
                  {"due_date": want, "due_date_derived_from": parent}, now)  # fmt: skip
            stats.due_dates_derived += 1
        elif derived_from is not None and mid not in derive and not decided:
            con.execute("update raw.milestones set due_date = null, due_date_derived_from = null, updated_at = ? "
                        "where milestone_id = ?", [now, mid])  # fmt: skip
            audit(con, ACTOR, "underive_due_date", "milestone", mid, run_id, {"due_date": due}, {"due_date": None}, now)


def link_by_hand(
    con: duckdb.DuckDBPyConnection, amendment_id: str, parent_id: str | None, actor: str, run_id: str | None = None
) -> None:
    """A reviewer's link (or unlink, parent_id None): stored as status 'manual', never changed by the matcher.
    The supersessions follow at the next load (or call apply_amendments)."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    row = con.execute("select status, parent_contract_id from raw.contract_amendments where amendment_contract_id = ?",
                      [amendment_id]).fetchone()  # fmt: skip
    if row is None:
        con.execute("insert into raw.contract_amendments (amendment_contract_id, parent_contract_id, status, "
                    "match_basis, updated_at) values (?, ?, 'manual', 'manual', ?)", [amendment_id, parent_id, now])  # fmt: skip
    else:
        con.execute("update raw.contract_amendments set parent_contract_id = ?, status = 'manual', match_basis = "
                    "'manual', message = null, updated_at = ? where amendment_contract_id = ?", [parent_id, now, amendment_id])  # fmt: skip
    audit(con, actor, "link_by_hand", "amendment", amendment_id, run_id,
          {"parent_contract_id": row[1] if row else None, "status": row[0] if row else None},
          {"parent_contract_id": parent_id, "status": "manual"}, now)  # fmt: skip
