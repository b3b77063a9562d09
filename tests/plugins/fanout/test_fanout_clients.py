"""The HTTP/SMTP clients against local fakes that check the vendors' documented request shapes:
success paths, 429 + Retry-After, 5xx, timeouts (before and after the service acted), pagination."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from fakes import Fault
from milestones.clients import (
    AmbiguousError,
    AsanaClient,
    GoogleCalendarClient,
    GraphCalendarClient,
    HttpClient,
    JiraClient,
    PermanentError,
    RateLimited,
    RetryableError,
    ServiceNowClient,
    SlackClient,
    SmtpClient,
    TeamsWorkflowClient,
    adf_doc,
    google_event_id,
)
from milestones.clients.calendars import graph_token
from milestones.clients.http import parse_retry_after

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*SOC2 report* due *2026-03-31*"}}]


# --- HTTP core: rate limits, server errors, timeouts ------------------------------------------------


def test_429_retry_after_is_honoured_inline(slack, sleeps):
    slack.inject(Fault(status=429, headers={"Retry-After": "2"}, times=1, path="chat.postMessage"))
    client = SlackClient(token=slack.token, base_url=slack.url + "/api", sleep=sleeps)
    ts = client.post_message("#ops", "fallback", BLOCKS)
    assert ts.startswith("1503435956.")
    assert sleeps == [2.0]  # waited exactly what Slack asked for
    assert len(slack.messages) == 1 and len(slack.requests_to("POST", "chat.postMessage")) == 2


def test_429_longer_than_the_inline_budget_is_raised_with_the_wait(slack, sleeps):
    slack.inject(Fault(status=429, headers={"Retry-After": "120"}, times=5, path="chat.postMessage"))
    client = SlackClient(token=slack.token, base_url=slack.url + "/api", sleep=sleeps, max_inline_wait=30)
    with pytest.raises(RateLimited) as err:
        client.post_message("#ops", "fallback", BLOCKS)
    assert err.value.retry_after == 120 and sleeps == []
    assert slack.messages == []


def test_retry_after_as_http_date_and_jira_reset_header():
    now = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
    assert parse_retry_after({"Retry-After": "Tue, 01 Dec 2026 10:00:30 GMT"}, now) == 30
    assert parse_retry_after({"X-RateLimit-Reset": "2026-12-01T10:02Z"}, now) == 120
    assert parse_retry_after({}, now) is None


def test_server_errors_back_off_then_succeed(teams, sleeps):
    teams.inject(Fault(status=500, body="boom", times=2))
    client = TeamsWorkflowClient(teams.webhook_url, sleep=sleeps, backoff=0.5)
    run_id = client.post_card({"type": "AdaptiveCard", "version": "1.4", "body": []})
    assert run_id.startswith("0858") and sleeps == [0.5, 1.0] and len(teams.cards) == 1


def test_persistent_server_errors_are_retryable_failures(teams, sleeps):
    teams.inject(Fault(status=503, times=10))
    client = TeamsWorkflowClient(teams.webhook_url, sleep=sleeps, max_retries=2)
    with pytest.raises(RetryableError) as err:
        client.post_card({"type": "AdaptiveCard", "version": "1.4", "body": []})
    assert err.value.status == 503 and not err.value.ambiguous and teams.cards == []


def test_read_timeout_after_the_service_acted_is_ambiguous_for_a_post(slack, sleeps):
    slack.inject(Fault(delay=1.5, process=True, times=1))  # handled, then the answer comes too late
    client = SlackClient(webhook_url=slack.webhook_url, timeout=(2, 0.5), sleep=sleeps)
    with pytest.raises(AmbiguousError):
        client.post_message(None, "fallback", BLOCKS)
    assert len(slack.messages) == 1  # it did arrive — which is why a blind retry would duplicate it


def test_read_timeout_on_an_idempotent_get_is_retried(asana, sleeps):
    client = AsanaClient(asana.token, base_url=asana.base_url, timeout=(2, 0.5), sleep=sleeps)
    asana.inject(Fault(delay=1.5, times=1, method="GET"))
    assert client.find_by_external("nope") is None
    assert len(sleeps) == 1


def test_connection_refused_is_retryable_not_ambiguous(sleeps):
    client = HttpClient("http://127.0.0.1:9", timeout=(0.5, 0.5), sleep=sleeps, max_retries=1)
    with pytest.raises(RetryableError) as err:
        client.post("anything", json={})
    assert not err.value.ambiguous


# --- Slack -------------------------------------------------------------------------------------------


def test_slack_webhook_and_api_shapes(slack):
    SlackClient(webhook_url=slack.webhook_url).post_message(None, "hello", BLOCKS)
    req = slack.requests_to("POST", "/services/")[0]
    assert req["json"] == {"text": "hello", "blocks": BLOCKS}
    api = SlackClient(token=slack.token, base_url=slack.url + "/api")
    api.post_message("#finance-ops", "hello", BLOCKS)
    req = slack.requests_to("POST", "chat.postMessage")[0]
    assert req["headers"]["Authorization"] == f"Bearer {slack.token}"
    assert req["headers"]["Content-Type"].startswith("application/json")
    assert req["json"]["channel"] == "#finance-ops" and req["json"]["text"] == "hello"


def test_slack_api_errors_come_as_http_200_ok_false(slack):
    bad_token = SlackClient(token="xoxb-wrong", base_url=slack.url + "/api")
    with pytest.raises(PermanentError, match="invalid_auth"):
        bad_token.post_message("#ops", "x", BLOCKS)
    client = SlackClient(token=slack.token, base_url=slack.url + "/api")
    with pytest.raises(PermanentError, match="channel_not_found"):
        client.post_message("general", "x", BLOCKS)
    with pytest.raises(PermanentError, match="invalid_blocks"):
        client.post_message(
            "#ops", "x", [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
        )
    assert slack.messages == []


def test_slack_webhook_rejects_bad_payload_with_text_code(slack):
    client = SlackClient(webhook_url=slack.webhook_url)
    with pytest.raises(PermanentError, match="invalid_blocks"):
        client.post_message(None, "x", [{"type": "bogus"}])
    with pytest.raises(PermanentError, match="404"):
        SlackClient(webhook_url=slack.url + "/services/T1/B1/nope").post_message(None, "x", None)


# --- Teams -------------------------------------------------------------------------------------------


def test_teams_workflow_envelope_and_202(teams):
    card = {"type": "AdaptiveCard", "version": "1.4", "body": [{"type": "TextBlock", "text": "Due"}],
            "actions": [{"type": "Action.OpenUrl", "title": "Open", "url": "https://example.com"}]}  # fmt: skip
    TeamsWorkflowClient(teams.webhook_url).post_card(card)
    body = teams.requests_to("POST", "/workflows/")[0]["json"]
    assert body["type"] == "message"
    assert body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert body["attachments"][0]["content"] == card


def test_teams_fake_rejects_bodies_without_attachments(teams):
    resp = requests.post(teams.webhook_url, json={"type": "message", "text": "MessageCard style"}, timeout=5)
    assert resp.status_code == 400 and "foreach" in resp.text


def test_teams_retired_connector_urls_are_refused():
    with pytest.raises(PermanentError, match="Workflow"):
        TeamsWorkflowClient("https://contoso.webhook.office.com/webhookb2/abc/IncomingWebhook/def/ghi")


# --- Jira --------------------------------------------------------------------------------------------


def _jira(jira, **kw):
    return JiraClient(jira.url, email="bot@example.com", api_token="jira-api-token", **kw)


def test_jira_create_search_paginates_with_next_page_token(jira):
    client = _jira(jira)
    for i in range(7):
        client.create_issue({"project": {"key": "OBL"}, "issuetype": {"name": "Task"}, "summary": f"Report {i}",
                             "description": adf_doc(["Obligation"]), "duedate": "2026-12-15",
                             "labels": ["contract-milestone", f"cm-{i}"]})  # fmt: skip
    keys = [i["key"] for i in client.search('labels = "contract-milestone"', ["status"], page_size=3)]
    assert keys == [f"OBL-{i}" for i in range(1, 8)]
    pages = jira.requests_to("POST", "/rest/api/3/search/jql")
    assert len(pages) == 3 and "nextPageToken" not in pages[0]["json"] and pages[1]["json"]["nextPageToken"]
    assert client.find_by_label("cm-4")["key"] == "OBL-5"
    assert client.find_by_label("cm-99") is None


def test_jira_fake_answers_410_on_the_removed_search_endpoint(jira):
    resp = requests.post(jira.url + "/rest/api/3/search", json={"jql": "project = OBL"},
                         auth=("bot@example.com", "jira-api-token"), timeout=5)  # fmt: skip
    assert resp.status_code == 410 and "/rest/api/3/search/jql" in resp.text


def test_jira_rejects_plain_text_descriptions_and_bad_auth(jira):
    with pytest.raises(PermanentError, match="Atlassian Document"):
        _jira(jira).create_issue({"project": {"key": "OBL"}, "issuetype": {"name": "Task"}, "summary": "x",
                                  "description": "plain text is v2, not v3"})  # fmt: skip
    with pytest.raises(PermanentError, match="401"):
        JiraClient(jira.url, email="bot@example.com", api_token="wrong").create_issue({})


def test_jira_transitions_close_to_a_done_category_status(jira):
    client = _jira(jira)
    key = client.create_issue({"project": {"key": "OBL"}, "issuetype": {"name": "Task"}, "summary": "x"})[
        "key"
    ]
    assert client.close(key, ("Won't Do", "Done")) == "Won't Do"
    assert jira.issues[key]["fields"]["status"]["statusCategory"]["key"] == "done"


def test_jira_user_lookup_by_email(jira):
    client = _jira(jira)
    assert client.account_id("jane.doe@example.com") == "5b10ac8d82e05b22cc7d4ef5"
    assert client.account_id("team-mailbox@example.com") is None


# --- Asana -------------------------------------------------------------------------------------------


def test_asana_envelope_external_lookup_and_offset_pagination(asana):
    client = AsanaClient(asana.token, base_url=asana.base_url)
    for i in range(5):
        client.create_task({"name": f"t{i}", "projects": ["1200000000000001"], "due_on": "2026-12-15",
                            "external": {"gid": f"contract-milestones:k{i}", "data": "{}"}})  # fmt: skip
    assert asana.requests_to("POST", "/tasks$")[0]["json"]["data"]["name"] == "t0"
    got = client.find_by_external("contract-milestones:k3")
    assert got is not None and got["name"] == "t3"
    assert client.find_by_external("contract-milestones:missing") is None
    names = [t["name"] for t in client.project_tasks("1200000000000001", ("name",), page_size=2)]
    assert names == ["t0", "t1", "t2", "t3", "t4"]
    assert len(asana.requests_to("GET", "/tasks$")) == 3


def test_asana_429_then_ok(asana, sleeps):
    asana.inject(Fault(status=429, headers={"Retry-After": "1"},
                       body={"errors": [{"message": "You've made too many requests"}]}, times=1))  # fmt: skip
    client = AsanaClient(asana.token, base_url=asana.base_url, sleep=sleeps)
    assert client.create_task({"name": "x", "workspace": "12345"})["name"] == "x"
    assert sleeps == [1.0]


# --- ServiceNow --------------------------------------------------------------------------------------


def test_servicenow_follows_link_next_and_sends_the_encoded_query(servicenow):
    servicenow.tables["incident"] = [
        {
            "sys_id": f"s{i:03d}",
            "number": f"INC{i:07d}",
            "priority": "2",
            "sys_updated_on": f"2026-11-{i + 1:02d} 08:00:00",
        }
        for i in range(25)
    ]
    client = ServiceNowClient(servicenow.url, username="svc.milestones", password="sn-password")
    rows = list(
        client.rows("incident", "priority<=2^ORDERBYsys_updated_on", ["sys_id", "number"], page_size=10)
    )
    assert [r["number"] for r in rows] == [f"INC{i:07d}" for i in range(25)]
    calls = servicenow.requests_to("GET", "/api/now/table/incident")
    assert len(calls) == 3 and calls[0]["query"]["sysparm_query"] == "priority<=2^ORDERBYsys_updated_on"
    assert calls[2]["query"]["sysparm_offset"] == "20"
    with pytest.raises(PermanentError, match="401"):
        list(ServiceNowClient(servicenow.url, username="x", password="y").rows("incident"))


# --- Calendars -----------------------------------------------------------------------------------------


def test_google_upsert_by_our_id_is_idempotent(gcal):
    client = GoogleCalendarClient(gcal.token, base_url=gcal.base_url)
    eid = google_event_id("cm-abc@contract-milestones.local")
    body = {"summary": "Due", "start": {"date": "2026-12-15"}, "end": {"date": "2026-12-16"}}
    client.upsert(eid, body)
    client.upsert(
        eid,
        {**body, "summary": "Due (moved)", "start": {"date": "2026-12-20"}, "end": {"date": "2026-12-21"}},
    )
    assert len(gcal.events) == 1
    ev = gcal.events[("primary", eid)]
    assert ev["summary"] == "Due (moved)" and ev["start"] == {"date": "2026-12-20"}
    assert [r["method"] for r in gcal.log] == ["POST", "POST", "PUT"]  # insert, 409 duplicate, update


def test_graph_transaction_id_dedupes_creates_and_token_flow(graph):
    token = graph_token(graph.token_url, "app-id", "app-secret")
    client = GraphCalendarClient(token, user="legal@contoso.com", base_url=graph.base_url)
    body = {"subject": "Due", "start": {"dateTime": "2026-12-15T00:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-12-16T00:00:00", "timeZone": "UTC"}, "isAllDay": True}  # fmt: skip
    a = client.create("7e163156-7762-4beb-a1c6-729ea81755a7", body)
    b = client.create("7e163156-7762-4beb-a1c6-729ea81755a7", body)
    assert a["id"] == b["id"] and len(graph.events) == 1
    with pytest.raises(PermanentError, match="401"):
        graph_token(graph.token_url, "app-id", "wrong-secret")


# --- SMTP ----------------------------------------------------------------------------------------------


def _mail():
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = "Due in 7 days", "milestones@example.com", "owner@example.com"
    msg["Message-ID"] = "<abc@contract-milestones.local>"
    msg.set_content("plain")
    msg.add_alternative("<p>html</p>", subtype="html")
    return msg


def test_smtp_delivers_plain_and_html(smtp):
    client = SmtpClient("127.0.0.1", smtp.port, security="none")
    assert client.send(_mail()) == "<abc@contract-milestones.local>"
    got = smtp.messages[0]
    assert got["Subject"] == "Due in 7 days" and got.is_multipart()
    assert [p.get_content_type() for p in got.walk()][1:] == ["text/plain", "text/html"]
    assert smtp.envelopes[0]["to"] == ["owner@example.com"]


def test_smtp_temporary_and_permanent_rejections(smtp):
    client = SmtpClient("127.0.0.1", smtp.port, security="none")
    smtp.handler.reject.append("451 4.3.0 Try again later")
    with pytest.raises(RetryableError):
        client.send(_mail())
    smtp.handler.reject.append("554 5.7.1 Rejected")
    with pytest.raises(PermanentError):
        client.send(_mail())
    assert smtp.messages == []


def test_smtp_timeout_after_data_is_ambiguous(smtp):
    smtp.handler.slow_after_accept.append(2.0)
    client = SmtpClient("127.0.0.1", smtp.port, security="none", timeout=0.5)
    with pytest.raises(AmbiguousError):
        client.send(_mail())
    assert len(smtp.messages) == 1  # the server kept it


def test_smtp_unreachable_is_retryable():
    with pytest.raises(RetryableError):
        SmtpClient("127.0.0.1", 9, security="none", timeout=0.5).send(_mail())
