"""Admin-managed review rules (threshold, always-review types, "due soon") and owner rules, with audit.

Stored in raw.review_settings / raw.owner_rules (migration 0301). Defaults apply until an admin changes a
value. A change of threshold or always-review types is applied to the register at once: undecided machine
milestones move between 'pending' and 'not_required', one audit row each, so fan-out sees the new rule
immediately. `review_settings_for_loader` gives the nightly loader the same values.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from extractors.errors import MilestonesError
from extractors.schema import OBLIGATION_TYPES

from ..register import audit
from .store import has_table, rows

__all__ = [
    "ReviewSettings",
    "DEFAULTS",
    "OWNER_RULE_FIELDS",
    "get_review_settings",
    "update_review_settings",
    "apply_review_rules",
    "review_settings_for_loader",
    "get_owner_rules",
    "upsert_owner_rule",
    "SettingsError",
]


class SettingsError(MilestonesError):
    """A setting value an admin sent that cannot be used (HTTP 422)."""


@dataclass(frozen=True)
class ReviewSettings:
    review_threshold: float = 0.85
    always_review_types: tuple[str, ...] = ("payment", "compliance")
    due_soon_days: int = 30

    def to_dict(self) -> dict[str, Any]:
        return {"review_threshold": self.review_threshold, "always_review_types": list(self.always_review_types),
                "due_soon_days": self.due_soon_days}  # fmt: skip


DEFAULTS = ReviewSettings()

OWNER_RULE_FIELDS = ("contract_id", "counterparty", "obligation_type", "owner", "owner_kind", "owner_email",
                     "owner_channel", "manager", "manager_email", "jira_project", "asana_project")  # fmt: skip
_RULE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _validate(key: str, value: Any) -> Any:
    if key == "review_threshold":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= float(value) <= 1:
            raise SettingsError(f"review_threshold must be a number between 0 and 1, got {value!r}")
        return round(float(value), 4)
    if key == "always_review_types":
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise SettingsError("always_review_types must be a list of obligation types")
        unknown = [v for v in value if v not in OBLIGATION_TYPES]
        if unknown:
            raise SettingsError(f"unknown obligation type(s) {unknown}; use any of {', '.join(OBLIGATION_TYPES)}")
        return sorted(set(value))
    if key == "due_soon_days":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3650:
            raise SettingsError(f"due_soon_days must be a whole number of days between 1 and 3650, got {value!r}")
        return value
    raise SettingsError(f"unknown setting {key!r}; settable: review_threshold, always_review_types, due_soon_days")


def get_review_settings(con: duckdb.DuckDBPyConnection) -> ReviewSettings:
    if not has_table(con, "raw.review_settings"):
        return DEFAULTS
    stored = {r[0]: json.loads(r[1]) for r in con.execute(
        "select setting_key, setting_value from raw.review_settings").fetchall()}  # fmt: skip
    values = DEFAULTS.to_dict() | {k: v for k, v in stored.items() if k in DEFAULTS.to_dict()}
    return ReviewSettings(float(values["review_threshold"]), tuple(values["always_review_types"]),
                          int(values["due_soon_days"]))  # fmt: skip


def review_settings_for_loader(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Keyword arguments for extraction/loading: {"review_threshold", "always_review_types"}."""
    s = get_review_settings(con)
    return {"review_threshold": s.review_threshold, "always_review_types": s.always_review_types}


def update_review_settings(
    con: duckdb.DuckDBPyConnection, actor: str, changes: Mapping[str, Any], at: dt.datetime
) -> dict[str, Any]:
    """Validate and store changed settings (audit row each); re-apply the review rule if it changed."""
    if not changes:
        raise SettingsError("no settings given; send e.g. {\"review_threshold\": 0.8}")
    clean = {k: _validate(k, v) for k, v in changes.items()}
    current = get_review_settings(con).to_dict()
    changed = {k: v for k, v in clean.items() if current[k] != v}
    for key, value in changed.items():
        con.execute(
            "insert or replace into raw.review_settings (setting_key, setting_value, updated_by, updated_at) "
            "values (?, ?, ?, ?)",
            [key, json.dumps(value), actor, at],
        )
        audit(con, actor, "setting_change", "review_setting", key, None, {key: current[key]}, {key: value}, at)
    requeued: dict[str, int] = {}
    if {"review_threshold", "always_review_types"} & set(changed):
        requeued = apply_review_rules(con, get_review_settings(con), actor, at)
    return {"changed": changed, "requeued": requeued, "settings": get_review_settings(con).to_dict()}


def apply_review_rules(
    con: duckdb.DuckDBPyConnection, settings: ReviewSettings, actor: str, at: dt.datetime
) -> dict[str, int]:
    """Re-decide 'pending' vs 'not_required' for machine milestones no human has decided."""
    types = list(settings.always_review_types) or [""]
    candidates = rows(
        con,
        f"""
        select milestone_id, review_status,
               case when confidence < ? or obligation_type in ({', '.join('?' for _ in types)})
                    then 'pending' else 'not_required' end as wanted
        from raw.milestones
        where review_status in ('pending', 'not_required') and human_fields is null and origin = 'machine'
          and lifecycle_status <> 'removed'
        """,
        [settings.review_threshold, *types],
    )
    counts = {"to_pending": 0, "to_not_required": 0}
    for r in candidates:
        if r["wanted"] == r["review_status"]:
            continue
        con.execute("update raw.milestones set review_status = ?, updated_at = ? where milestone_id = ?",
                    [r["wanted"], at, r["milestone_id"]])  # fmt: skip
        audit(con, actor, "review_rule_applied", "milestone", r["milestone_id"], None,
              {"review_status": r["review_status"]}, {"review_status": r["wanted"]}, at)  # fmt: skip
        counts["to_pending" if r["wanted"] == "pending" else "to_not_required"] += 1
    return counts


def get_owner_rules(con: duckdb.DuckDBPyConnection, *, active_only: bool = False) -> list[dict[str, Any]]:
    if not has_table(con, "raw.owner_rules"):
        return []
    where = "where is_active" if active_only else ""
    return rows(con, f"select * from raw.owner_rules {where} order by rule_id")


def upsert_owner_rule(
    con: duckdb.DuckDBPyConnection, actor: str, rule_id: str, values: Mapping[str, Any], at: dt.datetime
) -> dict[str, Any]:
    """Create or change one owner rule (is_active=false retires it; rules are never deleted)."""
    if not _RULE_ID.match(rule_id or ""):
        raise SettingsError("rule_id: 1-64 characters of letters, digits, '_', '-', '.'")
    unknown = set(values) - set(OWNER_RULE_FIELDS) - {"is_active"}
    if unknown:
        raise SettingsError(f"unknown owner-rule field(s) {sorted(unknown)}; use {', '.join(OWNER_RULE_FIELDS)}, is_active")
    clean: dict[str, Any] = {}
    for k in OWNER_RULE_FIELDS:
        v = values.get(k)
        if v is not None and not isinstance(v, str):
            raise SettingsError(f"{k} must be text")
        v = (v or "").strip() or None
        if v is not None and len(v) > 300:
            raise SettingsError(f"{k} is longer than 300 characters")
        clean[k] = v
    if not clean["owner"]:
        raise SettingsError("owner is required (a team or person name as used in owner_map.csv)")
    if clean["obligation_type"] and clean["obligation_type"] not in OBLIGATION_TYPES:
        raise SettingsError(f"obligation_type must be one of {', '.join(OBLIGATION_TYPES)}")
    active = values.get("is_active", True)
    if not isinstance(active, bool):
        raise SettingsError("is_active must be true or false")
    clean["is_active"] = active
    old = rows(con, "select * from raw.owner_rules where rule_id = ?", [rule_id])
    before = {k: old[0][k] for k in clean} if old else None
    if before == clean:
        return clean | {"rule_id": rule_id, "changed": False}
    cols = list(clean)
    con.execute(
        f"insert or replace into raw.owner_rules (rule_id, {', '.join(cols)}, updated_by, updated_at) "
        f"values (?, {', '.join('?' for _ in cols)}, ?, ?)",
        [rule_id, *clean.values(), actor, at],
    )
    audit(con, actor, "setting_change", "owner_rule", rule_id, None, before, clean, at)
    return clean | {"rule_id": rule_id, "changed": True}


def parse_types(value: str | Sequence[str]) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)
