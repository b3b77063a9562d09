"""Build the fan-out's clients from Airflow Connections (credentials live only there; env `AIRFLOW_CONN_*`
locally). Airflow is imported lazily, so the clients and the fan-out logic stay testable without it.

Connection ids (all optional — a missing one means "use the local outbox" for that channel/system):

| conn id                     | conn type               | fields used |
|-----------------------------|-------------------------|-------------|
| milestones_slack            | slackwebhook or slack   | webhook: password = full https://hooks.slack.com/services/… URL (or host + password = path); slack: password = xoxb bot token, extra.base_url |
| milestones_teams            | http                    | password or extra.webhook_url = Workflows URL; extra.routes = {"#channel": url} |
| milestones_smtp             | smtp                    | host, port, login, password; extra.from_email, disable_ssl, disable_tls, timeout (provider semantics) |
| milestones_jira             | jira or http            | host = https://<site>.atlassian.net, login = email, password = API token; extra.project, issue_type, assignees, bearer |
| milestones_asana            | asana or http           | password = token; extra.workspace, project (gid), projects {owner_map name: gid}, assignees, use_external (false with a PAT), base_url |
| milestones_google_calendar  | http                    | password = OAuth access token; extra.calendar_id, base_url |
| milestones_msgraph          | http                    | login = client id, password = client secret, extra.tenant_id, user (UPN), token_url, base_url — or extra.token |
| milestones_servicenow       | http                    | host = https://<instance>.service-now.com, login, password (or extra.token); extra.contract_field, service_field, query |
| milestones_netsuite         | http                    | host = https://<account>.suitetalk.api.netsuite.com/services/rest, password = OAuth 2.0 token; extra.record_type (salesOrder), item_id |
| milestones_zuora            | http                    | host = https://rest.zuora.com, login = client id, password = client secret (or extra.token) |
| milestones_salesforce       | salesforce or http      | host = https://<mydomain>.my.salesforce.com, password = OAuth token; extra.api_version, task_external_field, fields, set_stage, owner_id, stages |
| milestones_hubspot          | http                    | password = private-app token; extra.base_url, key_property, properties, set_stage, owner_id, task_to_deal_type, stages |

The first of netsuite/zuora that is defined takes the draft invoice requests, the first of salesforce/hubspot the
renewals; without them both go to the local outbox (data/outbox/invoice, crm_update, crm_task).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from .clients import (
    AsanaClient,
    GoogleCalendarClient,
    GraphCalendarClient,
    JiraClient,
    ServiceNowClient,
    SlackClient,
    SmtpClient,
    TeamsWorkflowClient,
)
from .clients.calendars import graph_token
from .fanout.connectors import Connectors, ServiceNowOptions
from .fanout.tasks import AsanaBackend, JiraBackend

__all__ = ["CONN_IDS", "get_connectors", "connection_or_none", "connectors_from"]

log = logging.getLogger(__name__)

CONN_IDS = {
    "slack": "milestones_slack",
    "teams": "milestones_teams",
    "smtp": "milestones_smtp",
    "jira": "milestones_jira",
    "asana": "milestones_asana",
    "google": "milestones_google_calendar",
    "graph": "milestones_msgraph",
    "servicenow": "milestones_servicenow",
    "netsuite": "milestones_netsuite",
    "zuora": "milestones_zuora",
    "salesforce": "milestones_salesforce",
    "hubspot": "milestones_hubspot",
}


def connection_or_none(conn_id: str) -> Any | None:
    """The Airflow Connection, or None when it is not defined (or Airflow is not installed)."""
    try:
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException
    except ImportError:  # pragma: no cover - Airflow is a dependency, but the logic must not need it
        return None
    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None


def _extra(conn: Any) -> dict[str, Any]:
    extra = getattr(conn, "extra_dejson", None)
    if extra is None:
        raw = getattr(conn, "extra", None) or "{}"
        extra = json.loads(raw) if isinstance(raw, str) else dict(raw)
    return dict(extra)


def _base_url(conn: Any, default: str | None = None) -> str:
    host = (conn.host or "").strip()
    if host.startswith(("http://", "https://")):
        return host.rstrip("/")
    if not host:
        if default is None:
            raise ValueError(f"connection {conn.conn_id}: set host to the service's base URL")
        return default
    scheme = conn.schema if conn.schema in ("http", "https") else "https"
    port = f":{conn.port}" if conn.port else ""
    return f"{scheme}://{host}{port}"


def _http_kw(extra: dict[str, Any]) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    if "timeout" in extra:
        kw["timeout"] = float(extra["timeout"])
    if "max_inline_wait" in extra:
        kw["max_inline_wait"] = float(extra["max_inline_wait"])
    return kw


def _slack(conn: Any) -> SlackClient:
    extra = _extra(conn)
    secret = conn.password or extra.get("webhook_token") or ""
    if conn.conn_type == "slack" or secret.startswith("xox"):
        return SlackClient(token=secret, base_url=extra.get("base_url") or "https://slack.com/api",
                           min_interval=float(extra.get("min_interval", 1.0)), **_http_kw(extra))  # fmt: skip
    if secret.startswith(("http://", "https://")):
        url = secret
    else:
        url = _base_url(conn, "https://hooks.slack.com/services").rstrip("/") + "/" + secret.lstrip("/")
    return SlackClient(webhook_url=url, min_interval=float(extra.get("min_interval", 1.0)), **_http_kw(extra))


def _teams(conn: Any) -> tuple[TeamsWorkflowClient, dict[str, str]]:
    extra = _extra(conn)
    url = extra.get("webhook_url") or conn.password or _base_url(conn)
    return TeamsWorkflowClient(url, **_http_kw(extra)), dict(extra.get("routes") or {})


def _smtp(conn: Any) -> SmtpClient:
    extra = _extra(conn)
    disable_ssl = str(extra.get("disable_ssl", False)).lower() in ("true", "1", "yes")
    disable_tls = str(extra.get("disable_tls", False)).lower() in ("true", "1", "yes")
    security = "none" if disable_ssl and disable_tls else ("starttls" if disable_ssl else "ssl")
    port = conn.port or (465 if security == "ssl" else 587 if security == "starttls" else 25)
    return SmtpClient(conn.host, port, username=conn.login or None, password=conn.password or None, security=security,
                      timeout=float(extra.get("timeout", 30)),
                      from_addr=extra.get("from_email") or "contract-milestones@localhost")  # fmt: skip


def _jira(conn: Any) -> JiraBackend:
    extra = _extra(conn)
    base = _base_url(conn)
    if extra.get("bearer"):
        client = JiraClient(base, bearer=conn.password, **_http_kw(extra))
    else:
        client = JiraClient(base, email=conn.login, api_token=conn.password, **_http_kw(extra))
    return JiraBackend(client, default_project=extra.get("project") or "OBL", issue_type=extra.get("issue_type") or "Task",
                       assignees=extra.get("assignees") or {}, lookup_users=bool(extra.get("lookup_users", True)))  # fmt: skip


def _asana(conn: Any) -> AsanaBackend:
    extra = _extra(conn)
    client = AsanaClient(
        conn.password, base_url=extra.get("base_url") or "https://app.asana.com/api/1.0", **_http_kw(extra)
    )
    return AsanaBackend(client, default_project=extra.get("project"), projects=extra.get("projects") or {},
                        workspace=extra.get("workspace"), assignees=extra.get("assignees") or {},
                        use_external=bool(extra.get("use_external", True)))  # fmt: skip


def _google(conn: Any) -> GoogleCalendarClient:
    extra = _extra(conn)
    return GoogleCalendarClient(conn.password, calendar_id=extra.get("calendar_id") or "primary",
                                base_url=extra.get("base_url") or "https://www.googleapis.com/calendar/v3",
                                **_http_kw(extra))  # fmt: skip


def _graph(conn: Any) -> GraphCalendarClient:
    extra = _extra(conn)
    token = extra.get("token")
    if not token:
        tenant = extra.get("tenant_id")
        token_url = extra.get("token_url") or f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
        if not (tenant or extra.get("token_url")) or not conn.login or not conn.password:
            raise ValueError(
                "milestones_msgraph: set login (client id), password (client secret) and extra.tenant_id"
            )
        token = graph_token(token_url, conn.login, conn.password)
    return GraphCalendarClient(token, user=extra.get("user"), base_url=extra.get("base_url") or "https://graph.microsoft.com/v1.0",
                               **_http_kw(extra))  # fmt: skip


def _servicenow(conn: Any) -> tuple[ServiceNowClient, ServiceNowOptions]:
    extra = _extra(conn)
    client = ServiceNowClient(_base_url(conn), username=conn.login, password=conn.password, bearer=extra.get("token"),
                              **_http_kw(extra))  # fmt: skip
    opts = ServiceNowOptions(contract_field=extra.get("contract_field") or "correlation_id",
                             service_field=extra.get("service_field") or "business_service",
                             query=extra.get("query") or "")  # fmt: skip
    return client, opts


def _netsuite(conn: Any) -> Any:
    from .clients.erp import NetSuiteClient
    from .fanout.finance import NetSuiteInvoices

    extra = _extra(conn)
    client = NetSuiteClient(
        _base_url(conn), str(conn.password or extra.get("token") or ""), **_http_kw(extra)
    )
    return NetSuiteInvoices(client, record_type=extra.get("record_type") or "salesOrder",
                            item_id=str(extra.get("item_id") or "1"))  # fmt: skip


def _zuora(conn: Any) -> Any:
    from .clients.erp import ZuoraClient
    from .fanout.finance import ZuoraInvoices

    extra = _extra(conn)
    client = ZuoraClient(_base_url(conn, "https://rest.zuora.com"), client_id=conn.login or None,
                         client_secret=conn.password or None, token=extra.get("token"), **_http_kw(extra))  # fmt: skip
    return ZuoraInvoices(client)


def _salesforce(conn: Any) -> Any:
    from .clients.crm import SalesforceClient
    from .fanout.crm import SalesforceCrm

    extra = _extra(conn)
    client = SalesforceClient(_base_url(conn), str(conn.password or extra.get("token") or ""),
                              api_version=extra.get("api_version") or "v62.0", **_http_kw(extra))  # fmt: skip
    return SalesforceCrm(client, task_external_field=extra.get("task_external_field") or "Contract_Milestones_Key__c",
                         fields=extra.get("fields") or None, set_stage=bool(extra.get("set_stage", False)),
                         owner_id=extra.get("owner_id"), stages=extra.get("stages") or None)  # fmt: skip


def _hubspot(conn: Any) -> Any:
    from .clients.crm import HubSpotClient
    from .fanout.crm import HubSpotCrm

    extra = _extra(conn)
    client = HubSpotClient(str(conn.password or extra.get("token") or ""), base_url=extra.get("base_url") or "https://api.hubapi.com",
                           **_http_kw(extra))  # fmt: skip
    return HubSpotCrm(client, key_property=extra.get("key_property") or "contract_milestones_key",
                      properties=extra.get("properties") or None, set_stage=bool(extra.get("set_stage", False)),
                      owner_id=extra.get("owner_id"), task_to_deal_type=int(extra.get("task_to_deal_type", 216)),
                      stages=extra.get("stages") or None)  # fmt: skip


_BUSINESS = {"netsuite": ("erp", _netsuite), "zuora": ("erp", _zuora), "salesforce": ("crm", _salesforce),
             "hubspot": ("crm", _hubspot)}  # fmt: skip


def connectors_from(get: Callable[[str], Any | None]) -> Connectors:
    """Connectors from whatever `get(conn_id)` returns (an Airflow Connection or None)."""
    c = Connectors()
    for name, conn_id in CONN_IDS.items():
        conn = get(conn_id)
        if conn is None:
            continue
        if name in _BUSINESS:
            slot, build = _BUSINESS[name]
            if getattr(c, slot) is None:  # the first one defined wins
                setattr(c, slot, build(conn))
            log.info("fan-out: %s via connection %s", name, conn_id)
            continue
        if name == "slack":
            c.slack = _slack(conn)
        elif name == "teams":
            c.teams, c.teams_routes = _teams(conn)
        elif name == "smtp":
            c.smtp = _smtp(conn)
        elif name == "jira":
            c.jira = _jira(conn)
        elif name == "asana":
            c.asana = _asana(conn)
        elif name == "google":
            c.google = _google(conn)
        elif name == "graph":
            c.graph = _graph(conn)
        else:
            c.servicenow, c.servicenow_options = _servicenow(conn)
        log.info("fan-out: %s via connection %s", name, conn_id)
    return c


def get_connectors() -> Connectors:
    """Clients for every configured Connection; the rest of the fan-out goes to the local outbox."""
    return connectors_from(connection_or_none)
