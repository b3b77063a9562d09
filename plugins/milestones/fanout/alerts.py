"""Plan and send the reminders due on the reference date, one outbox row per (occurrence, channel, step)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .messages import Obligation, build_alert, email_message, slack_payload, teams_card
from .outbox import DeliveryStats, OutboxStore, message_key
from .schedule import get_reminders
from .settings import DEFAULT_FROM, FanoutSettings
from .transports import OutboundMessage, Transport

__all__ = ["PlannedAlert", "plan_alerts", "send_alerts"]


@dataclass(frozen=True)
class PlannedAlert:
    ob: Obligation
    threshold: str
    kind: str
    channel: str
    recipient: str
    message: OutboundMessage


def plan_alerts(
    eligible: Sequence[Obligation],
    settings: FanoutSettings,
    task_urls: dict[str, str],
    skipped: dict[str, int],
    sender: str = DEFAULT_FROM,
) -> list[PlannedAlert]:
    planned: list[PlannedAlert] = []
    for ob in eligible:
        for rem in get_reminders(ob.days_until_due, ob.obligation_type, settings):
            content = build_alert(ob, rem, settings, task_urls.get(ob.occurrence_id))
            for channel in settings.channels:
                mid = message_key(ob.occurrence_id, channel, rem.threshold)
                if channel == "email":
                    if rem.audience == "manager":
                        to = [ob.manager_email] if ob.manager_email else []
                        cc = [ob.owner_email] if ob.owner_email and ob.owner_email != ob.manager_email else []
                    else:
                        to, cc = ([ob.owner_email] if ob.owner_email else []), []
                    if not to:
                        key = "no_manager_email" if rem.audience == "manager" else "no_owner_email"
                        skipped[key] = skipped.get(key, 0) + 1
                        continue
                    body: Any = email_message(content, to, cc, sender, mid, settings.calendar_domain)
                    recipient = ", ".join(to + cc)
                elif channel == "slack":
                    if not ob.owner_channel:
                        skipped["no_owner_channel"] = skipped.get("no_owner_channel", 0) + 1
                        continue
                    recipient = ob.owner_channel
                    body = slack_payload(content, ob.owner_channel)
                else:
                    recipient = ob.owner_channel or "default"
                    body = teams_card(content)
                msg = OutboundMessage(mid, channel, recipient, body)
                planned.append(PlannedAlert(ob, rem.threshold, rem.kind, channel, recipient, msg))
    return planned


def _payload_record(msg: OutboundMessage) -> Any:
    if msg.channel == "email":
        b = msg.body
        return {"subject": b["Subject"], "to": b["To"], "cc": b.get("Cc"), "message_id": b["Message-ID"],
                "text": b.get_body(("plain",)).get_content()}  # fmt: skip
    return msg.body


def send_alerts(
    store: OutboxStore,
    planned: Sequence[PlannedAlert],
    transports: dict[str, Transport],
    eligible_occurrences: set[str],
    stats: DeliveryStats,
) -> None:
    # 1. rows still waiting for an obligation that is no longer eligible (completed, cancelled, …)
    open_rows = store.con.execute(
        "select message_id, occurrence_key, channel, threshold from raw.outbox where status in ('pending', 'failed')"
    ).fetchall()
    planned_ids = {p.message.message_id for p in planned}
    current_step = {(p.ob.occurrence_id, p.channel, p.kind == "escalation"): p.threshold for p in planned}
    for mid, occ, channel, threshold in open_rows:
        if occ not in eligible_occurrences:
            store.suppress(
                mid, "obligation no longer eligible (completed, cancelled, quarantined or not cleared)"
            )
            stats.suppressed += 1
        elif mid not in planned_ids:
            newer = current_step.get((occ, channel, threshold == "escalation"))
            if newer is not None and newer != threshold:
                store.suppress(mid, f"superseded by the {newer} reminder")
                stats.suppressed += 1
    # 2. the current step of every eligible occurrence, at most once per channel
    known = {r[0] for r in store.con.execute("select message_id from raw.outbox").fetchall()}
    store.record_intents([
        dict(message_id=p.message.message_id, occurrence_key=p.ob.occurrence_id, milestone_id=p.ob.milestone_id,
             contract_id=p.ob.contract_id, channel=p.channel, threshold=p.threshold, kind=p.kind,
             recipient=p.recipient, due_date=p.ob.due_date, payload=_payload_record(p.message))
        for p in planned if p.message.message_id not in known
    ])  # fmt: skip
    for p in planned:
        store.deliver(p.message, transports[p.channel], stats)
