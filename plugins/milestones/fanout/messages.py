"""What a reminder says, rendered once per channel: Slack Block Kit, a Teams Adaptive Card, a plain+HTML
email, a Jira ADF description and Asana notes. Free text from the contract is redacted before rendering.

Every message answers the same questions: what is due, when (days left or overdue), which contract and
counterparty, which clause and the sentence that creates the obligation, and where to look (the review
page, and the task when one exists).
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from ..redaction import redact
from .schedule import Reminder
from .settings import FanoutSettings

__all__ = ["Obligation", "AlertContent", "build_alert", "slack_payload", "teams_card", "email_message",
           "task_description", "when_text"]  # fmt: skip


@dataclass(frozen=True)
class Obligation:
    """One occurrence as read from marts.fct_obligations (+ owner-map and contract details)."""

    occurrence_id: str
    milestone_id: str
    contract_id: str
    obligation_type: str
    milestone_name: str | None
    deliverable: str | None
    responsible_party: str | None
    clause_reference: str | None
    evidence_text: str | None
    counterparty: str | None
    contract_title: str | None
    owner: str
    owner_email: str | None
    owner_channel: str | None
    manager: str | None
    manager_email: str | None
    jira_project: str | None
    asana_project: str | None
    due_date: dt.date | None
    days_until_due: int | None
    is_recurring: bool
    obligation_status: str
    review_status: str | None = None
    is_cleared_for_fanout: bool = False
    needs_review: bool = False
    is_default_owner: bool = False

    @property
    def obligation_key(self) -> str:
        """Stable across due-date moves for one-off obligations (the milestone); per occurrence when recurring."""
        return self.occurrence_id if self.is_recurring else self.milestone_id

    @property
    def contract_label(self) -> str:
        return self.contract_title or self.contract_id


def when_text(days: int | None, due: dt.date | None) -> str:
    if due is None or days is None:
        return "no date yet"
    if days > 1:
        return f"due {due.isoformat()} (in {days} days)"
    if days == 1:
        return f"due {due.isoformat()} (tomorrow)"
    if days == 0:
        return f"due today, {due.isoformat()}"
    return f"was due {due.isoformat()} ({-days} day{'s' if days != -1 else ''} overdue)"


@dataclass(frozen=True)
class AlertContent:
    kind: str
    title: str  # one line, also the notification fallback
    what: str
    when: str
    facts: tuple[tuple[str, str], ...]
    evidence: str
    link: str
    task_url: str | None


def _clip(text: str, n: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def build_alert(
    ob: Obligation, reminder: Reminder, settings: FanoutSettings, task_url: str | None = None
) -> AlertContent:
    r = settings.redaction
    what = redact(ob.milestone_name or ob.deliverable or ob.obligation_type.replace("_", " "), r)
    when = when_text(ob.days_until_due, ob.due_date)
    prefix = {"reminder": "Reminder", "overdue": "OVERDUE", "escalation": "ESCALATION"}[reminder.kind]
    title = _clip(f"{prefix}: {what} — {when} — {redact(ob.contract_label, r)}", 250)
    facts = [
        ("Due", when),
        ("Contract", redact(ob.contract_label, r) + (f" ({ob.contract_id})" if ob.contract_title else "")),
        ("Counterparty", redact(ob.counterparty, r) or "not recorded"),
        ("Obligation", ob.obligation_type.replace("_", " ")),
        ("Clause", redact(ob.clause_reference, r) or "not recorded"),
        ("Responsible party", redact(ob.responsible_party, r) or "not recorded"),
        ("Owner", ob.owner),
    ]
    if reminder.kind == "escalation":
        facts.append(("Escalated to", ob.manager or "manager not set in owner_map"))
    evidence = _clip(redact(ob.evidence_text, r), settings.evidence_chars)
    link = settings.link(ob.contract_id, ob.milestone_id, ob.occurrence_id)
    return AlertContent(reminder.kind, title, what, when, tuple(facts), evidence, link, task_url)


def _mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(a: AlertContent, channel: str | None) -> dict[str, Any]:
    icon = {"reminder": ":calendar:", "overdue": ":warning:", "escalation": ":rotating_light:"}[a.kind]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _clip(f"{a.what}", 150), "emoji": False}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _clip(f"{icon} *{_mrkdwn(a.when)}*", 3000)}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": _clip(f"*{k}*\n{_mrkdwn(v)}", 2000)} for k, v in a.facts[1:]
            ][:10],
        },
    ]
    if a.evidence:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": _clip("> " + _mrkdwn(a.evidence), 3000)}}
        )
    links = [f"<{a.link}|Open the contract review page>"]
    if a.task_url:
        links.append(f"<{a.task_url}|Open the task>")
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(links)}]})
    body: dict[str, Any] = {"text": a.title, "blocks": blocks}
    if channel:
        body["channel"] = channel
    return body


def teams_card(a: AlertContent) -> dict[str, Any]:
    color = {"reminder": "Accent", "overdue": "Warning", "escalation": "Attention"}[a.kind]
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": a.what, "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "text": a.when, "color": color, "wrap": True, "spacing": "None"},
        {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in a.facts[1:]]},
    ]
    if a.evidence:
        body.append({"type": "TextBlock", "text": f"“{a.evidence}”", "wrap": True, "isSubtle": True})
    actions = [{"type": "Action.OpenUrl", "title": "Open review page", "url": a.link}]
    if a.task_url:
        actions.append({"type": "Action.OpenUrl", "title": "Open task", "url": a.task_url})
    return {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4",
            "body": body, "actions": actions}  # fmt: skip


def email_message(
    a: AlertContent, to: list[str], cc: list[str], sender: str, message_id: str, domain: str
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = a.title
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    # deterministic Message-ID: receivers that dedupe by it drop an accidental second copy
    msg["Message-ID"] = f"<{message_id}@{domain}>"
    msg["X-Contract-Milestones-Message"] = message_id
    lines = [a.what, a.when, ""] + [f"{k}: {v}" for k, v in a.facts[1:]]
    if a.evidence:
        lines += ["", "Evidence:", f"  “{a.evidence}”"]
    lines += ["", f"Review page: {a.link}"] + ([f"Task: {a.task_url}"] if a.task_url else [])
    msg.set_content("\n".join(lines) + "\n")
    rows = "".join(
        f"<tr><th align='left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in a.facts[1:]
    )
    task = f" · <a href='{html.escape(a.task_url)}'>Open the task</a>" if a.task_url else ""
    quote = f"<blockquote>{html.escape(a.evidence)}</blockquote>" if a.evidence else ""
    msg.add_alternative(
        f"<html><body><h2>{html.escape(a.what)}</h2><p><strong>{html.escape(a.when)}</strong></p>"
        f"<table>{rows}</table>{quote}<p><a href='{html.escape(a.link)}'>Open the contract review page</a>{task}</p>"
        "</body></html>",
        subtype="html",
    )
    return msg


def task_description(ob: Obligation, settings: FanoutSettings) -> tuple[str, list[Any]]:
    """Summary line and description paragraphs (for Jira ADF and Asana notes), redacted."""
    r = settings.redaction
    what = redact(ob.milestone_name or ob.deliverable or ob.obligation_type.replace("_", " "), r)
    summary = _clip(f"{what} — {redact(ob.contract_label, r)}", 250)
    paragraphs: list[Any] = [
        f"Obligation ({ob.obligation_type.replace('_', ' ')}) from contract {ob.contract_id}"
        + (f" with {redact(ob.counterparty, r)}" if ob.counterparty else "")
        + (f", clause {redact(ob.clause_reference, r)}" if ob.clause_reference else "")
        + ".",
        f"Due: {ob.due_date.isoformat() if ob.due_date else 'no date yet'}. Owner: {ob.owner}.",
    ]
    if ob.evidence_text:
        paragraphs.append(f"Evidence: “{_clip(redact(ob.evidence_text, r), settings.evidence_chars)}”")
    link = settings.link(ob.contract_id, ob.milestone_id, ob.occurrence_id)
    paragraphs.append([("Review page: ", None), (link, link)])
    paragraphs.append(
        f"Managed by contract-milestones; key {ob.obligation_key}. Close the task when the obligation is met."
    )
    return summary, paragraphs
