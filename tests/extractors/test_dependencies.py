"""Dependent milestones: extraction names the predecessor a milestone waits on (depends_on), and only when the
trigger names one thing — "acceptance of the related milestone" is a rule for every item, not a link.

Clause texts are written for this project (development fixtures).
"""

from __future__ import annotations

import datetime as dt

import pytest

from extractors.obligations import get_obligations
from extractors.schema import KeyDates
from extractors.text import document_from_text

AS_OF = dt.date(2026, 12, 1)
KD = KeyDates(agreement_date=dt.date(2026, 1, 15), effective_date=dt.date(2026, 2, 1), expiration_date=dt.date(2029, 1, 31))
PREAMBLE = (
    'STATEMENT OF WORK\n\nThis Statement of Work is entered into as of January 15, 2026 by and between '
    'Acme Widgets, Inc., a Delaware corporation ("Client"), and Beta Systems LLC ("Supplier").\n\n'
)


def _obligations(*clauses: str) -> list:
    text = PREAMBLE + "".join(f"{i}. {c}\n\n" for i, c in enumerate(clauses, 1))
    return get_obligations(document_from_text(text, "t"), KD, AS_OF)


def test_phase_two_waits_on_the_approval_of_phase_one() -> None:
    found = _obligations(
        "Supplier shall deliver the Phase 1 Deliverables to Client no later than March 15, 2027.",
        "Supplier shall complete Phase 2 within ten (10) business days after Client's approval of the Phase 1 Deliverables.",
    )
    assert [m.due_date for m in found] == [dt.date(2027, 3, 15), None]
    dep = found[1]
    assert dep.depends_on == "Client's approval of the Phase 1 Deliverables"
    assert (dep.due_rule.amount, dep.due_rule.unit, dep.due_rule.anchor) == (10, "business_days", "phase_completion")
    assert found[0].depends_on is None


def test_payment_waits_on_the_acceptance_of_a_named_deliverable() -> None:
    found = _obligations(
        "Supplier shall deliver the Design Document by March 1, 2027.",
        "Client shall pay the Milestone Fee within thirty (30) days after acceptance of the Design Document.",
    )
    pay = [m for m in found if m.obligation_type == "payment"]
    assert len(pay) == 1 and pay[0].depends_on == "acceptance of the Design Document"
    assert (pay[0].due_rule.amount, pay[0].due_rule.unit, pay[0].due_rule.anchor) == (30, "days", "acceptance")


def test_installments_upon_completion_and_acceptance_wait_on_those_events() -> None:
    found = _obligations("Client shall pay 30% upon signing, 40% upon completion of Phase 1 and 30% upon final acceptance.")
    assert [m.depends_on for m in found] == [None, "completion of Phase 1", "final acceptance"]
    assert [m.due_rule.amount for m in found] == [None, None, None]  # due on the day the predecessor completes


@pytest.mark.parametrize("clause", [
    "Client shall pay each milestone invoice within thirty (30) days after acceptance of the related milestone.",
    "Client shall pay each milestone payment within thirty (30) days after Client's acceptance of the corresponding milestone.",
])  # fmt: skip
def test_a_rule_for_every_item_names_no_predecessor(clause: str) -> None:
    found = _obligations(clause)
    assert found and all(m.depends_on is None for m in found)
    assert found[0].due_rule.anchor == "acceptance"  # still counted from acceptance, just not linked


def test_multi_line_triggers_are_kept_on_one_line() -> None:
    found = _obligations(
        "Supplier shall complete Phase 2 within forty-five (45) days after Client's written approval of the\nPhase 1 Deliverables."
    )
    assert found and found[0].depends_on == "Client's written approval of the Phase 1 Deliverables"
