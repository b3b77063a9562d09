"""Due rules as written: one table per form (absolute, relative, recurring, event-conditioned) and resolution.

Clause texts are written for this project in the style of US commercial contracts (development fixtures, not
held out); none is copied from CUAD or the sample portfolio.
"""

from __future__ import annotations

import datetime as dt

import pytest

from extractors.calendar import get_calendar
from extractors.rules import get_due_rules, resolve
from extractors.schema import DueRule

D = dt.date


def _one(text: str, **expected: object) -> None:
    rules = get_due_rules(text)
    assert rules, f"no due rule found in {text!r}"
    best = max(rules, key=lambda m: (m.rule.amount is not None or m.rule.kind != "relative", m.confidence, m.end - m.start))
    got = {k: getattr(best.rule, k) for k in expected}
    assert got == expected, f"{text!r}: {got} != {expected} (all: {[m.rule for m in rules]})"
    assert text[best.start : best.end] == best.text


ABSOLUTE = [
    ("Supplier shall deliver the Software no later than March 15, 2027.", {"kind": "absolute", "date": D(2027, 3, 15), "direction": "before"}),
    ("The fee is payable on or before June 30, 2026.", {"kind": "absolute", "date": D(2026, 6, 30), "direction": "before"}),
    ("The Phase 2 report is due on December 11, 2026.", {"kind": "absolute", "date": D(2026, 12, 11), "direction": "on"}),
    ("Vendor shall install the system by the 1st day of May, 2027.", {"kind": "absolute", "date": D(2027, 5, 1), "direction": "before"}),
    ("The plan must be delivered not later than 15 March 2027.", {"kind": "absolute", "date": D(2027, 3, 15), "direction": "before"}),
    ("Licensee shall pay the fee on or before June 30.", {"kind": "absolute", "date": None, "anchor": "--06-30"}),
]

RELATIVE = [
    ("Customer shall pay each invoice within thirty (30) days after receipt of the invoice.",
     {"kind": "relative", "amount": 30, "unit": "days", "direction": "within", "anchor": "invoice_receipt"}),
    ("Payment terms are net 45 days.", {"kind": "relative", "amount": 45, "unit": "days", "anchor": "invoice_receipt"}),
    ("Within ten (10) days of the Effective Date, Company shall deliver the Initial Units.",
     {"kind": "relative", "amount": 10, "unit": "days", "direction": "within", "anchor": "effective_date"}),
    ("Either party may elect not to renew by written notice at least sixty (60) days prior to the expiration of the then-current term.",
     {"kind": "relative", "amount": 60, "unit": "days", "direction": "before", "anchor": "expiration_date"}),
    ("Payment is due thirty (30) days after acceptance.", {"kind": "relative", "amount": 30, "direction": "after", "anchor": "acceptance"}),
    ("Seller shall ship the goods within five (5) business days after receipt of a purchase order.",
     {"kind": "relative", "amount": 5, "unit": "business_days", "anchor": "order"}),
    ("The Consultant shall return all materials within fifteen (15) days following termination of this Agreement.",
     {"kind": "relative", "amount": 15, "unit": "days", "anchor": "termination"}),
    ("The Company shall reply within ten (10) business days of Licensee's written request.",
     {"kind": "relative", "amount": 10, "unit": "business_days", "anchor": "written_request"}),
    ("Buyer shall inspect the goods within seven (7) days after delivery.", {"kind": "relative", "amount": 7, "anchor": "delivery"}),
    ("Licensee shall notify Licensor at least two (2) weeks before the launch.", {"kind": "relative", "amount": 2, "unit": "weeks", "direction": "before"}),
    ("Phase 2 shall be completed within sixty (60) days after approval of Phase 1.",
     {"kind": "relative", "amount": 60, "anchor": "phase_completion"}),
    ("Upon receipt of an invoice, Customer shall pay within 15 business days.",
     {"kind": "relative", "amount": 15, "unit": "business_days", "anchor": "invoice_receipt"}),
    ("Processor shall notify Customer within seventy-two (72) hours after becoming aware of a Security Incident.",
     {"kind": "relative", "amount": 72, "unit": "hours", "anchor": "breach_discovery"}),
    ("The Developer shall send the design no later than thirty (30) days from the date hereof.",
     {"kind": "relative", "amount": 30, "anchor": "signing"}),
    ("Subscriber data shall be deleted no later than 30 days following the end of the Subscription Term.",
     {"kind": "relative", "amount": 30, "anchor": "termination"}),
    ("Franchisee shall open three stores during the first Contract Year.",
     {"kind": "relative", "amount": 1, "unit": "years", "anchor": "effective_date"}),
    ("The seller shall advise the buyer seven business days in advance.", {"kind": "relative", "amount": 7, "direction": "before"}),
    # round 2: redacted numbers keep their unit, "receipt" in an invoice sentence, elections with a window
    ("Supplier shall confirm each order within [***] days after receipt of the purchase order.",
     {"kind": "relative", "amount": None, "unit": "days", "direction": "within", "anchor": "order"}),
    ("Payment is due no later than [***] business days prior to the shipment date.",
     {"kind": "relative", "amount": None, "unit": "business_days", "direction": "before", "anchor": "delivery"}),
    ("Distributor shall pay all invoices within thirty (30) days of receipt.",
     {"kind": "relative", "amount": 30, "anchor": "invoice_receipt"}),
    ("Buyer shall have seventy-two (72) hours from receipt of the notice to elect to participate.",
     {"kind": "relative", "amount": 72, "unit": "hours", "direction": "within", "anchor": "notice"}),
    ("Vendor shall give at least sixty (60) days notice of any price increase during a renewal term.",
     {"kind": "relative", "amount": 60, "direction": "before", "anchor": "event"}),
]

RECURRING = [
    ("Distributor shall provide a sales report within 45 days after the end of each calendar quarter.",
     {"kind": "recurring", "frequency": "quarterly", "amount": 45, "unit": "days", "anchor": "quarter_end"}),
    ("Payment is due on the first business day of each month.",
     {"kind": "recurring", "frequency": "monthly", "amount": 1, "unit": "business_days", "direction": "on", "anchor": "month_start"}),
    ("Royalties shall be paid on or before the 15th day of each month.",
     {"kind": "recurring", "frequency": "monthly", "amount": 15, "unit": "days", "anchor": "month_start"}),
    ("Company shall pay the annual fee each year on the anniversary of the Effective Date.",
     {"kind": "recurring", "frequency": "annually", "anchor": "effective_date", "direction": "on"}),
    ("Licensee shall submit quarterly reports.", {"kind": "recurring", "frequency": "quarterly"}),
    ("The Committee shall meet at least four (4) times per year.", {"kind": "recurring", "frequency": "quarterly"}),
    ("Contractor shall send status reports on a monthly basis.", {"kind": "recurring", "frequency": "monthly"}),
    ("The parties shall hold executive reviews semi-annually.", {"kind": "recurring", "frequency": "semiannually"}),
    ("Contractor shall deliver a written project status report every two weeks.", {"kind": "recurring", "frequency": "biweekly"}),
    ("Licensor shall send invoices twice monthly.", {"kind": "recurring", "frequency": "biweekly"}),
    ("Royalties for a quarter shall be paid within 30 days of the end of that royalty quarter.",
     {"kind": "recurring", "frequency": "quarterly", "amount": 30, "anchor": "quarter_end"}),
    ("The monthly fee is due within ten (10) days after the end of each calendar month.",
     {"kind": "recurring", "frequency": "monthly", "amount": 10, "anchor": "month_end"}),
    ("Within thirty (30) days after the Effective Date and each anniversary thereof, Contractor shall deliver a certificate of insurance.",
     {"kind": "recurring", "frequency": "annually", "amount": 30, "anchor": "effective_date"}),
    ("The technician shall inspect the Equipment at least once during each calendar quarter.",
     {"kind": "recurring", "frequency": "quarterly", "anchor": "quarter_end", "direction": "before"}),
    ("Payments will be made on or before the 25th of each calendar month.",
     {"kind": "recurring", "frequency": "monthly", "amount": 25, "anchor": "month_start"}),
    ("The fee of the last quarter shall be paid prior to the seventh business day following the commencement of the next quarter.",
     {"kind": "recurring", "frequency": "quarterly", "amount": 7, "unit": "business_days", "anchor": "quarter_start"}),
    ("Commissions shall be paid within 30 business days of the month in which premiums are received.",
     {"frequency": "monthly", "amount": 30, "anchor": "month_end"}),
    ("The budget is due no later than sixty (60) days before the beginning of each Contract Year.",
     {"kind": "recurring", "frequency": "annually", "direction": "before", "anchor": "effective_date"}),
]

# Anchors and schedules read from the words around the deadline (round 4, from the due-rule misses of the training parts)
DUE_ANCHORS = [
    ("Reseller shall have ten (10) days after receipt of each Shipment to accept or reject the Shipment by written notice.",
     {"amount": 10, "anchor": "delivery"}),  # the purpose ("to accept") is not the anchor
    ("Buyer shall have seventy-two (72) hours (excluding weekends and public holidays) from receipt of the offer to accept it.",
     {"amount": 72, "unit": "hours", "anchor": "receipt"}),  # an aside between the duration and its anchor
    ("Vendor shall notify Buyer of any Data Breach no later than forty-eight (48) hours after Vendor first learns of it.",
     {"amount": 48, "unit": "hours", "anchor": "breach_discovery"}),
    ("If a Data Breach occurs, Vendor shall notify Buyer promptly and in any event within 24 hours of discovery.",
     {"amount": 24, "anchor": "breach_discovery"}),
    ("Tenant shall deliver a certificate of insurance within fifteen (15) days after the Effective Date and annually thereafter.",
     {"kind": "recurring", "frequency": "annually", "amount": 15, "anchor": "effective_date"}),
    ("Customer may claim a credit within thirty (30) days after the end of the month in which the outage occurred.",
     {"kind": "relative", "frequency": None, "amount": 30, "anchor": "month_end"}),
    ("The first royalty payment is due sixty days after the end of the calendar quarter in which the first commercial sale took place.",
     {"kind": "relative", "amount": 60, "anchor": "quarter_end"}),
    ("Licensee shall pay Licensor within twenty (20) days of achieving each of the milestones listed in Schedule B.",
     {"amount": 20, "anchor": "phase_completion"}),
    ("Sponsor shall pay the bonus within thirty days of the achievement of the Phase III Milestone.", {"amount": 30, "anchor": "phase_completion"}),
    ("Agent will deliver the shares within three (3) days of both parties executing this Agreement.", {"amount": 3, "anchor": "signing"}),
    ("The Term shall start on the Effective Date and continue for twenty four (24) months following the Effective Date (the \"Initial Term\").",
     {"amount": 24, "unit": "months", "anchor": "effective_date"}),  # a defined name in brackets is not the anchor
    ("This Agreement shall commence on the Effective Date and, unless earlier terminated, shall remain in effect for a period of five (5) years thereafter.",
     {"amount": 5, "unit": "years", "anchor": "effective_date"}),
    ("Distributor shall confirm each purchase order within four (4) days of receipt, not including weekends and bank holidays.",
     {"amount": 4, "unit": "business_days"}),
    ("The license fee shall be paid quarterly in advance at the beginning of each calendar quarter.",
     {"kind": "recurring", "frequency": "quarterly", "anchor": "quarter_start", "direction": "on"}),
    ("Rent is payable monthly in advance at the beginning of the month.", {"kind": "recurring", "frequency": "monthly", "anchor": "month_start"}),
    ("Royalties shall be payable no later than forty-five (45) days after the close of the preceding full quarter-annual period.",
     {"amount": 45, "anchor": "quarter_end"}),
    ("Reseller shall cease all sales upon receipt of notice from Vendor that Vendor is terminating this Agreement.",
     {"direction": "on", "anchor": "notice"}),
]


EVENT = [
    ("Client shall pay the balance upon Client's approval of Phase 1.", {"kind": "relative", "direction": "on", "anchor": "phase_completion", "amount": None}),
    ("The fee is payable upon execution of this Agreement.", {"kind": "relative", "direction": "on", "anchor": "signing"}),
    ("Upon termination, Distributor shall immediately cease using the Marks.", {"kind": "relative", "direction": "on", "anchor": "termination"}),
    ("In the event this Agreement terminates for any reason, Reseller shall return all samples.", {"anchor": "termination", "direction": "on"}),
    ("The second installment is due upon final acceptance of the System.", {"anchor": "acceptance", "direction": "on"}),
    ("Invoices shall be issued concurrently with shipment of the Products.", {"anchor": "delivery", "direction": "on"}),
    ("The exit fee shall be paid immediately prior to the transfer of the accounts.", {"anchor": "event", "direction": "before"}),
    ("Once this Agreement has expired, each party shall destroy the other party's materials.", {"anchor": "termination", "direction": "on"}),
    ("In case of termination of this Agreement, Contractor shall cooperate in the transfer of the services.",
     {"anchor": "termination", "direction": "on"}),
    ("The initial fee is payable on completion of this Agreement.", {"anchor": "signing", "direction": "on"}),
    ("Before the execution of the additional services, Customer shall pay the package price.", {"anchor": "event", "direction": "before"}),
]


@pytest.mark.parametrize(("text", "expected"), ABSOLUTE, ids=[t[:50] for t, _ in ABSOLUTE])
def test_absolute(text: str, expected: dict) -> None:
    _one(text, **expected)


@pytest.mark.parametrize(("text", "expected"), RELATIVE, ids=[t[:50] for t, _ in RELATIVE])
def test_relative(text: str, expected: dict) -> None:
    _one(text, **expected)


@pytest.mark.parametrize(("text", "expected"), RECURRING, ids=[t[:50] for t, _ in RECURRING])
def test_recurring(text: str, expected: dict) -> None:
    _one(text, **expected)


@pytest.mark.parametrize(("text", "expected"), DUE_ANCHORS, ids=[t[:50] for t, _ in DUE_ANCHORS])
def test_anchor_from_the_surrounding_words(text: str, expected: dict) -> None:
    _one(text, **expected)


@pytest.mark.parametrize(("text", "expected"), EVENT, ids=[t[:50] for t, _ in EVENT])
def test_event_conditioned(text: str, expected: dict) -> None:
    _one(text, **expected)


def test_compound_payment_sentence_yields_one_rule_per_installment() -> None:
    rules = get_due_rules("Client shall pay 30% upon signing, 40% upon completion of Phase 1 and 30% upon final acceptance.")
    assert [m.rule.anchor for m in rules] == ["signing", "phase_completion", "acceptance"]


def test_parallel_durations_share_their_anchor() -> None:
    rules = get_due_rules("Provider shall respond within 4 hours and resolve the issue within 24 hours after Customer reports it.")
    assert [(m.rule.amount, m.rule.anchor) for m in rules] == [(4, "incident_report"), (24, "incident_report")]


NO_RULE = [
    "This Agreement shall be governed by the laws of the State of Delaware.",
    "The Licensee shall use commercially reasonable efforts to promote the Products.",
    "Interest accrues at 1.5% per annum.",
    "The average annual net assets of the Fund are calculated daily.",
    "Licensor may request additional information from time to time.",
    "The help desk is staffed twenty-four (24) hours per day, seven (7) days per week.",  # a rate, not a deadline
    "Client shall pay all fees that accrued during the period prior to the effective date of termination.",  # which fees, not when
]


def test_thereafter_counts_from_the_last_date_named() -> None:
    rules = get_due_rules("Buyer shall keep the records for three (3) years following the termination of this Agreement, "
                          "and Seller shall destroy all samples within thirty days thereafter.")
    assert [(m.rule.amount, m.rule.anchor) for m in rules] == [(3, "termination"), (30, "termination")]
    rules = get_due_rules("This Agreement is effective as of the date hereof and shall remain in force for two (2) years thereafter, "
                          "subject to earlier termination under Section 8.")
    assert [(m.rule.amount, m.rule.anchor) for m in rules] == [(2, "signing")]


def test_a_condition_on_a_period_end_is_no_schedule() -> None:
    rules = get_due_rules("Reports are due within 20 days after each quarter end, unless the last day of such quarter is a holiday.")
    assert [(m.rule.amount, m.rule.anchor) for m in rules] == [(20, "quarter_end")]


@pytest.mark.parametrize("text", NO_RULE)
def test_no_due_rule(text: str) -> None:
    assert [m for m in get_due_rules(text) if m.rule.kind != "none"] == []


@pytest.mark.xfail(strict=True, reason="known gap: two-month cadences written as 'every other month' are not read")
def test_every_other_month() -> None:
    _one("The Board shall meet every other month.", kind="recurring", frequency="every_2_months")


# --- resolution --------------------------------------------------------------------------------------------

US = get_calendar("US")
ANCHORS = {"effective_date": D(2025, 3, 10), "signing": D(2025, 3, 1), "expiration_date": D(2028, 3, 9)}

RESOLVE = [
    (DueRule(kind="absolute", date=D(2027, 3, 15)), D(2026, 12, 1), D(2027, 3, 15)),
    (DueRule(kind="relative", amount=10, unit="days", direction="within", anchor="effective_date"), D(2026, 12, 1), D(2025, 3, 20)),
    (DueRule(kind="relative", amount=10, unit="business_days", direction="within", anchor="signing"), D(2026, 12, 1), D(2025, 3, 14)),
    (DueRule(kind="relative", amount=90, unit="days", direction="before", anchor="expiration_date"), D(2026, 12, 1), D(2027, 12, 10)),
    (DueRule(kind="relative", amount=1, unit="months", direction="after", anchor="expiration_date"), D(2026, 12, 1), D(2028, 4, 9)),
    (DueRule(kind="relative", amount=30, unit="days", direction="within", anchor="invoice_receipt"), D(2026, 12, 1), None),
    (DueRule(kind="relative", direction="on", anchor="acceptance"), D(2026, 12, 1), None),
    (DueRule(kind="recurring", frequency="quarterly", amount=45, unit="days", direction="within", anchor="quarter_end"), D(2026, 12, 1), D(2027, 2, 14)),
    (DueRule(kind="recurring", frequency="quarterly", amount=45, unit="days", direction="within", anchor="quarter_end"), D(2026, 11, 10), D(2026, 11, 14)),
    (DueRule(kind="recurring", frequency="monthly", amount=1, unit="business_days", direction="on", anchor="month_start"), D(2026, 12, 2), D(2027, 1, 4)),
    (DueRule(kind="recurring", frequency="monthly", amount=15, unit="days", direction="on", anchor="month_start"), D(2026, 12, 15), D(2026, 12, 15)),
    (DueRule(kind="recurring", frequency="annually", direction="on", anchor="effective_date"), D(2026, 12, 1), D(2027, 3, 10)),
    (DueRule(kind="recurring", frequency="annually", amount=30, unit="days", direction="within", anchor="effective_date"), D(2026, 12, 1), D(2027, 4, 9)),
    (DueRule(kind="recurring", frequency="monthly", amount=10, unit="days", direction="within", anchor="month_end"), D(2027, 1, 5), D(2027, 1, 10)),
    (DueRule(kind="recurring", frequency="monthly", amount=5, unit="business_days", direction="within", anchor="month_end"), D(2026, 12, 1), D(2026, 12, 7)),
    (DueRule(kind="recurring", frequency="annually", direction="before", anchor="--06-30"), D(2026, 12, 1), D(2027, 6, 30)),
    (DueRule(kind="recurring", frequency="quarterly", direction="before", anchor="quarter_end"), D(2026, 12, 1), D(2026, 12, 31)),
    (DueRule(kind="recurring", frequency="monthly"), D(2026, 2, 3), D(2026, 2, 28)),
    (DueRule(kind="relative", amount=1, unit="months", direction="after", anchor="effective_date"), D(2026, 1, 1), D(2025, 4, 10)),
]


@pytest.mark.parametrize(("rule", "as_of", "expected"), RESOLVE)
def test_resolve(rule: DueRule, as_of: dt.date, expected: dt.date | None) -> None:
    assert resolve(rule, ANCHORS, as_of, US) == expected


def test_schedule_stops_after_the_contract_ends() -> None:
    rule = DueRule(kind="recurring", frequency="quarterly", amount=30, unit="days", direction="within", anchor="quarter_end")
    assert resolve(rule, {"schedule_end": D(2026, 6, 30)}, D(2026, 12, 1), US) is None
    assert resolve(rule, {"schedule_end": None}, D(2026, 12, 1), US) == D(2027, 1, 30)


def test_month_end_clamps_when_adding_months() -> None:
    rule = DueRule(kind="relative", amount=1, unit="months", direction="after", anchor="effective_date")
    assert resolve(rule, {"effective_date": D(2027, 1, 31)}, D(2026, 1, 1), US) == D(2027, 2, 28)


def test_resolution_never_reads_the_clock() -> None:
    rule = DueRule(kind="recurring", frequency="annually", direction="on", anchor="effective_date")
    open_ended = {"effective_date": D(2025, 3, 10)}
    assert resolve(rule, open_ended, D(2030, 3, 11), US) == D(2031, 3, 10)
    assert resolve(rule, ANCHORS, D(2030, 3, 11), US) is None  # the contract ended on 2028-03-09
    assert resolve(rule, open_ended, D(2024, 1, 1), US) == D(2026, 3, 10)  # the first anniversary, not the Effective Date
