"""Parties from preambles and signature blocks, and resolving role mentions back to them.

Fixtures: preamble and signature passages written for these tests in the shapes seen in CUAD dev
contracts (development; no CUAD text copied). Spot-check on CUAD dev .txt files (docs named by doc_id, run
2026-11-28): "by and between X, a Delaware corporation ("Company"), and Y ("Distributor")" is the common
form; also seen: aliases that are short names ("UTK", "Kubient") rather than roles, the alias placed after
an address, unquoted "hereinafter referred to as Cremer" between dashes, comma-separated lists of three
parties, UK "BETWEEN: (1) … ; and (2) …" and "AND:" forms, title pages "by and between X and Y" without
punctuation, and redacted names ("[*]", "XXXX"). The CUAD run over all 413 dev .txt files found two or
more parties in 285, one in 76, none in 52 (joint-filing agreements and amendments without a preamble).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from extractors.parties import Party, get_parties, resolve_party

PREAMBLES = [
    ('This Agreement is made as of May 1, 2020 (the "Effective Date") by and between Acme Widgets, Inc., a '
     'Delaware corporation ("Company"), and Beta Foods LLC ("Distributor").',
     [("Acme Widgets, Inc.", ("Company",), "Company"), ("Beta Foods LLC", ("Distributor",), "Distributor")]),
    ('THIS LICENSE AGREEMENT is entered into by and between Gamma Labs Corp. (hereinafter "Licensor") and '
     'Delta Media, L.L.C. (hereinafter referred to as the "Licensee").',
     [("Gamma Labs Corp.", ("Licensor",), "Licensor"), ("Delta Media, L.L.C.", ("Licensee",), "Licensee")]),
    # the alias after an address, and a short-name alias that is not a role
    ('made between Omega Tools Ltd., 12 High Street, Leeds ("Omega") and Sigma Retail plc ("Client"). WHEREAS',
     [("Omega Tools Ltd.", ("Omega",), None), ("Sigma Retail plc", ("Client",), "Client")]),
    # three parties in a comma-separated list
    ('is entered into by North Coast Shipping Corporation ("Buyer"), a Texas corporation, Harbor Fuel Ltd., a '
     'company incorporated in Bermuda ("Harbor"), and Island Oil Limited ("Seller").',
     [("North Coast Shipping Corporation", ("Buyer",), "Buyer"), ("Harbor Fuel Ltd.", ("Harbor",), None),
      ("Island Oil Limited", ("Seller",), "Seller")]),
    # UK numbered form
    ('THIS AGREEMENT is made BETWEEN:\n(1) KAPPA HOLDINGS LIMITED, a company registered in England (the '
     '"Supplier"); and\n(2) LAMBDA STORES PLC (the "Customer").\nBACKGROUND',
     [("KAPPA HOLDINGS LIMITED", ("Supplier",), "Supplier"), ("LAMBDA STORES PLC", ("Customer",), "Customer")]),
    # unquoted hereinafter aliases between dashes; a compound suffix
    ("SUPPLY AGREEMENT between NORDOEL GmbH & Co KG, Hafenweg 3, Hamburg — hereinafter referred to as Nordoel — "
     'and Pilot Pharma Inc, 60 Court Road — hereinafter referred to as Pilot — each a "Party". Preamble',
     [("NORDOEL GmbH & Co KG", ("Nordoel",), None), ("Pilot Pharma Inc", ("Pilot",), None)]),
    # an individual with a role alias
    ('THIS EMPLOYMENT AGREEMENT is between Rho Devices, Inc. (the "Company") and Jane Q. Doe (the "Executive").',
     [("Rho Devices, Inc.", ("Company",), "Company"), ("Jane Q. Doe", ("Executive",), "Executive")]),
    # a title page without punctuation: company names alone count
    ("MARKETING AGREEMENT\nby and between\nTAU ENERGY COMPANY\nand\nTHE UPSILON GROUP LLC\nEffective as of June 1, 2019\n"
     "TABLE OF CONTENTS",
     [("TAU ENERGY COMPANY", (), None), ("THE UPSILON GROUP LLC", (), None)]),
    # "Agreement", "Effective Date", "Party" are never parties; an unnamed counterparty is skipped
    ('This "Agency" Agreement is made by and between Phi Corporation, a Delaware corporation (the "Company") and '
     'the Agent named on the signature page (the "Agent"). WHEREAS the Company makes products.',
     [("Phi Corporation", ("Company",), "Company")]),
    # hard negatives: no preamble
    ("The undersigned hereby agree that the statement is filed on behalf of each of them.", []),
    ("1. Definitions. Capitalised terms have the meanings below.", []),
    ("", []),
]  # fmt: skip


@pytest.mark.parametrize("text, expected", PREAMBLES)
def test_preamble_parties(text: str, expected: list[tuple[str, tuple[str, ...], str | None]]):
    got = get_parties(text)
    assert [(p.name, p.aliases, p.role) for p in got] == expected
    for p in got:
        assert text[p.start : p.end] == p.name


SIGNED = """This Agreement is made by and between Acme Widgets, Inc. ("Supplier") and Beta Foods LLC ("Client").
1. Supply. Supplier shall supply.

IN WITNESS WHEREOF, the parties have signed this Agreement as of the date first written above.

ACME WIDGETS, INC.

By: /s/ Ann Lee
Name: Ann Lee
Title: CEO

CLIENT:
BETA FOODS LLC
By: /s/ Bo Park
Name: Bo Park
"""


def test_signature_blocks_confirm_preamble_parties():
    got = get_parties(SIGNED)
    assert [(p.name, p.source) for p in got] == [
        ("Acme Widgets, Inc.", "preamble+signature"),
        ("Beta Foods LLC", "preamble+signature"),
    ]


def test_signature_block_names_parties_when_preamble_does_not():
    text = (
        "TERMS OF SERVICE\nThe services are provided as described below.\n\n"
        "IN WITNESS WHEREOF the parties sign below.\n\nLICENSOR: OMICRON SOFTWARE CORP.\nBy: /s/ A. Fox\n"
        "Title: President\n\nLICENSEE:\nPSI MEDIA LLC\nBy: ______\nName: B. Wolf\n"
    )
    got = get_parties(text)
    assert [(p.name, p.role, p.source) for p in got] == [
        ("OMICRON SOFTWARE CORP.", "Licensor", "signature"),
        ("PSI MEDIA LLC", "Licensee", "signature"),
    ]
    for p in got:
        assert text[p.start : p.end] == p.name


def test_signature_lines_without_witness_clause_are_ignored():
    assert get_parties("ACME WIDGETS, INC.\nBy: /s/ Ann Lee\nName: Ann Lee\n") == []


PARTIES = [
    Party("Acme Widgets, Inc.", 0, 18, ("Company",), "Company"),
    Party("Beta Foods LLC", 30, 44, ("Distributor", "Beta"), "Distributor"),
]


@pytest.mark.parametrize(
    "mention, name",
    [
        ("the Company", "Acme Widgets, Inc."),
        ("Company", "Acme Widgets, Inc."),
        ("COMPANY", "Acme Widgets, Inc."),
        ("the Company's", "Acme Widgets, Inc."),
        ("Distributor", "Beta Foods LLC"),
        ("Distributor’s", "Beta Foods LLC"),
        ("Beta", "Beta Foods LLC"),
        ("Acme", "Acme Widgets, Inc."),
        ("Acme Widgets", "Acme Widgets, Inc."),
        ("ACME WIDGETS, INC.", "Acme Widgets, Inc."),
        # hard negatives
        ("each Party", None),
        ("the Parties", None),
        ("Licensee", None),
        ("Gamma", None),
        ("", None),
    ],
)
def test_resolve_party(mention: str, name: str | None):
    found = resolve_party(mention, PARTIES)
    assert (found.name if found else None) == name


def test_resolve_party_on_extracted_parties():
    parties = get_parties(PREAMBLES[0][0])
    assert resolve_party("the Distributor", parties).name == "Beta Foods LLC"
    assert resolve_party("Company", parties).name == "Acme Widgets, Inc."


CUAD = Path(os.environ.get("MILESTONES_CUAD", Path(__file__).resolve().parents[3] / "shared" / "cuad"))


@pytest.mark.cuad
@pytest.mark.slow
@pytest.mark.skipif(not (CUAD / "manifest.csv").exists(), reason="CUAD corpus not present (set MILESTONES_CUAD)")
def test_cuad_dev_party_coverage():
    """Share of CUAD dev contracts with two or more parties found; guards against regressions."""
    with (CUAD / "manifest.csv").open() as fh:
        dev = [r["doc_id"] for r in csv.DictReader(fh) if r["split"] == "dev"]
    two_or_more = 0
    for doc_id in dev:
        text = (CUAD / "txt" / f"{doc_id}.txt").read_text(encoding="utf-8", errors="replace")
        parties = get_parties(text)
        two_or_more += len(parties) >= 2
        for p in parties:
            assert text[p.start : p.end] == p.name
    assert two_or_more / len(dev) >= 0.65, f"{two_or_more}/{len(dev)}"
