"""The "contract executed" webhook app served by uvicorn on 127.0.0.1, signed like Ironclad signs (RSA over
event id + body + nonce, API_BRIEF §1) or with the HMAC scheme, triggering a fake Airflow api-server
(fake_airflow.py). Forged, missing, altered and replayed deliveries are refused before Airflow is called."""

from __future__ import annotations

import base64
import datetime as dt
import json
import socket
import threading
import time

import pytest
import requests
import uvicorn
from milestones.webhooks import (
    AirflowTrigger,
    HmacVerifier,
    IroncladVerifier,
    WebhookSettings,
    create_app,
    sign_hmac,
)

from .fake_airflow import FakeAirflowApi

NOW = time.time()


def _serve(app):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.01)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture
def airflow():
    with FakeAirflowApi() as fake:
        yield fake


@pytest.fixture
def hook(airflow, rsa_keys):
    apps = []

    def start(mode="dag_run", hmac_secret="whsec-test-123"):
        settings = WebhookSettings(
            trigger=AirflowTrigger(airflow.url, username="webhook-bot", password="s3cret-pass", mode=mode),
            ironclad=IroncladVerifier(rsa_keys[1]),
            hmac=HmacVerifier(hmac_secret),
            clock=lambda: NOW,
        )
        server, thread, url = _serve(create_app(settings))
        apps.append((server, thread))
        return url

    yield start
    for server, thread in apps:
        server.should_exit = True
        thread.join(5)


def _ironclad_event(event="workflow_completed", ts=NOW, **payload):
    body = {"companyID": "605b9829cdd37d296123f4b4",
            "payload": {"event": event, "templateID": "6063ac9e01a5542dafa3722b", "workflowID": "611fbd699f4a33b41d9f8295",
                        **payload},
            "timestamp": dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "webhookID": "611fb96cb670f852d58db210"}  # fmt: skip
    return json.dumps(body, separators=(",", ":")).encode()


def _sign(private_pem: str, event_id: str, body: bytes, nonce: str = "n-0001") -> dict[str, str]:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    sig = key.sign(event_id.encode() + body + nonce.encode(), padding.PKCS1v15(), hashes.SHA256())
    ver = {"nonce": nonce, "signAlgorithm": "RSA-SHA256", "signature": base64.b64encode(sig).decode(), "encoding": "base64"}
    return {"X-Ironclad-Webhook-Event-Id": event_id, "X-Ironclad-Webhook-Verification": json.dumps(ver),
            "Content-Type": "application/json"}  # fmt: skip


def _other_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()  # fmt: skip


def test_signed_ironclad_event_starts_one_dag_run(hook, airflow, rsa_keys):
    url = hook()
    body = _ironclad_event(recordID="22e2ff72-56a1-4711-a4ca-41328d311e9f")
    r = requests.post(f"{url}/ironclad", data=body, headers=_sign(rsa_keys[0], "evt-1", body), timeout=5)
    assert r.status_code == 202, r.text
    assert r.json()["dag_run_id"] == "webhook__ironclad__evt-1"
    (run,) = airflow.dag_runs.values()
    assert run["logical_date"] is None
    assert run["conf"]["source"] == "ironclad" and run["conf"]["record_id"] == "22e2ff72-56a1-4711-a4ca-41328d311e9f"
    assert run["conf"]["workflow_id"] == "611fbd699f4a33b41d9f8295" and run["conf"]["event_id"] == "evt-1"
    assert len(airflow.requests_to("POST", "/auth/token")) == 1
    # the same delivery again (Ironclad retries, or a replay): no second run
    again = requests.post(f"{url}/ironclad", data=body, headers=_sign(rsa_keys[0], "evt-1", body), timeout=5)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert len(airflow.dag_runs) == 1


FORGERIES = {
    "other-key": lambda keys, body: (body, _sign(_other_key(), "evt-9", body)),
    "no-signature": lambda keys, body: (body, {"X-Ironclad-Webhook-Event-Id": "evt-9"}),
    "altered-body": lambda keys, body: (body.replace(b"611fbd69", b"611fbd70"), _sign(keys[0], "evt-9", body)),
    "other-event-id": lambda keys, body: (body, {**_sign(keys[0], "evt-9", body), "X-Ironclad-Webhook-Event-Id": "evt-10"}),
    "garbage-header": lambda keys, body: (body, {"X-Ironclad-Webhook-Event-Id": "evt-9",
                                                 "X-Ironclad-Webhook-Verification": "not json"}),
    "stale-timestamp": lambda keys, _: (b := _ironclad_event(ts=NOW - 2 * 86400), _sign(keys[0], "evt-9", b)),
    "future-timestamp": lambda keys, _: (b := _ironclad_event(ts=NOW + 3600), _sign(keys[0], "evt-9", b)),
}  # fmt: skip


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_forged_or_replayed_ironclad_deliveries_get_401(hook, airflow, rsa_keys, forgery):
    url = hook()
    body, headers = FORGERIES[forgery](rsa_keys, _ironclad_event(recordID="rec-1"))
    r = requests.post(f"{url}/ironclad", data=body, headers=headers, timeout=5)
    assert r.status_code == 401, r.text
    assert r.json()["status"] == "rejected"
    assert airflow.log == []  # Airflow never called


def test_a_new_process_sees_the_duplicate_through_airflows_409(hook, airflow, rsa_keys):
    body = _ironclad_event(recordID="rec-1")
    first, second = hook(), hook()  # two api-server workers: no shared memory
    assert requests.post(f"{first}/ironclad", data=body, headers=_sign(rsa_keys[0], "evt-2", body), timeout=5).status_code == 202
    r = requests.post(f"{second}/ironclad", data=body, headers=_sign(rsa_keys[0], "evt-2", body), timeout=5)
    assert (r.status_code, r.json()["status"]) == (200, "duplicate")
    assert len(airflow.dag_runs) == 1


def test_other_events_are_acknowledged_without_ingestion(hook, airflow, rsa_keys):
    url = hook()
    body = _ironclad_event(event="workflow_launched")
    r = requests.post(f"{url}/ironclad", data=body, headers=_sign(rsa_keys[0], "evt-3", body), timeout=5)
    assert (r.status_code, r.json()["status"]) == (200, "ignored")
    assert airflow.dag_runs == {}


def test_airflow_down_answers_503_so_the_sender_retries(hook, airflow, rsa_keys):
    url = hook()
    airflow.users = {}  # the API user was removed: Airflow refuses the token
    body = _ironclad_event(recordID="rec-1")
    r = requests.post(f"{url}/ironclad", data=body, headers=_sign(rsa_keys[0], "evt-4", body), timeout=5)
    assert r.status_code == 503
    airflow.users = {"webhook-bot": "s3cret-pass"}
    r = requests.post(f"{url}/ironclad", data=body, headers=_sign(rsa_keys[0], "evt-4", body), timeout=5)
    assert r.status_code == 202  # the retried delivery goes through: a failed one was not remembered as handled


def test_asset_mode_posts_an_asset_event(hook, airflow, rsa_keys):
    url = hook(mode="asset")
    body = _ironclad_event(event="record_contract_status_changed", recordID="rec-7")
    r = requests.post(f"{url}/ironclad", data=body, headers=_sign(rsa_keys[0], "evt-5", body), timeout=5)
    assert r.status_code == 202, r.text
    (event,) = airflow.asset_events
    assert event["asset_id"] == 7 and event["extra"]["record_id"] == "rec-7" and event["extra"]["source"] == "ironclad"


def test_hmac_events(hook, airflow):
    url = hook()
    body = json.dumps({"source": "docusign_clm", "record_id": "e0db92b0-0000-4000-8000-000000000001",
                       "event_id": "clm-wf-88"}).encode()  # fmt: skip
    ok = requests.post(f"{url}/events", data=body, headers={"X-Milestones-Signature": sign_hmac("whsec-test-123", body, int(NOW))}, timeout=5)
    assert ok.status_code == 202, ok.text
    assert airflow.dag_runs[("clm_sync", "webhook__docusign_clm__clm-wf-88")]["conf"]["record_id"].startswith("e0db92b0")
    for headers in ({"X-Milestones-Signature": sign_hmac("wrong-secret", body, int(NOW))},
                    {"X-Milestones-Signature": sign_hmac("whsec-test-123", body, int(NOW) - 600)},
                    {}):  # fmt: skip
        r = requests.post(f"{url}/events", data=body, headers=headers, timeout=5)
        assert r.status_code == 401, headers
    assert len(airflow.dag_runs) == 1


def test_unconfigured_parts_answer_503_with_what_to_set():
    server, thread, url = _serve(create_app(WebhookSettings()))
    try:
        r = requests.post(f"{url}/ironclad", data=b"{}", timeout=5)
        assert r.status_code == 503 and "webhook_public_key" in r.json()["detail"]
        assert requests.get(f"{url}/health", timeout=5).json() == {"status": "ok", "ironclad": False, "hmac": False,
                                                                   "trigger": None}  # fmt: skip
    finally:
        server.should_exit = True
        thread.join(5)
