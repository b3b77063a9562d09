"""Connections → clients: the `AIRFLOW_CONN_*` JSON examples of the README, pointed at the fakes, drive
a whole fan-out with no client built by hand (and no connection at all means the local outbox)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fakes.marts import AS_OF, obligation_row
from milestones.fanout import FanoutSettings, run_fanout
from milestones.hooks import get_connectors


@pytest.fixture
def conn_env(monkeypatch, slack, teams, smtp, jira, asana, gcal, graph, servicenow):
    env = {
        "MILESTONES_SLACK": {"conn_type": "slack", "password": slack.token,
                             "extra": {"base_url": slack.url + "/api", "min_interval": 0}},
        "MILESTONES_TEAMS": {"conn_type": "http", "extra": {"webhook_url": teams.webhook_url}},
        "MILESTONES_SMTP": {"conn_type": "smtp", "host": "127.0.0.1", "port": smtp.port,
                            "extra": {"disable_ssl": True, "disable_tls": True, "from_email": "milestones@example.com"}},
        "MILESTONES_JIRA": {"conn_type": "jira", "host": jira.url, "login": "bot@example.com",
                            "password": "jira-api-token", "extra": {"project": "OBL"}},
        "MILESTONES_ASANA": {"conn_type": "asana", "password": asana.token,
                             "extra": {"base_url": asana.base_url, "workspace": "12345", "project": "1200000000000001"}},
        "MILESTONES_GOOGLE_CALENDAR": {"conn_type": "http", "password": gcal.token, "extra": {"base_url": gcal.base_url}},
        "MILESTONES_MSGRAPH": {"conn_type": "http", "login": "app-id", "password": "app-secret",
                               "extra": {"token_url": graph.token_url, "base_url": graph.base_url,
                                         "user": "legal@example.com"}},
        "MILESTONES_SERVICENOW": {"conn_type": "http", "host": servicenow.url, "login": "svc.milestones",
                                  "password": "sn-password"},
    }  # fmt: skip
    for name, conn in env.items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{name}", json.dumps(conn))
    return {
        "slack": slack,
        "teams": teams,
        "smtp": smtp,
        "jira": jira,
        "asana": asana,
        "gcal": gcal,
        "graph": graph,
    }


def test_connections_build_every_client(conn_env):
    c = get_connectors()
    assert c.configured() == ["slack", "teams", "smtp", "jira", "asana", "google", "graph", "servicenow"]
    assert c.slack.mode == "api" and c.smtp.security == "none" and c.jira.default_project == "OBL"


def test_a_fan_out_configured_only_through_connections(conn_env, warehouse, clock, tmp_path):
    warehouse.set_obligations([obligation_row("m1", AS_OF + dt.timedelta(days=7))])
    s = run_fanout(AS_OF, "run-1", warehouse.path, warehouse.path, outbox_dir=tmp_path / "outbox", clock=clock,
                   settings=FanoutSettings(review_base_url="https://milestones.example.com"))  # fmt: skip
    assert s.errors == [] and s.alerts["sent"] == 3
    f = conn_env
    assert (len(f["slack"].messages), len(f["teams"].cards), len(f["smtp"].messages)) == (1, 1, 1)
    assert (len(f["jira"].issues), len(f["asana"].tasks), len(f["gcal"].events), len(f["graph"].events)) == (
        1,
        1,
        1,
        1,
    )
    assert f["smtp"].messages[0]["From"] == "milestones@example.com"  # the SMTP connection's from_email
    assert not list((tmp_path / "outbox").glob("email/*.eml"))  # nothing fell back to the local outbox


def test_no_connections_means_the_local_outbox(monkeypatch):
    for k in list(__import__("os").environ):
        if k.startswith("AIRFLOW_CONN_MILESTONES_"):
            monkeypatch.delenv(k)
    assert get_connectors().configured() == []
