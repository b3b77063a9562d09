"""Redaction of personal data in outbound text.

Fixtures: synthetic PII written for this test (numbers are the documented test values — IBAN
GB82WEST12345698765432 from the ISO 13616 example, card 4111 1111 1111 1111 the well-known test Visa,
routing 011000015 a valid-checksum ABA number, SSN-shaped values in valid ranges but invented; names
invented). Hard negatives are phrasings from the bundled sample portfolio (extractors/samples/portfolio),
which is development data.
"""

from __future__ import annotations

import pytest
from milestones.redaction import RedactionSettings, get_redactions, redact, settings_from_env

from extractors.errors import MilestonesError

# (text, expected [(kind, matched text)])
POSITIVES = [
    ("Contact jane.doe@acme-widgets.com for the report.", [("email", "jane.doe@acme-widgets.com")]),
    ("Call (415) 555-0134 before delivery.", [("phone", "(415) 555-0134")]),
    ("Phone: 415-555-0134 ext. 22", [("phone", "415-555-0134 ext. 22")]),
    ("Call 415.555.0134 today", [("phone", "415.555.0134")]),
    ("London office +44 20 7946 0958.", [("phone", "+44 20 7946 0958")]),
    ("Tel: 020 7946 0958", [("phone", "020 7946 0958")]),
    ("Pay to IBAN GB82 WEST 1234 5698 7654 32 within 30 days.", [("iban", "GB82 WEST 1234 5698 7654 32")]),
    ("IBAN: DE89370400440532013000", [("iban", "DE89370400440532013000")]),
    (
        "Wire to account number 000123456789, routing number 011000015.",
        [("account_number", "000123456789"), ("routing_number", "011000015")],
    ),
    ("Acct. No.: 4455-6677-8899", [("account_number", "4455-6677-8899")]),
    ("Card 4111 1111 1111 1111 on file", [("card_number", "4111 1111 1111 1111")]),
    ("Employee SSN 123-45-6789 must be reported.", [("ssn", "123-45-6789")]),
    ("Social Security Number: 123456789", [("ssn", "123456789")]),
    ("National Insurance number AB 12 34 56 C.", [("national_id", "AB 12 34 56 C")]),
    ("By: /s/ Grace H. Okafor\nTitle: CFO", [("signature_name", "Grace H. Okafor")]),
    ("Name: Peter Lindqvist\nTitle: Director", [("signature_name", "Peter Lindqvist")]),
    ("Attn: Dr. Maria de la Cruz", [("signature_name", "Dr. Maria de la Cruz")]),
    ("Signed /s/ Andre Baptiste, CEO", [("signature_name", "Andre Baptiste")]),
    ("Visa card number: 4111111111111111", [("card_number", "4111111111111111")]),
]

# Contract text that looks like PII to a careless pattern and must survive untouched.
NEGATIVES = [
    "Supplier shall deliver the report no later than 2026-03-31.",
    "Fees of $1,250,000.00 are payable within 30 days of invoice.",
    "As set out in Section 12.3.4 and Exhibit B-2, the SLA target is 99.95%.",
    "Notices by email are effective upon receipt.",
    "payment to the account listed in Schedule A",
    "ISO 27001 certification shall be maintained; SOC 2 Type II report annually.",
    "By: ______________________________",
    "Name: Northwind Traders, Inc.",
    "By: Quarry Hill Engineering PLLC",
    "Title: Chief Financial Officer",
    "Date: November 6, 2026",
    "Purchase order 4500012345 dated 2026-01-15 for 1,000 units.",
    "within ninety (90) days after the end of each calendar quarter (Q1 2027)",
    "Contract IC-123-456-7890-X reference",
    "Licensee shall pay 12% of Net Sales; see clause 7.2(a)(iii).",
    # shapes seen in CUAD dev-split contracts (paraphrased): departments after "Attention:", patent numbers
    "Attention: Swaps Administration",
    "Attn: General Counsel",
    "Patent CN 2012800367594 filed 26-Jul-12",
]


@pytest.mark.parametrize(("text", "expected"), POSITIVES, ids=[p[0][:40] for p in POSITIVES])
def test_finds_personal_data(text, expected):
    found = [(r.kind, r.text) for r in get_redactions(text)]
    assert found == expected
    out = redact(text)
    for kind, value in expected:
        assert value not in out
        assert f"[{kind}]" in out


@pytest.mark.parametrize("text", NEGATIVES, ids=[n[:40] for n in NEGATIVES])
def test_leaves_contract_text_alone(text):
    assert list(get_redactions(text)) == []
    assert redact(text) == text


def test_offsets_point_at_the_matched_text():
    text = "Reach Jane at jane@example.org or (212) 555-0199; SSN 123-45-6789."
    for r in get_redactions(text):
        assert text[r.start : r.end] == r.text


def test_invalid_checksums_are_not_redacted():
    # one digit changed: IBAN mod-97, Luhn and ABA checks fail
    text = "IBAN GB83 WEST 1234 5698 7654 32, card 4111 1111 1111 1112, routing number 011000016"
    kinds = {r.kind for r in get_redactions(text)}
    assert not kinds & {"iban", "card_number", "routing_number"}


def test_settings_switch_kinds_and_allow_internal_addresses():
    text = "Owner finance@example.com; personal jane@gmail.com; call 415-555-0134."
    only_email = RedactionSettings(kinds=frozenset({"email"}), allow_emails=("@example.com",))
    assert redact(text, only_email) == "Owner finance@example.com; personal [email]; call 415-555-0134."
    assert redact(text, RedactionSettings(enabled=False)) == text


def test_settings_from_env_validate_at_the_boundary():
    assert settings_from_env({"MILESTONES_REDACT": "off"}).enabled is False
    s = settings_from_env(
        {"MILESTONES_REDACT_KINDS": "email, ssn", "MILESTONES_REDACT_ALLOW_EMAILS": "@corp.com"}
    )
    assert s.kinds == frozenset({"email", "ssn"}) and s.allow_emails == ("@corp.com",)
    with pytest.raises(MilestonesError, match="unknown redaction kinds"):
        settings_from_env({"MILESTONES_REDACT_KINDS": "emails"})
    with pytest.raises(MilestonesError, match="use on or off"):
        settings_from_env({"MILESTONES_REDACT": "maybe"})


def test_signature_block_of_a_sample_contract():
    """The signature block of a sample contract (amend1-northwind-quarry-hill-2026.txt): names go, roles stay."""
    block = (
        "NORTHWIND TRADERS, INC.\n\nBy: ______________________________\nName: Grace H. Okafor\n"
        "Title: Chief Financial Officer\nDate: November 6, 2026\n\nQUARRY HILL ENGINEERING PLLC\n\n"
        "By: ______________________________\nName: Peter Lindqvist\nTitle: Director of Vendor Management\n"
    )
    out = redact(block)
    assert "Okafor" not in out and "Lindqvist" not in out
    assert "NORTHWIND TRADERS, INC." in out and "Chief Financial Officer" in out and "November 6, 2026" in out
