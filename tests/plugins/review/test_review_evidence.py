"""Completion evidence through the review app: API upload (role, size and type checks) and the contract page.

Fixtures: the review register of conftest.py (three sample contracts; msa-northwind-alder-creek-2024 asks for
$1,000,000 / $2,000,000 general liability and its term ends 2027-04-23); certificates written by
extractors.samples.evidence (synthetic, development data).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import stat
from pathlib import Path

import pytest

from .helpers import bearer

CONTRACT = "msa-northwind-alder-creek-2024"
URL = f"/api/v1/contracts/{CONTRACT}/evidence"


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from extractors.samples.evidence import write_fixtures

    return write_fixtures(tmp_path_factory.mktemp("evidence-api"), dt.date(2027, 4, 23), dt.date(2026, 12, 1))


def _upload(client, path: Path, role: str = "reviewer", target: str | None = "insurance", name: str | None = None):
    data = {"target": target} if target else {}
    return client.post(URL, headers=bearer(role), data=data,
                       files={"file": (name or path.name, path.read_bytes(), "application/pdf")})  # fmt: skip


def _insurance(body: dict) -> dict:
    (ob,) = [o for o in body["obligations"] if o["obligation_type"] == "insurance"]
    return ob


def test_upload_judges_at_once_and_keeps_the_original(client, warehouse, certs):
    r = _upload(client, certs["certificate_expires_early.pdf"])
    assert r.status_code == 201, r.text
    body = r.json()
    ob = _insurance(body)
    assert ob["evidence_status"] == "evidence_insufficient"
    assert "expires 2027-01-31, before the contract term ends 2027-04-23" in ob["reason"]
    (doc,) = body["documents"]
    assert doc["source"] == "upload" and doc["uploaded_by"] == "reviewer-client"
    stored = next((warehouse.parent / "evidence" / "uploads" / CONTRACT / "insurance").iterdir())
    original = certs["certificate_expires_early.pdf"].read_bytes()
    assert stored.read_bytes() == original and doc["content_hash"] == hashlib.sha256(original).hexdigest()
    assert not stored.stat().st_mode & stat.S_IWUSR  # write-once
    # the same bytes again: nothing new stored
    again = _upload(client, certs["certificate_expires_early.pdf"])
    assert again.status_code == 200 and again.json()["created"] is False
    # a good certificate makes the obligation ok; a viewer can read the result
    assert _insurance(_upload(client, certs["certificate_ok.pdf"]).json())["evidence_status"] == "evidence_ok"
    got = client.get(URL, headers=bearer("viewer"))
    assert got.status_code == 200 and len(got.json()["documents"]) == 2


def test_contract_page_shows_the_evidence_status(client, certs):
    _upload(client, certs["certificate_low_limit.pdf"])
    page = client.get(f"/contracts/{CONTRACT}", headers=bearer("viewer"))
    assert page.status_code == 200
    assert 'data-testid="evidence-status">evidence insufficient' in page.text
    assert "each-occurrence limit $500,000 is below the contract minimum $1,000,000" in page.text


def test_bad_uploads_are_refused(client, certs, monkeypatch, tmp_path):
    assert client.post(URL, data={"target": "insurance"},
                       files={"file": ("c.pdf", b"%PDF-1.4", "application/pdf")}).status_code == 401  # fmt: skip
    assert _upload(client, certs["certificate_ok.pdf"], role="viewer").status_code == 403
    assert _upload(client, certs["certificate_ok.pdf"], target="not-a-target").status_code == 422
    r = client.post("/api/v1/contracts/no-such-contract/evidence", headers=bearer("reviewer"),
                    files={"file": ("c.pdf", certs["certificate_ok.pdf"].read_bytes(), "application/pdf")})  # fmt: skip
    assert r.status_code == 404
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    assert _upload(client, empty).status_code == 422
    binary = tmp_path / "photo.pdf"
    binary.write_bytes(bytes(range(256)) * 40)
    r = _upload(client, binary)
    assert r.status_code == 415 and "not a PDF, DOCX or text file" in r.json()["detail"]
    assert client.post(URL, headers=bearer("reviewer"), json={"file": "x"}).status_code == 415
    assert client.post(URL, headers=bearer("reviewer"), data={"target": "insurance"}).status_code == 415  # not multipart
    no_file = client.post(URL, headers=bearer("reviewer"), files={"target": (None, "insurance")})
    assert no_file.status_code == 422 and "'file' part" in no_file.json()["detail"]
    monkeypatch.setenv("MILESTONES_EVIDENCE_MAX_MB", "0.001")
    r = _upload(client, certs["certificate_ok.pdf"])
    assert r.status_code == 413 and "MILESTONES_EVIDENCE_MAX_MB" in r.json()["detail"]
    # nothing was stored by any refused request
    assert client.get(URL, headers=bearer("viewer")).json()["documents"] == []


def test_contract_page_upload_form_attaches_and_redirects(client, certs, warehouse):
    from .helpers import query

    (mid,) = query(warehouse, "select milestone_id from raw.milestones where contract_id = ? "
                              "and obligation_type = 'insurance'", [CONTRACT])[0].values()  # fmt: skip
    _upload(client, certs["certificate_expires_early.pdf"])  # gives the card its evidence line (and the form)
    page = client.get(f"/contracts/{CONTRACT}", headers=bearer("reviewer"))
    assert 'data-testid="evidence-upload"' in page.text
    r = client.post(f"/contracts/{CONTRACT}/evidence", headers=bearer("reviewer"), data={"target": mid},
                    files={"file": ("cert.pdf", certs["certificate_ok.pdf"].read_bytes(), "application/pdf")},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"].endswith(f"#m-{mid}")
    page = client.get(r.headers["location"], headers=bearer("viewer"))
    assert "evidence cert.pdf attached" in page.text and 'evidence-status">evidence ok' in page.text
    assert 'data-testid="evidence-upload"' not in page.text  # viewers see the status, not the form
