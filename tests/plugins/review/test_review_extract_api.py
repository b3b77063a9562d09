"""POST /api/v1/extract-milestones: the payload CLMs get, the reference date, and bad input → clear 4xx.

Fixture text: a committed sample contract (extractors/samples/portfolio, synthetic, development data).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from .helpers import AS_OF, PORTFOLIO, TOKENS, bearer, query

SAMPLE = PORTFOLIO / "sla-northwind-hollis-crane-2026.txt"
CLM_KEYS = {"milestone_name", "deliverable", "due_date", "responsible_party", "condition", "clause_reference"}


def test_payload_schema_on_a_sample_contract(client, warehouse):
    text = SAMPLE.read_text(encoding="utf-8")
    r = client.post("/api/v1/extract-milestones", headers=bearer("viewer"),
                    json={"contract_id": "CLM-0042", "source_text": text, "as_of": "2026-12-01"})  # fmt: skip
    assert r.status_code == 200, r.text
    body = r.json()
    assert {"contract_id", "source_text", "extracted_milestones"} <= set(body)
    assert body["contract_id"] == "CLM-0042"
    assert body["source_text"] == text
    assert body["as_of"] == "2026-12-01" and body["as_of_source"] == "request"
    ms = body["extracted_milestones"]
    assert len(ms) >= 5  # the sample SLA has monthly reports, service levels and a renewal notice
    for m in ms:
        assert CLM_KEYS <= set(m), m
        assert isinstance(m["milestone_name"], str) and m["milestone_name"]
        assert m["due_date"] is None or dt.date.fromisoformat(m["due_date"])
        assert m["review_status"] in ("pending", "not_required")
        assert (m["review_status"] == "pending") == (m["needs_review"] or m["obligation_type"] in ("payment", "compliance"))
        span = m["source_span"]
        assert text[span["start"]:span["end"]].split() == m["source_text"].split()
    # the API returns what the pipeline returns for the same text (no second implementation)
    from extractors.pipeline import extract_document
    from extractors.text import document_from_text

    direct = extract_document(document_from_text(text, "CLM-0042"), AS_OF).to_dict()["extracted_milestones"]
    assert [(m["milestone_name"], m["due_date"]) for m in ms] == [(m["milestone_name"], m["due_date"]) for m in direct]
    assert r.headers["X-Audit"] == "written"
    audit = query(warehouse, "select actor, action, entity_id, after from raw.audit_log where action = 'suggest'")
    assert len(audit) == 1 and audit[0]["actor"] == "viewer-client" and audit[0]["entity_id"] == "CLM-0042"
    assert json.loads(audit[0]["after"])["milestones"] == len(ms)


def test_as_of_defaults_to_the_registers_latest_logical_date(client):
    r = client.post("/api/v1/extract-milestones", headers=bearer("viewer"),
                    json={"contract_id": "C-1", "source_text": SAMPLE.read_text()})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["as_of"] == AS_OF.isoformat() and r.json()["as_of_source"] == "register"


def test_as_of_required_when_the_register_has_no_run(tmp_path, make_config):
    from fastapi.testclient import TestClient
    from milestones.register import open_register
    from milestones.review.app import create_app

    empty = tmp_path / "empty" / "warehouse.duckdb"
    with open_register(empty):
        pass
    with TestClient(create_app(make_config(empty))) as c:
        r = c.post("/api/v1/extract-milestones", headers=bearer("viewer"),
                   json={"contract_id": "C-1", "source_text": SAMPLE.read_text()})  # fmt: skip
        assert r.status_code == 422 and "as_of is required" in r.json()["detail"]
        ok = c.post("/api/v1/extract-milestones", headers=bearer("viewer"),
                    json={"contract_id": "C-1", "source_text": SAMPLE.read_text(), "as_of": "2027-01-15"})  # fmt: skip
        assert ok.status_code == 200 and ok.json()["as_of"] == "2027-01-15"


@pytest.mark.parametrize("name", ["sla-northwind-hollis-crane-2026.txt", "msa-northwind-alder-creek-2024.pdf"])
def test_file_upload(client, name):
    data = (PORTFOLIO / name).read_bytes()
    r = client.post("/api/v1/extract-milestones", headers=bearer("viewer"),
                    data={"contract_id": "UP-1", "as_of": "2026-12-01"}, files={"file": (name, data)})  # fmt: skip
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["contract_id"] == "UP-1" and len(body["extracted_milestones"]) >= 3
    for m in body["extracted_milestones"]:
        s = m["source_span"]
        assert body["source_text"][s["start"]:s["end"]].split() == m["source_text"].split()


BIG = 50 * 1024 * 1024

BAD_JSON = [
    ("empty text", {"contract_id": "C", "source_text": ""}, 422, "source_text is empty"),
    ("blank text", {"contract_id": "C", "source_text": " \n\t "}, 422, "source_text is empty"),
    ("missing text", {"contract_id": "C"}, 422, "source_text"),
    ("missing id", {"source_text": "x" * 300}, 422, "contract_id"),
    ("empty id", {"contract_id": "  ", "source_text": "x" * 300}, 422, "contract_id"),
    ("control chars in id", {"contract_id": "a\x00b", "source_text": "x" * 300}, 422, "contract_id"),
    ("text is a number", {"contract_id": "C", "source_text": 12345}, 422, "source_text"),
    ("text is a list", {"contract_id": "C", "source_text": ["a", "b"]}, 422, "source_text"),
    ("id is an object", {"contract_id": {"a": 1}, "source_text": "x" * 300}, 422, "contract_id"),
    ("as_of not a date", {"contract_id": "C", "source_text": "x" * 300, "as_of": "next tuesday"}, 422, "as_of"),
    ("as_of impossible", {"contract_id": "C", "source_text": "x" * 300, "as_of": "2026-02-30"}, 422, "as_of"),
    ("unknown field", {"contract_id": "C", "source_text": "x" * 300, "surprise": 1}, 422, "surprise"),
    ("id too long", {"contract_id": "x" * 201, "source_text": "x" * 300}, 422, "contract_id"),
]


@pytest.mark.parametrize("case,payload,status,needle", BAD_JSON, ids=[c[0] for c in BAD_JSON])
def test_bad_json_input_gets_a_clear_4xx(client, case, payload, status, needle):
    r = client.post("/api/v1/extract-milestones", headers=bearer("viewer"), json=payload)
    assert r.status_code == status, r.text
    assert needle in r.json()["detail"]


def test_malformed_json_not_json_and_wrong_content_type(client):
    h = bearer("viewer")
    r = client.post("/api/v1/extract-milestones", headers=h | {"Content-Type": "application/json"}, content=b'{"contract_id": ')
    assert r.status_code == 422 and "JSON" in r.text
    r = client.post("/api/v1/extract-milestones", headers=h | {"Content-Type": "application/json"}, content=b"[1, 2]")
    assert r.status_code == 422
    r = client.post("/api/v1/extract-milestones", headers=h | {"Content-Type": "text/plain"}, content=b"hello")
    assert r.status_code == 415 and "application/json" in r.json()["detail"]
    r = client.post("/api/v1/extract-milestones", headers=h)
    assert r.status_code == 415


def test_fifty_megabyte_body_is_refused_before_it_is_read(client):
    # declared size over the limit: answered from the header alone
    r = client.post("/api/v1/extract-milestones", headers=bearer("viewer") | {"Content-Type": "application/json"},
                    content=b"x" * BIG)  # fmt: skip
    assert r.status_code == 413 and "MILESTONES_API_MAX_BODY_MB" in r.json()["detail"]


def test_chunked_body_over_the_limit_is_cut_off(warehouse, make_config):
    """Real server, no Content-Length: the app answers 413 and closes while the client is still sending."""
    import socket
    import threading

    import uvicorn
    from milestones.review.app import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(make_config(warehouse, MILESTONES_API_MAX_BODY_MB="2")),
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            threading.Event().wait(0.05)
        conn = socket.create_connection(("127.0.0.1", port), timeout=10)
        head = (f"POST /api/v1/extract-milestones HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKENS['viewer']}\r\n"
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        conn.sendall(head.encode())
        sent = 0
        chunk = b"x" * (1 << 16)
        try:
            while sent < BIG:
                conn.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
        except OSError:
            pass  # the server closed the connection: it stopped reading
        reply = conn.recv(4096).decode(errors="replace")
        conn.close()
        assert reply.startswith("HTTP/1.1 413"), reply[:200]
        assert sent < BIG
    finally:
        server.should_exit = True
        thread.join(10)


def test_text_over_the_character_limit(warehouse, make_config):
    from fastapi.testclient import TestClient
    from milestones.review.app import create_app

    with TestClient(create_app(make_config(warehouse, MILESTONES_API_MAX_TEXT_CHARS="1000"))) as c:
        r = c.post("/api/v1/extract-milestones", headers=bearer("viewer"),
                   json={"contract_id": "C", "source_text": "word " * 1000})  # fmt: skip
        assert r.status_code == 413 and "MILESTONES_API_MAX_TEXT_CHARS" in r.json()["detail"]


BAD_UPLOADS = [
    ("empty file", {"contract_id": "C"}, ("a.pdf", b""), 422, "empty"),
    ("garbage named pdf", {"contract_id": "C"}, ("a.pdf", b"%PDF-1.4\n garbage, cut off"), 422, "cannot be read"),
    ("legacy word", {"contract_id": "C"}, ("a.doc", bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 600), 422, "cannot be read"),
    ("no contract id", {}, ("a.txt", b"some text " * 50), 422, "contract_id"),
    ("bad as_of", {"contract_id": "C", "as_of": "soon"}, ("a.txt", b"some text " * 50), 422, "as_of"),
]


@pytest.mark.parametrize("case,data,file,status,needle", BAD_UPLOADS, ids=[c[0] for c in BAD_UPLOADS])
def test_bad_uploads_get_a_clear_4xx(client, case, data, file, status, needle):
    r = client.post("/api/v1/extract-milestones", headers=bearer("viewer"), data=data, files={"file": file})
    assert r.status_code == status, r.text
    assert needle in r.json()["detail"]


def test_upload_without_a_file_part(client):
    r = client.post("/api/v1/extract-milestones", headers=bearer("viewer"), data={"contract_id": "C"},
                    files={"other": ("x.txt", b"abc")})  # fmt: skip
    assert r.status_code == 422 and "'file'" in r.json()["detail"]


BAD_OTHER = [
    ("GET", "/api/v1/review-queue?max_confidence=2", None, 422),
    ("GET", "/api/v1/review-queue?max_confidence=abc", None, 422),
    ("GET", "/api/v1/review-queue?due_within_days=-1", None, 422),
    ("GET", "/api/v1/review-queue?obligation_type=bogus", None, 422),
    ("GET", "/api/v1/review-queue?status=approved", None, 422),
    ("GET", "/api/v1/review-queue?limit=0", None, 422),
    ("GET", "/api/v1/contracts/no-such-contract/milestones", None, 404),
    ("GET", "/api/v1/milestones/no-such-id", None, 404),
    ("POST", "/api/v1/milestones/no-such-id/decision", {"decision": "approve"}, 404),
    ("POST", "/api/v1/milestones/X/decision", {"decision": "maybe"}, 422),
    ("POST", "/api/v1/milestones/X/decision", {"decision": 1}, 422),
    ("POST", "/api/v1/milestones/X/decision", {}, 422),
    ("POST", "/api/v1/milestones/X/decision", {"decision": "approve", "extra": True}, 422),
    ("POST", "/api/v1/contracts/no-such-contract/milestones",
     {"span_start": 0, "span_end": 10, "fields": {"obligation_type": "payment"}}, 404),
    ("POST", "/api/v1/contracts/sla-northwind-hollis-crane-2026/milestones",
     {"span_start": "a", "span_end": 10, "fields": {}}, 422),
]


@pytest.mark.parametrize("method,path,body,status", BAD_OTHER, ids=[f"{m} {p}" for m, p, _, s in BAD_OTHER])
def test_other_endpoints_bad_input(client, method, path, body, status):
    r = client.request(method, path, headers=bearer("admin"), json=body)
    assert r.status_code == status, r.text
    assert r.json()["detail"]


def test_openapi_documents_the_payload(client):
    spec = client.get("/api/v1/openapi.json", headers=bearer("viewer")).json()
    op = spec["paths"]["/api/v1/extract-milestones"]["post"]
    assert {"application/json", "multipart/form-data"} <= set(op["requestBody"]["content"])
    out = spec["components"]["schemas"]["MilestoneOut"]["properties"]
    assert CLM_KEYS <= set(out)
    for path in ("/api/v1/review-queue", "/api/v1/milestones/{milestone_id}/decision",
                 "/api/v1/contracts/{contract_id}/milestones", "/api/v1/calendar/{owner}.ics"):  # fmt: skip
        assert path in spec["paths"]
