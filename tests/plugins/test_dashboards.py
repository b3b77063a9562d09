"""The dashboards' glue and bundle without Superset: settings at the boundary, the bundle's internal references,
placeholder filling, and the checks on the published copy. (The pages themselves: tests/browser/test_dashboards.py.)

Fixtures: the committed bundle in plugins/dashboards/bundle/ and small DuckDB files written here.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import duckdb
import pytest
import yaml
from milestones.dashboards import (
    BI_DIR,
    DASHBOARDS,
    REQUIRED_RELATIONS,
    DashboardSettings,
    DashboardsNotInstalled,
    build_dashboards,
    check_published,
)

from extractors.errors import MilestonesError

BUNDLE = BI_DIR / "bundle"


def _load(kind: str) -> dict[str, dict]:
    return {p.stem: yaml.safe_load(p.read_text()) for p in sorted((BUNDLE / kind).rglob("*.yaml"))}


DATABASES, DATASETS, CHARTS, BOARDS = (_load(k) for k in ("databases", "datasets", "charts", "dashboards"))


def _provision_module():
    spec = importlib.util.spec_from_file_location("dashboards_provision", BI_DIR / "provision.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------------------------------ settings

GOOD = {"MILESTONES_DASHBOARDS_HOME": "/tmp/x", "MILESTONES_SUPERSET_VENV": "/tmp/v"}


@pytest.mark.parametrize(
    "env, field, expected",
    [
        ({}, "contract_base_url", "http://127.0.0.1:8090/contracts"),
        ({"MILESTONES_CONTRACT_BASE_URL": "https://review.example.com/contracts/"}, "contract_base_url",
         "https://review.example.com/contracts"),
        ({"MILESTONES_REVIEW_BASE_URL": "https://airflow.example.com/milestones/"}, "contract_base_url",
         "https://airflow.example.com/milestones/contracts"),
        ({"MILESTONES_REVIEW_BASE_URL": "https://a.example.com", "MILESTONES_CONTRACT_BASE_URL": "http://b:1/c"},
         "contract_base_url", "http://b:1/c"),
        ({"MILESTONES_DASHBOARDS_PORT": "18088"}, "port", 18088),
        ({}, "port", 8088),
        ({}, "home", Path("/tmp/x")),
    ],
)  # fmt: skip
def test_settings_from_env(env, field, expected):
    assert getattr(DashboardSettings.from_env(GOOD | env), field) == expected


@pytest.mark.parametrize(
    "env, message",
    [
        ({"MILESTONES_DASHBOARDS_PORT": "eighty"}, "TCP port"),
        ({"MILESTONES_DASHBOARDS_PORT": "0"}, "between 1 and 65535"),
        ({"MILESTONES_DASHBOARDS_PORT": "70000"}, "between 1 and 65535"),
        ({"MILESTONES_CONTRACT_BASE_URL": "review.example.com/contracts"}, "absolute http(s) URL"),
        ({"MILESTONES_CONTRACT_BASE_URL": "ftp://files.example.com/contracts"}, "absolute http(s) URL"),
        # a quote would end the SQL string literal the link is built in
        ({"MILESTONES_CONTRACT_BASE_URL": "http://x.example.com/c'||1--"}, "without quotes"),
        ({"MILESTONES_CONTRACT_BASE_URL": "http://x.example.com/my contracts"}, "absolute http(s) URL"),
        ({"SUPERSET_ADMIN_PASSWORD": "short"}, "8 or more characters"),
    ],
)  # fmt: skip
def test_bad_settings_say_what_to_change(env, message):
    with pytest.raises(MilestonesError, match=message.replace("(", r"\(").replace(")", r"\)")):
        DashboardSettings.from_env(GOOD | env)


def test_generated_admin_password_is_kept_private_and_stable(tmp_path):
    settings = DashboardSettings(home=tmp_path / "home", superset_venv=tmp_path / "venv")
    first = settings.password()
    assert len(first) >= 12 and settings.password() == first
    assert (tmp_path / "home" / "admin_password").stat().st_mode & 0o077 == 0


def test_missing_superset_venv_names_the_make_target(tmp_path):
    settings = DashboardSettings(home=tmp_path / "home", superset_venv=tmp_path / "no-venv")
    with pytest.raises(DashboardsNotInstalled, match="make dashboards-install"):
        build_dashboards(tmp_path / "published.duckdb", settings)


# ---------------------------------------------------------------------------------------------- the bundle


def test_bundle_has_the_seven_pages():
    assert {b["slug"]: b["dashboard_title"] for b in BOARDS.values()} == DASHBOARDS


def test_database_uri_is_the_placeholder_not_a_machine_path():
    assert [d["sqlalchemy_uri"] for d in DATABASES.values()] == ["__MILESTONES_PUBLISHED_URI__"]


def test_every_reference_in_the_bundle_resolves():
    databases = {d["uuid"] for d in DATABASES.values()}
    datasets = {d["uuid"]: d for d in DATASETS.values()}
    charts = {c["uuid"]: c for c in CHARTS.values()}
    assert all(d["database_uuid"] in databases for d in DATASETS.values())
    assert all(c["dataset_uuid"] in datasets for c in CHARTS.values())
    placed = set()
    for board in BOARDS.values():
        for node in board["position"].values():
            if isinstance(node, dict) and node.get("type") == "CHART":
                assert node["meta"]["uuid"] in charts, (board["slug"], node["id"])
                placed.add(node["meta"]["uuid"])
            for child in node.get("children", []) if isinstance(node, dict) else []:
                assert child in board["position"], (board["slug"], child)
    assert placed == set(charts), "charts on no dashboard"


def _chart_columns(params: dict) -> set[str]:
    cols = set(params.get("all_columns") or []) | set(params.get("groupby") or [])
    cols |= set(params.get("groupbyRows") or []) | set(params.get("groupbyColumns") or [])
    if params.get("x_axis"):
        cols.add(params["x_axis"])
    cols |= {json.loads(o)[0] for o in params.get("order_by_cols") or []}
    return cols


def test_charts_and_filters_use_columns_their_dataset_has():
    columns = {d["uuid"]: {c["column_name"] for c in d["columns"]} for d in DATASETS.values()}
    for name, chart in CHARTS.items():
        missing = _chart_columns(chart["params"]) - columns[chart["dataset_uuid"]]
        assert not missing, f"chart {name}: {missing}"
    for board in BOARDS.values():
        for flt in board["metadata"]["native_filter_configuration"]:
            for target in flt["targets"]:
                assert target["column"]["name"] in columns[target["datasetUuid"]], (
                    board["slug"],
                    flt["name"],
                )


def test_contract_links_use_the_setting_not_a_fixed_host():
    linked = [d for d in DATASETS.values() if "contract" in {c["column_name"] for c in d["columns"]}]
    assert len(linked) >= 5
    for d in linked:
        assert "{{ contract_base_url() }}/' || url_encode(contract_id)" in d["sql"], d["table_name"]
        assert "127.0.0.1" not in d["sql"] and "http" not in d["sql"].replace('href="{{', "")


def test_bundle_contents_fill_the_published_uri_and_refuse_an_exported_path(tmp_path):
    provision = _provision_module()
    uri = "duckdb:////srv/published/warehouse.duckdb?access_mode=read_only"
    contents = provision.bundle_contents(uri)
    assert uri in contents["databases/milestones_published.yaml"]
    assert "metadata.yaml" in contents and "dashboards/at-risk.yaml" in contents
    exported = tmp_path / "bundle"
    (exported / "databases").mkdir(parents=True)
    (exported / "databases" / "db.yaml").write_text(
        "sqlalchemy_uri: duckdb:////home/someone/warehouse.duckdb\n"
    )
    with pytest.raises(SystemExit, match="__MILESTONES_PUBLISHED_URI__"):
        provision.bundle_contents(uri, exported)


# ------------------------------------------------------------------------------------- the published copy


def test_check_published_names_what_is_missing(tmp_path):
    with pytest.raises(MilestonesError, match="run `make demo`"):
        check_published(tmp_path / "nowhere.duckdb")
    db = tmp_path / "partial.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_obligations (as_of_date date)")
    with pytest.raises(MilestonesError, match="lacks marts.dim_contracts, marts.mart_obligation_health"):
        check_published(db)


def test_check_published_accepts_every_required_relation_views_included(tmp_path):
    db = tmp_path / "full.duckdb"
    with duckdb.connect(str(db)) as con:
        for rel in REQUIRED_RELATIONS:
            schema, name = rel.split(".")
            con.execute(f"create schema if not exists {schema}")
            if schema == "raw":  # any relation may be a view (staging models, raw.effective_key_dates)
                con.execute(f"create view {rel} as select 1 as x")
            else:
                con.execute(f"create table {rel} (as_of_date date)")
        con.execute("insert into marts.fct_obligations values (date '2026-12-01'), (date '2026-12-01')")
    assert check_published(db) == {"as_of": "2026-12-01", "occurrences": 2}
