"""The dbt project on a register loaded from real extractions of 12 sample contracts (see helpers.SUBSET):
`dbt build` passes with every data test and unit test, every mart is populated, and the date arithmetic
agrees with independent implementations (extractors.calendar for business days, the extractor's own next
notice deadline for renewals). One build per module (~1 min)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from milestones.quality import MARTS

from extractors.calendar import BusinessCalendar, add_months, month_end
from tests.dbt.warehouse_helpers import AS_OF, dbt, load_register, run_results, sample_records


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    work = tmp_path_factory.mktemp("dbt-models")
    warehouse = work / "warehouse.duckdb"
    load_register(warehouse, sample_records())
    res = dbt(warehouse, "build")
    return warehouse, work, res


@pytest.fixture(scope="module")
def con(built):
    warehouse, _, res = built
    assert res.returncode == 0, res.stdout[-6000:]
    c = duckdb.connect(str(warehouse), read_only=True)
    yield c
    c.close()


def test_dbt_build_passes_with_data_tests_and_unit_tests(built):
    warehouse, work, res = built
    assert res.returncode == 0, res.stdout[-6000:]
    results = run_results(warehouse, work)
    by_type: dict[str, list[str]] = {}
    for r in results:
        by_type.setdefault(r["unique_id"].split(".")[0], []).append(r["status"])
    assert set(by_type["unit_test"]) == {"pass"} and len(by_type["unit_test"]) >= 18
    assert set(by_type["test"]) == {"pass"}
    assert set(by_type["snapshot"]) == {"success"}
    ran = {r["unique_id"] for r in results}
    # tests spanning two models and the source tests ran too (a per-model `dbt build` skips them)
    assert any(".relationships_fct_obligations_contract_id" in u for u in ran)
    assert any(".source_unique_register_milestones_milestone_id" in u for u in ran)


def test_every_mart_is_populated_for_the_reference_date(con):
    for mart in MARTS:
        rows, dates = con.execute(f"select count(*), list(distinct as_of_date) from marts.{mart}").fetchall()[0]
        assert rows > 0, f"marts.{mart} is empty"
        assert dates == [AS_OF], f"marts.{mart} as of {dates}"


def test_business_day_occurrences_match_the_extractors_calendar(con):
    """Every period-end occurrence with a business-day offset, recomputed independently."""
    cal = BusinessCalendar()
    rows = con.execute(
        """
        select f.anchor_date, f.due_date, m.rule_amount
        from marts.fct_obligations f join raw.milestones m using (milestone_id)
        where f.recurrence_method = 'period_end' and m.rule_unit = 'business_days'
        """
    ).fetchall()
    assert len(rows) >= 20
    for anchor, due, amount in rows:
        assert due == cal.add_business_days(anchor, amount), (anchor, amount, due)


def test_calendar_day_and_month_end_occurrences(con):
    rows = con.execute(
        """
        select f.anchor_date, f.due_date, m.rule_amount, m.rule_unit, m.rule_direction
        from marts.fct_obligations f join raw.milestones m using (milestone_id)
        where f.recurrence_method = 'period_end' and coalesce(m.rule_unit, 'days') = 'days'
        """
    ).fetchall()
    assert len(rows) >= 20
    for anchor, due, amount, _unit, direction in rows:
        assert anchor == month_end(anchor), f"period-end anchor {anchor} is not a month end"
        sign = 0 if direction == "on" else 1
        assert due == anchor + dt.timedelta(days=sign * (amount or 0)), (anchor, amount, due)
    # anniversaries: a whole number of years (or weeks) after the contract's effective date
    for eff, anchor, weekly in con.execute(
        """
        select k.effective_date, f.anchor_date, coalesce(m.rule_frequency, m.recurrence) = 'weekly'
        from marts.fct_obligations f join raw.milestones m using (milestone_id) join raw.key_dates k on k.contract_id = f.contract_id
        where f.recurrence_method = 'anniversary'
        """
    ).fetchall():
        if weekly:
            assert (anchor - eff).days % 7 == 0
        else:
            years = anchor.year - eff.year
            assert years >= 1 and anchor == add_months(eff, 12 * years)


def test_next_notice_deadline_agrees_with_the_extractor(con):
    """dbt rolls renewals forward itself; where the extractor computed a next deadline, they agree."""
    rows = con.execute(
        "select contract_id, next_notice_deadline_date, next_notice_deadline from marts.dim_contracts "
        "where next_notice_deadline is not null and is_renewing"
    ).fetchall()
    assert rows, "no renewing contract with a notice deadline in the subset"
    for cid, ours, extractor in rows:
        assert ours == extractor, f"{cid}: dbt {ours} vs extractor {extractor}"


def test_expired_options_lapse_and_history_before_tracking_is_not_overdue(con):
    statuses = dict(con.execute("select obligation_status, count(*) from marts.fct_obligations group by 1").fetchall())
    assert statuses.get("untracked", 0) > 0 and statuses.get("open", 0) > 0
    # a recurring occurrence due before the register first saw it is never 'overdue'
    bad = con.execute(
        """
        select count(*) from marts.fct_obligations f join raw.milestones m using (milestone_id)
        join raw.extraction_runs r on r.run_id = m.first_seen_run
        where f.is_recurring and f.due_date < r.logical_date and f.obligation_status = 'overdue'
        """
    ).fetchall()[0][0]
    assert bad == 0
    # past notice windows of renewing contracts are lapsed, not overdue
    assert con.execute(
        "select count(*) from marts.fct_obligations where obligation_type = 'renewal_notice' "
        "and due_date < as_of_date and obligation_status not in ('lapsed', 'completed', 'cancelled')"
    ).fetchall()[0][0] == 0


def test_renewal_windows_and_sla_terms(con):
    windows = con.execute(
        "select contract_id, renewal_type, term_end_date, last_notice_business_date, is_within_warning_window, "
        "days_until_notice_deadline from marts.mart_renewal_windows where contract_id = 'dist-northwind-acme-2023' "
        "order by term_end_date"
    ).fetchall()
    # renews every 12 months from 2026-12-12 with 120 days' notice: this term's deadline has passed, the
    # next one (2027-08-14 is a Saturday → Friday 13th) is in the 12-month forecast
    assert [(w[2], w[3]) for w in windows] == [(dt.date(2026, 12, 12), dt.date(2026, 8, 14)),
                                               (dt.date(2027, 12, 12), dt.date(2027, 8, 13))]  # fmt: skip
    assert all(w[1] == "auto_renewal" for w in windows)
    terms = con.execute(
        "select service_metric, priority_level, target_hours from intermediate.int_sla_terms s "
        "join raw.milestones m on m.milestone_id = s.sla_term_id where m.contract_id = 'sla-northwind-hollis-crane-2026' "
        "and priority_level = 1 order by target_hours"
    ).fetchall()
    assert terms == [("response", 1, 1.0), ("resolution", 1, 8.0)]
