"""HTTP/SMTP clients for the outside world. No Airflow imports: `milestones.hooks` builds them from
Airflow Connections; tests build them against local fake servers."""

from .asana import AsanaClient
from .calendars import GoogleCalendarClient, GraphCalendarClient, google_event_id, graph_transaction_id
from .http import AmbiguousError, DeliveryError, HttpClient, PermanentError, RateLimited, RetryableError
from .jira import JiraClient, adf_doc
from .servicenow import ServiceNowClient
from .slack import SlackClient
from .smtp import SmtpClient
from .teams import TeamsWorkflowClient, adaptive_card_message

__all__ = [
    "AmbiguousError", "AsanaClient", "DeliveryError", "GoogleCalendarClient", "GraphCalendarClient", "HttpClient",
    "JiraClient", "PermanentError", "RateLimited", "RetryableError", "ServiceNowClient", "SlackClient", "SmtpClient",
    "TeamsWorkflowClient", "adaptive_card_message", "adf_doc", "google_event_id", "graph_transaction_id",
]  # fmt: skip
