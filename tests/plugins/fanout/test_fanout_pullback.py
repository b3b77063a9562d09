"""Status pull-back: task status from Jira/Asana into raw.pm_tasks; ServiceNow incidents (paged) and
their task_sla breach flags into raw.itsm_incidents, incrementally by sys_updated_on."""

from __future__ import annotations

import datetime as dt

from fakes import Fault
from fakes.marts import AS_OF, obligation_row
from milestones.clients import AsanaClient, JiraClient, ServiceNowClient
from milestones.fanout import Connectors, FanoutSettings, run_fanout
from milestones.fanout.pullback import pull_status
from milestones.fanout.tasks import AsanaBackend, JiraBackend

S = FanoutSettings(review_base_url="https://milestones.example.com", channels=())


def _tasks(warehouse, clock, tmp_path, connectors):
    warehouse.set_obligations([obligation_row("m1", AS_OF + dt.timedelta(days=14)),
                               obligation_row("m2", AS_OF + dt.timedelta(days=30))])  # fmt: skip
    run_fanout(AS_OF, "fanout-1", warehouse.path, warehouse.path, settings=S, connectors=connectors,
               outbox_dir=tmp_path / "outbox", clock=clock)  # fmt: skip


def test_jira_status_flows_into_pm_tasks(jira, warehouse, clock, tmp_path, sleeps):
    c = Connectors(
        jira=JiraBackend(
            JiraClient(jira.url, email="bot@example.com", api_token="jira-api-token", sleep=sleeps)
        )
    )
    _tasks(warehouse, clock, tmp_path, c)
    k1, k2 = sorted(jira.issues)
    jira.set_status(k1, "Done", at="2026-12-02T10:00:00.000+0000")
    jira.set_status(k2, "In Progress")
    jira.inject(Fault(status=429, headers={"Retry-After": "1"}, times=1, path="/search/jql"))
    summary = pull_status("pull-1", warehouse.path, connectors=c, clock=clock)
    assert summary.errors == [] and summary.tasks_done == 1 and summary.tasks_changed == 2
    rows = warehouse.query(
        "select obligation_key, status, completed_at, external_status from raw.pm_tasks order by 1"
    )
    assert rows == [
        ("m1", "done", dt.datetime(2026, 12, 2, 10, 0), "Done"),
        ("m2", "in_progress", None, "In Progress"),
    ]
    assert sleeps == [1.0]  # the 429 was waited out, as Jira asked
    assert warehouse.query("select count(*) from raw.audit_log where action = 'task_status'")[0][0] == 2
    # reopened in Jira → no longer done
    jira.set_status(k1, "To Do")
    pull_status("pull-2", warehouse.path, connectors=c, clock=clock)
    assert warehouse.query("select status, completed_at from raw.pm_tasks where obligation_key = 'm1'") == [
        ("not_started", None)
    ]
    # the pull uses the current search API, never the removed one
    assert jira.requests_to("POST", "/rest/api/3/search$") == [] and jira.requests_to("POST", "/search/jql")


def test_asana_completion_flows_into_pm_tasks(asana, warehouse, clock, tmp_path, sleeps):
    client = AsanaClient(asana.token, base_url=asana.base_url, sleep=sleeps)
    c = Connectors(asana=AsanaBackend(client, default_project="1200000000000001", workspace="12345"))
    _tasks(warehouse, clock, tmp_path, c)
    gid = sorted(asana.tasks)[0]
    asana.complete(gid, at="2026-12-03T09:30:00.000Z")
    summary = pull_status("pull-1", warehouse.path, connectors=c, clock=clock)
    assert summary.tasks_done == 1 and summary.errors == []
    assert warehouse.query("select status, completed_at from raw.pm_tasks where external_id = ?", [gid]) == [
        ("done", dt.datetime(2026, 12, 3, 9, 30))]  # fmt: skip
    assert asana.requests_to("GET", "/tasks$")[0]["query"]["project"] == "1200000000000001"


def _incidents(n: int) -> list[dict[str, str]]:
    return [{"sys_id": f"{i:032x}", "number": f"INC{i:07d}", "priority": str(1 + i % 4), "state": "6",
             "opened_at": f"2026-11-{1 + i % 28:02d} 08:00:00", "resolved_at": f"2026-11-{1 + i % 28:02d} 12:30:00",
             "sys_updated_on": f"2026-11-{1 + i % 28:02d} 12:{i % 60:02d}:00",
             "correlation_id": "sla-northwind-copperleaf-2025" if i % 2 else "", "business_service": "Email"}
            for i in range(n)]  # fmt: skip


def test_servicenow_incidents_and_sla_breaches_incrementally(servicenow, warehouse, clock):
    servicenow.tables["incident"] = _incidents(130)
    servicenow.tables["task_sla"] = [
        {"task": f"{3:032x}", "sla.target": "response", "has_breached": "true", "stage": "completed"},
        {"task": f"{3:032x}", "sla.target": "resolution", "has_breached": "false", "stage": "completed"},
        {"task": f"{5:032x}", "sla.target": "resolution", "has_breached": "true", "stage": "completed"},
    ]
    c = Connectors(
        servicenow=ServiceNowClient(servicenow.url, username="svc.milestones", password="sn-password")
    )
    summary = pull_status("pull-1", warehouse.path, connectors=c, clock=clock)
    assert summary.errors == [] and summary.incidents_upserted == 130 and summary.sla_rows == 3
    assert warehouse.query("select count(*) from raw.itsm_incidents")[0][0] == 130
    assert warehouse.query("select contract_id, priority, response_breached, resolution_breached, opened_at, resolved_at "
                           "from raw.itsm_incidents where incident_id = 'INC0000003'") == [
        ("sla-northwind-copperleaf-2025", "4", True, False, dt.datetime(2026, 11, 4, 8), dt.datetime(2026, 11, 4, 12, 30))]  # fmt: skip
    assert warehouse.query(
        "select resolution_breached from raw.itsm_incidents where incident_id = 'INC0000005'"
    ) == [(True,)]
    pages = servicenow.requests_to("GET", "/table/incident")
    assert len(pages) == 2  # 100 + 30, following Link rel="next"
    watermark = warehouse.query("select value from raw.watermarks where source = 'servicenow:incident'")[0][0]
    assert (
        watermark == max(r["sys_updated_on"] for r in servicenow.tables["incident"]) == "2026-11-28 12:55:00"
    )

    # next night: one incident changed; only the window since the watermark is asked for
    servicenow.tables["incident"][7].update(priority="1", sys_updated_on="2026-11-29 09:00:00")
    summary = pull_status("pull-2", warehouse.path, connectors=c, clock=clock)
    query = servicenow.requests_to("GET", "/table/incident")[-1]["query"]["sysparm_query"]
    assert query == "sys_updated_on>=2026-11-28 12:55:00^ORDERBYsys_updated_on"
    assert summary.incidents_upserted == 2  # the changed one + the one at the watermark itself (>=)
    assert warehouse.query("select priority from raw.itsm_incidents where incident_id = 'INC0000007'") == [
        ("1",)
    ]
    assert warehouse.query("select count(*) from raw.itsm_incidents")[0][0] == 130


def test_servicenow_failure_writes_nothing_and_keeps_the_watermark(servicenow, warehouse, clock, sleeps):
    servicenow.tables["incident"] = _incidents(5)
    servicenow.inject(Fault(status=500, times=10))
    c = Connectors(servicenow=ServiceNowClient(servicenow.url, username="svc.milestones", password="sn-password",
                                               sleep=sleeps, max_retries=2))  # fmt: skip
    summary = pull_status("pull-1", warehouse.path, connectors=c, clock=clock)
    assert summary.errors and "500" in summary.errors[0]
    assert warehouse.query("select count(*) from raw.itsm_incidents")[0][0] == 0
    assert warehouse.query("select count(*) from raw.watermarks")[0][0] == 0
