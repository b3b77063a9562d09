"""The leadership dashboards in a real browser (Playwright driving Debian's /usr/bin/chromium, `make test-dashboards`).

Every dashboard is opened in Superset (served by gunicorn from .venv-superset on 127.0.0.1) and its key numbers
are read off the page — big numbers, pivot tables, table row counts, contract links — and compared with the
same numbers queried here, independently, from the marts of the published warehouse. One filter is applied
through the filter bar and the page must follow it. A full-page screenshot of each dashboard is saved to
plugins/dashboards/screenshots/ (the README's pictures; MILESTONES_DASHBOARD_SCREENSHOTS to redirect).

Fixture: the demo warehouse — the committed sample portfolio (synthetic development data, extractors/samples)
run through the real contracts_nightly and register_models DAGs (`airflow dags test`, as `make demo` does) as
of 2026-12-01 into a temporary data dir (≈4-7 min on 2 cores). To reuse an existing published copy instead
(e.g. the one `make demo` wrote), set MILESTONES_TEST_PUBLISHED=data/published/warehouse.duckdb.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
from pathlib import Path
from typing import Any

import duckdb
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # slow: kept out of `make test`

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 12, 1)
CHROMIUM = os.environ.get("MILESTONES_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
SCREENSHOTS = Path(
    os.environ.get("MILESTONES_DASHBOARD_SCREENSHOTS", ROOT / "plugins" / "dashboards" / "screenshots")
)
# A base URL nobody would type, so the links can only come from the setting.
CONTRACT_BASE = "http://review.test.invalid:8790/contracts"
PASSWORD = "dashboards-test-pass-1"
RENDERED = {  # what a finished chart of each kind contains
    "big_number_total": ".header-line",
    "table": "table tbody tr",
    "pivot_table_v2": "table tbody tr",
    "echarts_timeseries_bar": "canvas, svg",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    reuse = os.environ.get("MILESTONES_TEST_PUBLISHED")
    if reuse:
        path = Path(reuse).resolve()
        assert path.exists(), f"MILESTONES_TEST_PUBLISHED={reuse} does not exist"
        return path
    from milestones import demo

    base = tmp_path_factory.mktemp("demo")
    env = demo.airflow_env({
        "AIRFLOW_HOME": str(base / "airflow"),
        "MILESTONES_DATA": str(base / "data"),
        "MILESTONES_INBOX": str(ROOT / "extractors" / "samples" / "portfolio"),
        "MILESTONES_WAREHOUSE": str(base / "data" / "warehouse.duckdb"),
    })  # fmt: skip
    demo.prepare(env)
    from milestones.risk_history import load_demo_history  # as `make demo` does: the late-risk model's past

    load_demo_history(base / "data" / "warehouse.duckdb", AS_OF)
    for dag_id in ("contracts_nightly", "register_models"):
        demo.run_dag(dag_id, AS_OF, env, base / "logs")
    return base / "data" / "published" / "warehouse.duckdb"


@pytest.fixture(scope="module")
def superset(published, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: run `make system-deps` (Debian package chromium)")
    from milestones.dashboards import DashboardSettings, build_dashboards, start_server, wait_until_up

    settings = DashboardSettings(
        home=tmp_path_factory.mktemp("superset"),
        superset_venv=ROOT / ".venv-superset",
        port=_free_port(),
        contract_base_url=CONTRACT_BASE,
        admin_password=PASSWORD,
    )
    if not settings.python.exists():
        pytest.fail("Superset is not installed: run `make dashboards-install` (or `make test-dashboards`)")
    first = build_dashboards(published, settings)
    assert first == settings.dashboard_url("obligation-health")
    proc = start_server(settings)
    try:
        wait_until_up(settings, proc)
        yield settings
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def page(superset):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.set_default_timeout(60_000)
        pg.goto(f"{superset.url}/login/")
        pg.fill("#username", "admin")
        pg.fill("#password", PASSWORD)
        pg.keyboard.press("Enter")
        pg.wait_for_url("**/superset/welcome/**")
        yield pg
        browser.close()


def q(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def one(db: Path, sql: str, params: list[Any] | None = None) -> Any:
    return q(db, sql, params)[0][0]


def open_dashboard(page, settings, slug: str) -> dict[str, str]:
    """Open a dashboard, wait until every chart has rendered; {chart title: viz type}."""
    page.goto(settings.dashboard_url(slug))
    page.wait_for_selector("[data-test-chart-name]")
    charts = dict(page.eval_on_selector_all(
        "[data-test-chart-name]", "els => els.map(e => [e.dataset.testChartName, e.dataset.testVizType])"))  # fmt: skip
    for name, viz in charts.items():
        page.locator(f'[data-test-chart-name="{name}"]').locator(RENDERED[viz]).first.wait_for()
    errors = page.locator("[data-test-chart-name] [role=alert], [data-test-chart-name] .alert-danger")
    assert errors.count() == 0, f"{slug}: chart errors: {errors.all_inner_texts()}"
    return charts


def screenshot(page, slug: str) -> None:
    """Full page, reduced to a 64-colour palette so the committed pictures stay small (~60 KB each)."""
    from PIL import Image

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Lay the whole page out in the window first: a full-page capture resizes the window during the shot, and
    # Superset re-lays its grid out on a resize, which now and then left a blank grey page in the picture.
    size = page.viewport_size
    height = page.evaluate("Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    page.set_viewport_size({"width": size["width"], "height": height})
    page.wait_for_selector("[data-test-chart-name]")
    charts = page.eval_on_selector_all(
        "[data-test-chart-name]", "els => els.map(e => [e.dataset.testChartName, e.dataset.testVizType])")  # fmt: skip
    for name, viz in charts:
        page.locator(f'[data-test-chart-name="{name}"]').locator(RENDERED[viz]).first.wait_for()
    page.wait_for_timeout(800)  # let the ECharts animations finish
    path = SCREENSHOTS / f"{slug}.png"
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    with Image.open(path) as img:
        small = img.convert("RGB").quantize(colors=64)
    small.save(path, optimize=True)


def big(page, title: str) -> float:
    text = page.locator(f'[data-test-chart-name="{title}"] .header-line').first.inner_text()
    return float(text.replace(",", "").strip())


def pivot(page, title: str) -> dict[str, list[str]]:
    """{last row label: [non-empty value cells]} of a pivot table; the totals row is 'Total (Sum)'."""
    rows = page.locator(f'[data-test-chart-name="{title}"] table tbody tr')
    out = {}
    for i in range(rows.count()):
        labels = [t.strip() for t in rows.nth(i).locator("th").all_inner_texts() if t.strip()]
        values = [t.strip() for t in rows.nth(i).locator("td").all_inner_texts() if t.strip()]
        out[labels[-1] if labels else ""] = values
    return out


def ints(values: list[str]) -> list[int]:
    return [int(v.replace(",", "")) for v in values]


def table_rows(page, title: str) -> list[list[str]]:
    rows = page.locator(f'[data-test-chart-name="{title}"] table tbody tr')
    return [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]


def record_count(page, title: str) -> int:
    """The table chart's own count of rows ('N records...' in its search box)."""
    placeholder = page.locator(
        f'[data-test-chart-name="{title}"] input[placeholder*="records"]'
    ).get_attribute("placeholder")
    return int(re.match(r"([\d,]+) records", placeholder).group(1).replace(",", ""))


def contract_links(page, title: str) -> list[tuple[str, str]]:
    return page.eval_on_selector_all(
        f'[data-test-chart-name="{title}"] table tbody a',
        "els => els.map(e => [e.innerText.trim(), e.getAttribute('href')])",
    )


def assert_links(page, title: str, contract_ids: set[str]) -> None:
    links = contract_links(page, title)
    assert links, f"{title}: no contract links"
    for text, href in links:
        assert text in contract_ids, f"{title}: link to unknown contract {text}"
        assert href == f"{CONTRACT_BASE}/{text}", f"{title}: {href}"


# ---------------------------------------------------------------------------------------------------- the pages


def test_obligation_health(page, superset, published):
    charts = open_dashboard(page, superset, "obligation-health")
    assert charts["Health by month of due date"] == "echarts_timeseries_bar"
    sums = q(published, "select sum(on_track_count), sum(at_risk_count), sum(overdue_count), sum(completed_count), "
                        "sum(total_count) from marts.mart_obligation_health")[0]  # fmt: skip
    assert [big(page, t) for t in ("On track", "At risk", "Overdue", "Completed")] == list(sums[:4])
    # the by-counterparty pivot (a row per occurrence) must add up to the mart, status by status
    statuses = dict(q(published, """
        select s, sum(c) from marts.mart_obligation_health
        unpivot (c for s in (on_track_count, at_risk_count, overdue_count, completed_count, lapsed_count,
                             cancelled_count, untracked_count))
        group by s having sum(c) > 0 order by s"""))  # fmt: skip
    table = pivot(page, "By counterparty")
    assert ints(table["Total (Sum)"]) == [*statuses.values(), sums[4]]
    # and a counterparty's row equals its occurrences in the mart's months
    name, n = q(published, """
        select counterparty, count(*) from marts.fct_obligations
        where date_trunc('month', due_date) in (select period_month from marts.mart_obligation_health)
          and counterparty is not null group by 1 order by 2 desc, 1 limit 1""")[0]  # fmt: skip
    assert ints(table[name])[-1] == n
    screenshot(page, "obligation-health")


def test_upcoming_deadlines_and_filter(page, superset, published):
    open_dashboard(page, superset, "upcoming-deadlines")
    due = {n: one(published, "select count(*) from marts.fct_obligations where obligation_status = 'open' "
                             f"and days_until_due between 0 and {n}") for n in (30, 60, 90)}  # fmt: skip
    assert [big(page, f"Due within {n} days") for n in (30, 60, 90)] == [due[30], due[60], due[90]]
    mart = q(published, "select owner, deadline_bucket, sum(obligation_count) from marts.mart_upcoming_deadlines "
                        "group by all")  # fmt: skip
    table = pivot(page, "Owner × window")
    for owner in {o for o, _, _ in mart}:
        expected = [n for o, _, n in sorted(mart, key=lambda r: r[1]) if o == owner]
        assert ints(table[owner])[:-1] == expected, owner
        assert ints(table[owner])[-1] == sum(expected)
    assert record_count(page, "Upcoming obligations") == due[90]
    ids = {r[0] for r in q(published, "select contract_id from marts.dim_contracts")}
    assert_links(page, "Upcoming obligations", ids)
    first = table_rows(page, "Upcoming obligations")[0]
    assert first[0] == str(one(published, "select min(due_date) from marts.fct_obligations "
                                          "where obligation_status = 'open' and days_until_due between 0 and 90"))  # fmt: skip
    screenshot(page, "upcoming-deadlines")

    # the filter bar: one owner, and every chart follows
    owner, n30, n90 = q(published, """
        select owner, sum(obligation_count) filter (where deadline_bucket = '0-30'), sum(obligation_count)
        from marts.mart_upcoming_deadlines group by owner order by 3 desc, 1 limit 1""")[0]  # fmt: skip
    select = page.locator('[data-test="NATIVE_FILTER-upcoming-deadlines-owner"]')
    select.click()
    page.keyboard.type(owner)
    page.locator(".ant-select-item-option", has_text=owner).first.click()
    page.keyboard.press("Escape")
    page.locator('[data-test="filter-bar__apply-button"]').click()
    page.wait_for_function(
        "([t, v]) => { const e = document.querySelector(`[data-test-chart-name='${t}'] .header-line`);"
        " return e && e.innerText.replace(/,/g, '').trim() === String(v); }",
        arg=["Due within 90 days", n90],
    )
    assert big(page, "Due within 30 days") == n30
    page.wait_for_function(
        "([t, v]) => { const e = document.querySelector(`[data-test-chart-name='${t}'] input[placeholder*=records]`);"
        " return e && e.placeholder.startsWith(v + ' records'); }",
        arg=["Upcoming obligations", n90],
    )
    assert {row[3] for row in table_rows(page, "Upcoming obligations")} == {owner}


def test_renewals(page, superset, published):
    open_dashboard(page, superset, "renewals")
    in_window = """from marts.mart_renewal_windows where (term_end_date < as_of_date + interval 12 month
        or last_notice_business_date < as_of_date + interval 12 month)"""
    horizon = "term_end_date < as_of_date + interval 12 month"
    ends = one(published, f"select count(*) from marts.mart_renewal_windows where {horizon}")
    auto = one(
        published,
        f"select count(*) from marts.mart_renewal_windows where {horizon} and renewal_type = 'auto_renewal'",
    )  # noqa: E501
    warn = one(published, "select count(*) from marts.mart_renewal_windows where is_within_warning_window")
    passed = one(published, f"select count(*) {in_window} and is_notice_deadline_passed")
    assert big(page, "Term ends in the next 12 months") == ends
    assert big(page, "Auto-renewals in the next 12 months") == auto
    assert big(page, "Notice deadlines within 90 days") == warn
    assert big(page, "Notice deadline already passed") == passed
    expected = {
        (
            cid,
            str(end),
            "auto-renews" if kind == "auto_renewal" else "expires",
            str(notice) if notice else "N/A",
        )
        for cid, end, kind, notice in q(
            published,
            f"select contract_id, term_end_date, renewal_type, last_notice_business_date {in_window}",
        )  # fmt: skip
    }
    assert record_count(page, "12-month timeline") == len(expected)
    rows = table_rows(page, "12-month timeline")
    # columns: last day to give notice, days to it, term end, renewal flag, contract, counterparty, notice, owner
    assert {(r[4], r[2], r[3], r[0]) for r in rows} <= expected
    assert [r[2] for r in rows] == sorted(r[2] for r in rows), "timeline is not in term-end order"
    assert_links(page, "12-month timeline", {e[0] for e in expected})
    screenshot(page, "renewals")


def test_at_risk(page, superset, published):
    open_dashboard(page, superset, "at-risk")
    by_reason = dict(q(published, "select risk_reason, count(*) from marts.mart_at_risk group by 1"))
    assert big(page, "Obligations at risk") == one(
        published, "select count(distinct occurrence_id) from marts.mart_at_risk"
    )
    assert big(page, "Overdue") == by_reason.get("overdue", 0)
    assert big(page, "Due soon, task not started") == by_reason.get("due_soon_task_not_started", 0)
    assert big(page, "Unreviewed, low confidence") == by_reason.get("unreviewed_low_confidence", 0)
    table = pivot(page, "Owner × reason")
    assert ints(table["Total (Sum)"]) == [*(n for _, n in sorted(by_reason.items())), sum(by_reason.values())]
    assert record_count(page, "Items at risk") == sum(by_reason.values())
    expected = {
        (str(d), r, c)
        for d, r, c in q(published, "select due_date, risk_reason, contract_id from marts.mart_at_risk")
    }
    rows = table_rows(page, "Items at risk")
    # columns: due date, reason, detail, owner, counterparty, type, obligation, contract
    assert {(r[0], r[1], r[7]) for r in rows} <= expected
    assert_links(page, "Items at risk", {c for _, _, c in expected})
    # the late-risk model: the count it flags, and every occurrence it scored, highest score first
    assert big(page, "Likely late (model ≥ 50%)") == by_reason.get("high_late_risk", 0)
    scored = q(published, """
        select distinct occurrence_id, contract_id, round(late_risk_score, 2) from marts.mart_at_risk
        where late_risk_score is not null""")  # fmt: skip
    assert scored, "the demo history should let the model score the open obligations"
    assert record_count(page, "Most likely to slip (late-risk model)") == len(scored)
    rows = table_rows(page, "Most likely to slip (late-risk model)")
    # columns: score, reasons, due date, days left, task, owner, counterparty, obligation, contract
    shown = [float(r[0].rstrip("%")) / 100 for r in rows]
    assert shown == sorted(shown, reverse=True) and shown[0] == pytest.approx(max(s for *_, s in scored), abs=0.006)
    assert {r[8] for r in rows} <= {c for _, c, _ in scored}
    screenshot(page, "at-risk")


def test_sla_performance(page, superset, published):
    open_dashboard(page, superset, "sla-performance")
    terms, incidents, breaches, credits = q(published, """
        select count(distinct sla_term_id), sum(incident_count), sum(breach_count), sum(credits_at_risk)
        from marts.mart_sla_performance""")[0]  # fmt: skip
    assert big(page, "SLA commitments tracked") == terms
    assert big(page, "Incidents (12 months)") == incidents
    assert big(page, "Breaches (12 months)") == breaches
    assert big(page, "Credits at risk") == credits
    assert record_count(page, "Attainment vs commitment per contract") == terms
    ids = {r[0] for r in q(published, "select distinct contract_id from marts.mart_sla_performance")}
    assert_links(page, "Attainment vs commitment per contract", ids)
    screenshot(page, "sla-performance")


def test_payment_schedule(page, superset, published):
    # the bar chart's numbers are drawn on a canvas: read them from the chart-data answer the page received
    answers = []

    def keep(response) -> None:
        if "/api/v1/chart/data" in response.url and "expected_amount" in (response.request.post_data or ""):
            answers.append(response)

    page.on("response", keep)
    charts = open_dashboard(page, superset, "payment-schedule")
    page.remove_listener("response", keep)
    window = "expected_date >= as_of_date and expected_date < as_of_date + interval 12 month"
    assert big(page, "Payments expected in the next 12 months") == one(
        published, f"select count(*) from marts.mart_payment_schedule where {window}"
    )
    assert big(page, "Overdue payments") == one(
        published, "select count(*) from marts.mart_payment_schedule where payment_status = 'overdue'"
    )
    assert big(page, "Waiting on a trigger (no date yet)") == one(
        published, "select count(*) from marts.mart_payment_schedule where expected_date is null"
    )
    by_currency = {
        (cur or "(none)"): (n, amount)
        for cur, n, amount in q(
            published,
            f"select currency, count(*), sum(amount) from marts.mart_payment_schedule "
            f"where {window} group by 1",
        )  # fmt: skip
    }
    shown = {r[0]: r[1:] for r in table_rows(page, "Next 12 months by currency")}
    assert set(shown) == set(by_currency)
    for cur, (n, amount) in by_currency.items():
        assert int(shown[cur][0].replace(",", "")) == n, cur
        assert shown[cur][1] == ("N/A" if amount is None else f"{amount:,.2f}"), cur
    assert record_count(page, "Payments in the next 12 months") == sum(n for n, _ in by_currency.values())
    # expected vs invoiced by month (mart_payment_months), 12 months back and ahead, priced currencies
    assert charts["Expected vs invoiced by month"] == "echarts_timeseries_bar"
    months = q(published, """
        select strftime(month_start_date, '%Y-%m'), currency, expected_amount, invoiced_amount
        from marts.mart_payment_months where currency <> 'unknown'
          and month_start_date >= as_of_date - interval 12 month and month_start_date < as_of_date + interval 12 month""")  # fmt: skip
    assert months and len(answers) == 1
    shown: dict[tuple[str, str, str], float] = {}
    for row in answers[0].json()["result"][0]["data"]:
        month = dt.datetime.fromtimestamp(row.pop("month_start_date") / 1000, dt.UTC).strftime("%Y-%m")
        for series, value in row.items():  # "Expected, USD" ...
            if value is not None:
                metric, cur = series.split(", ")
                shown[(month, cur, metric)] = value
    expected = {(m, c, "Expected"): float(e) for m, c, e, _ in months} | {
        (m, c, "Invoiced"): float(i) for m, c, _, i in months}  # fmt: skip
    assert shown == pytest.approx(expected)
    screenshot(page, "payment-schedule")


def test_review_backlog(page, superset, published):
    from milestones.review.queries import QueueFilter, get_queue

    open_dashboard(page, superset, "review-backlog")
    # the queue is the review app's: its own count, on the same published copy
    with duckdb.connect(str(published), read_only=True) as con:
        _, queue, _ = get_queue(con, QueueFilter(limit=1))
    in_queue = """from raw.milestones as m join raw.contracts as c on m.contract_id = c.contract_id
        left join raw.extraction_runs as r on m.first_seen_run = r.run_id
        where m.review_status in ('pending', 'rereview') and m.lifecycle_status <> 'removed' and c.status = 'active'
            and m.superseded_by_contract_id is null"""
    assert one(published, f"select count(*) {in_queue}") == queue
    mean, first_seen = q(published, f"select avg(m.confidence), min(r.logical_date) {in_queue}")[0]
    as_of = one(published, "select max(logical_date) from raw.extraction_runs")
    assert big(page, "In the review queue") == queue
    assert big(page, "Oldest in queue (days)") == (as_of - first_seen).days
    assert big(page, "Mean confidence in queue") == round(mean, 2)
    live = one(published, "select count(*) from raw.milestones as m join raw.contracts as c "
                          "on m.contract_id = c.contract_id where m.lifecycle_status <> 'removed' "
                          "and m.superseded_by_contract_id is null")  # in force: an amendment's replacement counts once
    table = pivot(page, "By model version")
    assert ints(table["Total (Sum)"]) == [queue, live - queue, live]
    screenshot(page, "review-backlog")


def test_bundle_datasets_match_the_published_marts(published):
    """Each dataset's committed columns (names, types) are what its SQL returns now: catches mart drift."""
    import yaml

    for path in sorted((ROOT / "plugins" / "dashboards" / "bundle" / "datasets").rglob("*.yaml")):
        d = yaml.safe_load(path.read_text())
        src = f"({d['sql'].replace('{{ contract_base_url() }}', CONTRACT_BASE)})" if d["sql"] else (
            f"{d['schema']}.{d['table_name']}"
        )  # fmt: skip
        got = [(name, typ) for name, typ, *_ in q(published, f"describe select * from {src}")]
        assert got == [(c["column_name"], c["type"]) for c in d["columns"]], path.name
