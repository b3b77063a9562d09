"""Owner rules an admin sets in the review app (raw.owner_rules) decide owners in the marts next to the owner_map
seed: at the same specificity the admin rule wins, a more specific seed rule still wins over a less specific admin
rule, and a retired (inactive) admin rule has no effect. Real extractions of sample contracts, dbt in its own process."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from milestones.register import open_register
from milestones.review.settings import upsert_owner_rule

from tests.dbt.warehouse_helpers import dbt, load_register, sample_records

AT = dt.datetime(2026, 11, 30, 9)
STEMS = ("sla-northwind-hollis-crane-2026", "msa-northwind-indigo-bay-2025")


def _owners(warehouse) -> dict[tuple[str, str], set[str]]:
    res = dbt(warehouse, "build", "--select", "+int_obligations_owned", "--indirect-selection", "cautious",
              "--exclude", "resource_type:unit_test")
    assert res.returncode == 0, res.stdout[-4000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        got = con.execute(
            "select m.contract_id, m.obligation_type, o.owner from intermediate.int_obligations_owned o "
            "join raw.milestones m using (milestone_id)"
        ).fetchall()
    out: dict[tuple[str, str], set[str]] = {}
    for cid, otype, owner in got:
        out.setdefault((cid, otype), set()).add(owner)
    return out


@pytest.mark.slow  # two dbt builds of the owner models (~15 s)
def test_admin_owner_rules_take_part_in_owner_matching(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    load_register(warehouse, sample_records(STEMS))
    before = _owners(warehouse)
    assert before[(STEMS[0], "sla")] == {"service-desk"}  # the seed's obligation-type rule
    with open_register(warehouse) as con:
        upsert_owner_rule(con, "admin", "sla-night-desk", {"obligation_type": "sla", "owner": "night-desk"}, AT)
        upsert_owner_rule(con, "admin", "indigo-all", {"contract_id": STEMS[1], "owner": "indigo-team"}, AT)
        upsert_owner_rule(con, "admin", "retired", {"obligation_type": "payment", "owner": "nobody",
                                                      "is_active": False}, AT)  # fmt: skip
    after = _owners(warehouse)
    assert after[(STEMS[0], "sla")] == {"night-desk"}  # same specificity: the admin rule wins
    assert all(owners == {"indigo-team"} for (cid, _), owners in after.items() if cid == STEMS[1])
    assert not any("nobody" in owners for owners in after.values())  # an inactive rule is ignored
    untouched = {k: v for k, v in before.items() if k[0] == STEMS[0] and k[1] != "sla"}
    assert untouched and all(after[k] == v for k, v in untouched.items())
