"""The outside services the fan-out may use. Every field is optional: what is missing goes to the local
outbox. Built from Airflow Connections by `milestones.hooks.get_connectors()`, or directly in tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..clients import (
    GoogleCalendarClient,
    GraphCalendarClient,
    ServiceNowClient,
    SlackClient,
    SmtpClient,
    TeamsWorkflowClient,
)
from .tasks import AsanaBackend, JiraBackend, LocalTaskBackend, TaskBackend
from .transports import EmailTransport, LocalTransport, SlackTransport, TeamsTransport, Transport

__all__ = ["Connectors", "ServiceNowOptions"]


@dataclass(frozen=True)
class ServiceNowOptions:
    contract_field: str = "correlation_id"  # incident field holding our contract_id
    service_field: str = "business_service"
    query: str = ""  # extra encoded query, e.g. "assignment_group=…"
    page_size: int = 100


@dataclass
class Connectors:
    slack: SlackClient | None = None
    teams: TeamsWorkflowClient | None = None
    teams_routes: dict[str, str] = field(default_factory=dict)
    smtp: SmtpClient | None = None
    jira: JiraBackend | None = None
    asana: AsanaBackend | None = None
    google: GoogleCalendarClient | None = None
    graph: GraphCalendarClient | None = None
    servicenow: ServiceNowClient | None = None
    servicenow_options: ServiceNowOptions = field(default_factory=ServiceNowOptions)
    erp: Any = None  # fanout.finance.NetSuiteInvoices | ZuoraInvoices: draft invoice requests
    crm: Any = None  # fanout.crm.SalesforceCrm | HubSpotCrm: renewal dates, stage suggestion, tasks

    @classmethod
    def local(cls) -> Connectors:
        return cls()

    def configured(self) -> list[str]:
        names = ("slack", "teams", "smtp", "jira", "asana", "google", "graph", "servicenow", "erp", "crm")
        return [n for n in names if getattr(self, n) is not None]

    def transports(self, outbox_dir: Path) -> dict[str, Transport]:
        local = LocalTransport(outbox_dir)
        return {
            "slack": SlackTransport(self.slack) if self.slack else local,
            "teams": TeamsTransport(self.teams, self.teams_routes) if self.teams else local,
            "email": EmailTransport(self.smtp) if self.smtp else local,
        }

    def task_backends(self, outbox_dir: Path) -> list[TaskBackend]:
        backends: list[TaskBackend] = [b for b in (self.jira, self.asana) if b is not None]
        return backends or [LocalTaskBackend(outbox_dir)]
