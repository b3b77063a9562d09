"""What a reminder says on each channel, and that personal data never leaves in it.

The obligation is made up for this test; its evidence sentence carries synthetic PII (invented name,
documented test IBAN GB82WEST12345698765432, 555-01xx phone number)."""

from __future__ import annotations

import datetime as dt
import json

from fakes.slack import block_errors
from fakes.teams import card_errors
from milestones.fanout.messages import (
    Obligation,
    build_alert,
    email_message,
    slack_payload,
    task_description,
    teams_card,
)
from milestones.fanout.schedule import Reminder
from milestones.fanout.settings import FanoutSettings
from milestones.redaction import RedactionSettings

PII = ("jane.roe@acme-widgets.com", "GB82 WEST 1234 5698 7654 32", "(415) 555-0134")
OB = Obligation(
    occurrence_id="m1:2026-12-15", milestone_id="m1", contract_id="msa-acme-2026", obligation_type="payment",
    milestone_name="Quarterly service credit payment", deliverable=None, responsible_party="Acme Widgets LLC",
    clause_reference="Section 7.2(b)",
    evidence_text="Supplier shall pay the service credit to IBAN GB82 WEST 1234 5698 7654 32 by December 15, 2026; "
                  "questions to jane.roe@acme-widgets.com or (415) 555-0134.",
    counterparty="Acme Widgets LLC", contract_title="Master Services Agreement", owner="finance-ap",
    owner_email="finance@example.com", owner_channel="#finance-ops", manager="cfo", manager_email="cfo@example.com",
    jira_project="FIN", asana_project="finance", due_date=dt.date(2026, 12, 15), days_until_due=14,
    is_recurring=False, obligation_status="open",
)  # fmt: skip
S = FanoutSettings(review_base_url="https://milestones.example.com")
REM = Reminder("d14", "reminder", "owner", 14)


def _all_text(obj) -> str:
    return json.dumps(obj, ensure_ascii=False) if not isinstance(obj, str) else obj


def test_alert_answers_what_when_where_and_why():
    a = build_alert(OB, REM, S, task_url="https://acme.atlassian.net/browse/FIN-7")
    assert a.what == "Quarterly service credit payment"
    assert a.when == "due 2026-12-15 (in 14 days)"
    facts = dict(a.facts)
    assert facts["Contract"] == "Master Services Agreement (msa-acme-2026)"
    assert facts["Counterparty"] == "Acme Widgets LLC" and facts["Clause"] == "Section 7.2(b)"
    assert "Supplier shall pay the service credit" in a.evidence
    assert a.link == "https://milestones.example.com/contracts/msa-acme-2026?milestone=m1"
    assert a.title.startswith("Reminder: Quarterly service credit payment — due 2026-12-15 (in 14 days)")


def test_overdue_and_escalation_wording():
    late = Obligation(**{**OB.__dict__, "days_until_due": -15, "obligation_status": "overdue"})
    a = build_alert(late, Reminder("escalation", "escalation", "manager", -15), S)
    assert a.title.startswith("ESCALATION:") and "15 days overdue" in a.when
    assert dict(a.facts)["Escalated to"] == "cfo"


def test_every_rendering_is_valid_for_its_service_and_redacted():
    a = build_alert(OB, REM, S, task_url="https://acme.atlassian.net/browse/FIN-7")
    slack = slack_payload(a, "#finance-ops")
    teams = teams_card(a)
    mail = email_message(
        a, ["finance@example.com"], [], "milestones@example.com", "abc123", S.calendar_domain
    )
    summary, paragraphs = task_description(OB, S)
    assert block_errors(slack["blocks"]) == []
    assert card_errors({"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "content": teams}]}) == []  # fmt: skip
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    outputs = [_all_text(slack), _all_text(teams), plain, html, summary, _all_text(paragraphs)]
    for out in outputs:
        for secret in PII:
            assert secret not in out, (secret, out[:200])
    assert "[iban]" in plain and "[email]" in plain and "[phone]" in plain
    assert (
        "https://acme.atlassian.net/browse/FIN-7" in plain
        and "https://milestones.example.com/contracts/" in html
    )
    assert mail["Message-ID"] == "<abc123@contract-milestones.local>"


def test_redaction_can_be_switched_off_by_configuration():
    s = FanoutSettings(redaction=RedactionSettings(enabled=False))
    assert PII[0] in build_alert(OB, REM, s).evidence


def test_slack_text_is_escaped_for_mrkdwn():
    tricky = Obligation(
        **{**OB.__dict__, "milestone_name": "Pay <Acme> & co", "evidence_text": "a < b & c > d"}
    )
    blocks = slack_payload(build_alert(tricky, REM, S), "#x")["blocks"]
    quote = [
        b for b in blocks if b["type"] == "section" and "text" in b and b["text"]["text"].startswith(">")
    ][0]
    assert quote["text"]["text"] == "> a &lt; b &amp; c &gt; d"
