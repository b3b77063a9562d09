"""Contract kind from the title (extractors/contract_type.py): our own title lines, most specific kind first."""

from __future__ import annotations

import pytest

from extractors.contract_type import CONTRACT_TYPES, get_contract_type


@pytest.mark.parametrize("title,text,want", [
    ("MASTER SERVICES AGREEMENT", "", "services"),
    ("Amendment No. 2 to the Master Services Agreement", "", "amendment"),  # an amendment, whatever it amends
    ("STATEMENT OF WORK NO. 4", "", "statement_of_work"),
    ("Software License and Support Agreement", "", "license"),  # license before support/maintenance
    ("SOFTWARE AS A SERVICE SUBSCRIPTION AGREEMENT", "", "saas"),  # saas before services
    ("Mutual Nondisclosure Agreement", "", "nda"),
    ("SERVICE LEVEL AGREEMENT", "", "sla"),  # sla before services
    ("Exclusive Reseller Agreement", "", "distribution"),
    ("Equipment Lease", "", "lease"),
    ("Exhibit 10.3", "Exhibit 10.3\nCONFIDENTIAL\nMASTER SUPPLY AGREEMENT\nThis Master Supply Agreement is made", "supply"),
    ("Exhibit 99.1", "Exhibit 99.1\nJOINT FILING AGREEMENT\nThe undersigned agree", None),  # names a kind we do not know
    ("LETTER AGREEMENT REGARDING CHANGE OF REMITTANCE ADDRESS", "under the Supply Agreement dated", None),
    (None, "", None),
])  # fmt: skip
def test_contract_type_from_title(title, text, want):
    got = get_contract_type(title, text)
    assert got == want
    assert got is None or got in CONTRACT_TYPES


def test_extraction_carries_the_contract_type(tmp_path):
    import datetime as dt

    from extractors.pipeline import extract_path

    p = tmp_path / "lease-x.txt"
    p.write_text("EQUIPMENT LEASE AGREEMENT\n\nThis Equipment Lease Agreement is made on June 1, 2026 between "
                 "Granite Ltd. (\"Lessor\") and Northwind Traders, Inc. (\"Lessee\").\n" * 3)  # fmt: skip
    out = extract_path(p, dt.date(2026, 12, 1)).to_dict()
    assert out["contract_type"] == "lease"
