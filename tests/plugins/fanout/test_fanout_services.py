"""The fan-out against fake Slack, Teams, SMTP, Jira, Asana, Google Calendar and Microsoft Graph:
nothing is ever delivered twice — across re-runs, retries and a crash between "the service accepted it"
and "we recorded it" — and changes (due date, owner, cancellation) update what is already out there."""

from __future__ import annotations

import datetime as dt

import pytest
from fakes import Fault
from fakes.marts import AS_OF, obligation_row
from milestones.clients import (
    AsanaClient,
    GoogleCalendarClient,
    GraphCalendarClient,
    JiraClient,
    SlackClient,
    SmtpClient,
    TeamsWorkflowClient,
)
from milestones.clients.calendars import google_event_id, graph_token
from milestones.fanout import Connectors, FanoutSettings, resolve_delivery_unknown, run_fanout
from milestones.fanout.tasks import AsanaBackend, JiraBackend, obligation_label
from milestones.register import connect

S = FanoutSettings(review_base_url="https://milestones.example.com")
JANE = "5b10ac8d82e05b22cc7d4ef5"  # Jira accountId known to the fake


class Crash(BaseException):
    """The process dies (not an Exception: nothing in the fan-out may swallow it)."""


def crash_once(prefix: str = ""):
    fired = []

    def hook(key: str) -> None:
        if not fired and key.startswith(prefix):
            fired.append(key)
            raise Crash(key)

    hook.fired = fired  # type: ignore[attr-defined]
    return hook


class LazyFakes(dict):
    """Starts a fake server the first time a test touches it (each server costs a thread and a port)."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        super().__init__()
        self.request = request

    def __missing__(self, name: str):  # type: ignore[no-untyped-def]
        self[name] = self.request.getfixturevalue(name)
        return self[name]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(("slack", "teams", "smtp", "jira", "asana", "gcal", "graph"))


@pytest.fixture
def fakes(request):
    return LazyFakes(request)


def make_connectors(f, sleeps, *, only: tuple[str, ...] | None = None) -> Connectors:
    kw = {"sleep": sleeps, "timeout": (2, 0.5), "backoff": 0.01}
    want = set(only or f)
    c = Connectors()
    if "slack" in want:
        c.slack = SlackClient(token=f["slack"].token, base_url=f["slack"].url + "/api", **kw)
    if "teams" in want:
        c.teams = TeamsWorkflowClient(f["teams"].webhook_url, **kw)
    if "smtp" in want:
        c.smtp = SmtpClient("127.0.0.1", f["smtp"].port, security="none", timeout=2)
    if "jira" in want:
        c.jira = JiraBackend(JiraClient(f["jira"].url, email="bot@example.com", api_token="jira-api-token", **kw),
                             default_project="OBL", assignees={"partner-reporting": JANE})  # fmt: skip
    if "asana" in want:
        c.asana = AsanaBackend(AsanaClient(f["asana"].token, base_url=f["asana"].base_url, **kw),
                               default_project="1200000000000001", workspace="12345",
                               projects={"finance": "1200000000000002"}, assignees={"finance-ap": "finance@example.com"})  # fmt: skip
    if "gcal" in want:
        c.google = GoogleCalendarClient(f["gcal"].token, base_url=f["gcal"].base_url, **kw)
    if "graph" in want:
        token = graph_token(f["graph"].token_url, "app-id", "app-secret")
        c.graph = GraphCalendarClient(token, user="legal@example.com", base_url=f["graph"].base_url, **kw)
    return c


def run(warehouse, connectors, clock, tmp_path, as_of=AS_OF, **kw):
    return run_fanout(as_of, f"run-{clock().isoformat()}", warehouse.path, warehouse.path, settings=kw.pop("settings", S),
                      connectors=connectors, outbox_dir=tmp_path / "outbox", clock=clock, **kw)  # fmt: skip


def counts(f) -> dict[str, int]:
    return {
        "slack": len(f["slack"].messages),
        "teams": len(f["teams"].cards),
        "email": len(f["smtp"].messages),
        "jira": len(f["jira"].issues),
        "asana": len(f["asana"].tasks),
        "gcal": len(f["gcal"].events),
        "graph": len(f["graph"].events),
    }  # fmt: skip — touching a fake starts it (empty counts)


ROWS = [
    obligation_row("m1", AS_OF + dt.timedelta(days=14)),
    obligation_row("m2", AS_OF - dt.timedelta(days=20), milestone_name="Insurance certificate"),
]


def test_running_twice_never_duplicates_anything(fakes, warehouse, clock, tmp_path, sleeps):
    warehouse.set_obligations(ROWS)
    c = make_connectors(fakes, sleeps)
    first = run(warehouse, c, clock, tmp_path)
    assert first.errors == [] and first.alerts["sent"] == 9  # m1 d14; m2 overdue + escalation; × 3 channels
    expected = {"slack": 3, "teams": 3, "email": 3, "jira": 2, "asana": 2, "gcal": 2, "graph": 2}
    assert counts(fakes) == expected
    clock.advance(hours=1)
    second = run(warehouse, c, clock, tmp_path)
    assert second.alerts["sent"] == 0 and second.alerts["already_sent"] == 9
    assert second.tasks["jira"]["created"] == 0 and second.tasks["asana"]["created"] == 0
    assert counts(fakes) == expected
    # the next day: same reminder steps (d14 until d7; overdue_15 until overdue_22) → still nothing new
    warehouse.set_obligations([{**r, "days_until_due": r["days_until_due"] - 1} for r in ROWS])
    clock.advance(days=1)
    run(warehouse, c, clock, tmp_path, as_of=AS_OF + dt.timedelta(days=1))
    assert counts(fakes) == expected
    issue = fakes["jira"].by_label(obligation_label("m1"))[0]
    assert issue["fields"]["duedate"] == "2026-12-15" and issue["fields"]["assignee"] == {"accountId": JANE}
    assert issue["properties"]["contract-milestone"]["obligationKey"] == "m1"
    assert issue["fields"]["description"]["type"] == "doc"
    slack_msg = fakes["slack"].messages[0]
    assert slack_msg["channel"] == "#partner-reporting" and "review page" in str(slack_msg["blocks"]).lower()
    assert "/browse/OBL-" in str(slack_msg["blocks"])  # the alert links to the task created just before


@pytest.mark.parametrize("channel", ["email", "slack", "teams"])
def test_crash_after_accept_leaves_a_visible_delivery_unknown_not_a_duplicate(channel, fakes, warehouse, clock, tmp_path,
                                                                             sleeps):  # fmt: skip
    warehouse.set_obligations(ROWS[:1])
    settings = FanoutSettings(review_base_url=S.review_base_url, channels=(channel,))
    c = make_connectors(fakes, sleeps, only=("slack", "teams", "smtp"))
    with pytest.raises(Crash):
        run(warehouse, c, clock, tmp_path, settings=settings, seams={"alert": crash_once()})
    assert counts(fakes)[channel] == 1  # the service has it …
    row = warehouse.query("select status, attempts from raw.outbox")
    assert row == [("sending", 1)]  # … and our record says we tried, without confirmation
    clock.advance(hours=1)
    again = run(warehouse, c, clock, tmp_path, settings=settings)
    assert again.alerts["delivery_unknown"] == 1 and again.delivery_unknown_total == 1
    assert counts(fakes)[channel] == 1  # NOT resent
    assert warehouse.query("select status from raw.outbox") == [("delivery_unknown",)]
    report = (tmp_path / "outbox" / "DELIVERY_UNKNOWN.md").read_text()
    assert channel in report and "NOT resent" in report
    assert warehouse.query("select count(*) from raw.audit_log where action = 'delivery_unknown'")[0][0] == 1
    run(warehouse, c, clock, tmp_path, settings=settings)
    assert counts(fakes)[channel] == 1
    # a person checked the channel and asks for a resend: that (and only that) sends it again
    mid = warehouse.query("select message_id from raw.outbox")[0][0]
    con = connect(warehouse.path)
    resolve_delivery_unknown(con, mid, resend=True, actor="jane@example.com", at=clock())
    con.close()
    run(warehouse, c, clock, tmp_path, settings=settings)
    assert counts(fakes)[channel] == 2
    assert warehouse.query("select status from raw.outbox") == [("sent",)]
    assert not (tmp_path / "outbox" / "DELIVERY_UNKNOWN.md").exists()


@pytest.mark.parametrize("system", ["jira", "asana", "asana-pat"])
def test_crash_after_task_create_is_adopted_by_key_not_recreated(
    system, fakes, warehouse, clock, tmp_path, sleeps
):
    warehouse.set_obligations(ROWS)
    pat = system == "asana-pat"  # a personal access token cannot set `external`: the key lives in the notes
    system = "asana" if pat else system
    c = make_connectors(fakes, sleeps, only=(system,))
    if pat:
        c.asana.use_external = False
    with pytest.raises(Crash):
        run(warehouse, c, clock, tmp_path, seams={"task": crash_once(f"{system}:")})
    created = len(fakes[system].issues if system == "jira" else fakes[system].tasks)
    assert created == 1
    assert warehouse.query("select sync_state, external_id from raw.pm_tasks") == [("creating", None)]
    again = run(warehouse, c, clock, tmp_path)
    assert again.tasks[system]["adopted"] == 1 and again.tasks[system]["created"] == 1  # m1 adopted, m2 new
    store = fakes[system].issues if system == "jira" else fakes[system].tasks
    assert len(store) == 2
    if system == "jira":
        assert len(fakes["jira"].by_label(obligation_label("m1"))) == 1
    elif pat:
        assert sum("key m1." in t["notes"] for t in fakes["asana"].tasks.values()) == 1
        assert all(t["external"] is None for t in fakes["asana"].tasks.values())
    else:
        assert len(fakes["asana"].by_external("contract-milestones:m1")) == 1
    assert {r[0] for r in warehouse.query("select sync_state from raw.pm_tasks")} == {"synced"}


def _ics_event(text: str, uid: str) -> str:
    start = text.index(f"UID:{uid}")
    begin = text.rindex("BEGIN:VEVENT", 0, start)
    return text[begin : text.index("END:VEVENT", start)]


def test_due_date_move_updates_the_task_and_the_calendar_event_in_place(
    fakes, warehouse, clock, tmp_path, sleeps
):
    warehouse.set_obligations(ROWS[:1])
    c = make_connectors(fakes, sleeps, only=("jira", "asana", "gcal", "graph"))
    run(warehouse, c, clock, tmp_path)
    feed = tmp_path / "outbox" / "calendars" / "owners" / "partner-reporting.ics"
    uid = "cm-m1@contract-milestones.local"
    before = _ics_event(feed.read_text(), uid)
    assert "SEQUENCE:0" in before and "DTSTART;VALUE=DATE:20261215" in before
    key = next(iter(fakes["jira"].issues))

    moved = obligation_row(
        "m1", AS_OF + dt.timedelta(days=21)
    )  # a reviewer moved the date: new occurrence id
    warehouse.set_obligations([moved])
    clock.advance(days=1)
    summary = run(warehouse, c, clock, tmp_path)
    assert summary.tasks["jira"]["updated"] == 1 and summary.tasks["asana"]["updated"] == 1
    assert list(fakes["jira"].issues) == [key]
    assert fakes["jira"].issues[key]["fields"]["duedate"] == "2026-12-22"
    assert [t["due_on"] for t in fakes["asana"].tasks.values()] == ["2026-12-22"]
    assert warehouse.query("select occurrence_key, due_date from raw.pm_tasks where system = 'jira'") == [
        ("m1:2026-12-22", dt.date(2026, 12, 22))
    ]  # fmt: skip — status pull-back joins on the new occurrence
    text = feed.read_text()
    assert text.count("BEGIN:VEVENT") == 1
    after = _ics_event(text, uid)
    assert (
        "SEQUENCE:1" in after
        and "DTSTART;VALUE=DATE:20261222" in after
        and "DTEND;VALUE=DATE:20261223" in after
    )
    assert summary.calendars["updated"] == 1 and summary.calendars["new"] == 0
    assert len(fakes["gcal"].events) == 1
    assert fakes["gcal"].events[("primary", google_event_id(uid))]["start"] == {"date": "2026-12-22"}
    (event,) = fakes["graph"].events.values()
    assert event["start"]["dateTime"] == "2026-12-22T00:00:00"


def test_owner_change_reassigns_the_task(fakes, warehouse, clock, tmp_path, sleeps):
    warehouse.set_obligations([obligation_row("m1", AS_OF + dt.timedelta(days=14), owner="contract-ops")])
    c = make_connectors(fakes, sleeps, only=("jira", "asana"))
    run(warehouse, c, clock, tmp_path)
    (issue,) = fakes["jira"].issues.values()
    assert issue["fields"].get("assignee") is None  # a team mailbox: no Jira user to assign
    warehouse.set_obligations(
        [obligation_row("m1", AS_OF + dt.timedelta(days=14), owner="partner-reporting")]
    )
    run(warehouse, c, clock, tmp_path)
    assert issue["fields"]["assignee"] == {"accountId": JANE}
    warehouse.set_obligations([obligation_row("m1", AS_OF + dt.timedelta(days=14), owner="finance-ap")])
    run(warehouse, c, clock, tmp_path)
    (task,) = fakes["asana"].tasks.values()
    assert task["assignee"]["email"] == "finance@example.com"


def test_cancelled_contract_closes_tasks_and_cancels_calendar_events(
    fakes, warehouse, clock, tmp_path, sleeps
):
    warehouse.set_obligations(ROWS[:1])
    c = make_connectors(fakes, sleeps, only=("jira", "asana", "gcal", "graph"))
    run(warehouse, c, clock, tmp_path)
    warehouse.set_obligations([{**ROWS[0], "obligation_status": "cancelled"}])  # contract soft-deleted
    clock.advance(days=1)
    summary = run(warehouse, c, clock, tmp_path)
    assert summary.tasks["jira"]["closed"] == 1 and summary.tasks["asana"]["closed"] == 1
    (issue,) = fakes["jira"].issues.values()
    assert issue["fields"]["status"]["name"] == "Won't Do"
    (task,) = fakes["asana"].tasks.values()
    assert task["completed"] is True and task["name"].startswith("Cancelled: ")
    assert {r[0] for r in warehouse.query("select status from raw.pm_tasks")} == {"cancelled"}
    ev = _ics_event((tmp_path / "outbox" / "calendars" / "contracts" / "msa-acme-2026.ics").read_text(),
                    "cm-m1@contract-milestones.local")  # fmt: skip
    assert "STATUS:CANCELLED" in ev and "SEQUENCE:1" in ev and "BEGIN:VALARM" not in ev
    assert [e["status"] for e in fakes["gcal"].events.values()] == ["cancelled"]
    assert fakes["graph"].events == {}
    run(warehouse, c, clock, tmp_path)  # closing is done once
    assert len(fakes["jira"].requests_to("POST", "/transitions$")) == 1


def test_rate_limit_defers_one_channel_without_blocking_the_others(fakes, warehouse, clock, tmp_path, sleeps):
    warehouse.set_obligations(ROWS)
    fakes["slack"].inject(Fault(status=429, headers={"Retry-After": "120"}, times=1, path="chat.postMessage"))
    c = make_connectors(fakes, sleeps, only=("slack", "teams", "smtp"))
    first = run(warehouse, c, clock, tmp_path)
    assert counts(fakes)["email"] == 3 and counts(fakes)["teams"] == 3  # the others went out
    assert counts(fakes)["slack"] == 0
    assert len(fakes["slack"].requests_to("POST", "chat.postMessage")) == 1  # the rest waited, no hammering
    assert first.alerts["failed"] == 1 and first.alerts["deferred"] == 2
    rows = warehouse.query("select status, next_attempt_at from raw.outbox where channel = 'slack'")
    assert all(
        status in ("failed", "pending") and nxt >= clock() + dt.timedelta(seconds=120) for status, nxt in rows
    )
    run(warehouse, c, clock, tmp_path)  # too early: still waiting
    assert counts(fakes)["slack"] == 0
    clock.advance(hours=1)
    run(warehouse, c, clock, tmp_path)
    assert counts(fakes)["slack"] == 3
    run(warehouse, c, clock, tmp_path)
    assert counts(fakes)["slack"] == 3


def test_server_errors_retry_later_and_permanent_errors_stop(fakes, warehouse, clock, tmp_path, sleeps):
    warehouse.set_obligations([obligation_row("m1", AS_OF + dt.timedelta(days=14)),
                               obligation_row("m2", AS_OF + dt.timedelta(days=7), owner_channel="general")])  # fmt: skip
    fakes["teams"].inject(Fault(status=500, body="InternalServerError", times=8))
    c = make_connectors(fakes, sleeps, only=("slack", "teams"))
    run(warehouse, c, clock, tmp_path)
    assert counts(fakes)["teams"] == 0 and counts(fakes)["slack"] == 1  # m2's channel does not exist
    slack_failed = warehouse.query(
        "select last_error, attempts from raw.outbox where channel = 'slack' and status = 'failed'"
    )
    assert (
        len(slack_failed) == 1
        and "channel_not_found" in slack_failed[0][0]
        and slack_failed[0][1] == S.max_attempts
    )
    clock.advance(hours=2)
    run(warehouse, c, clock, tmp_path)
    assert counts(fakes)["teams"] == 2 and counts(fakes)["slack"] == 1  # retried once the service recovered
    assert len(fakes["slack"].requests_to("POST", "chat.postMessage")) == 2  # the refused one was not retried


def test_read_timeout_after_acceptance_is_delivery_unknown(fakes, warehouse, clock, tmp_path, sleeps):
    warehouse.set_obligations(ROWS[:1])
    fakes["teams"].inject(Fault(delay=0.8, process=True, times=1))
    c = make_connectors(fakes, sleeps, only=("teams",))
    settings = FanoutSettings(review_base_url=S.review_base_url, channels=("teams",))
    summary = run(warehouse, c, clock, tmp_path, settings=settings)
    assert summary.alerts["delivery_unknown"] == 1 and counts(fakes)["teams"] == 1
    run(warehouse, c, clock, tmp_path, settings=settings)
    assert counts(fakes)["teams"] == 1


def test_completed_obligation_suppresses_waiting_reminders(fakes, warehouse, clock, tmp_path, sleeps):
    warehouse.set_obligations(ROWS[:1])
    fakes["slack"].inject(Fault(status=503, times=20))
    c = make_connectors(fakes, sleeps, only=("slack",))
    settings = FanoutSettings(review_base_url=S.review_base_url, channels=("slack",))
    run(warehouse, c, clock, tmp_path, settings=settings)
    assert warehouse.query("select status from raw.outbox") == [("failed",)]
    warehouse.set_obligations([{**ROWS[0], "obligation_status": "completed"}])
    clock.advance(hours=2)
    summary = run(warehouse, c, clock, tmp_path, settings=settings)
    assert summary.alerts["suppressed"] == 1
    assert warehouse.query("select status from raw.outbox") == [("suppressed",)]
    assert counts(fakes)["slack"] == 0
