"""The Airflow plugin: the app is mounted by a real `airflow api-server` at /review, is NOT public there, and
takes Airflow's own JWT (Bearer header or the UI's `_token` cookie) with Airflow roles mapped to review roles.

The fast test imports the plugin the way Airflow does; the slow one starts `airflow api-server` with a
throwaway AIRFLOW_HOME (SimpleAuthManager users created by Airflow) against a small register.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def test_plugin_mounts_the_app_lazily_under_a_free_prefix(warehouse, auth_env, monkeypatch):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    sys.path.insert(0, str(ROOT / "plugins"))
    try:
        import milestones_plugin
    finally:
        sys.path.remove(str(ROOT / "plugins"))
    plugin = milestones_plugin.ObligationReviewPlugin
    prefixes = [e["url_prefix"] for e in plugin.fastapi_apps]
    assert sorted(prefixes) == ["/clm-webhooks", "/review"]
    assert not any(p.startswith(("/api/v2", "/ui", "/execution", "/auth", "/pluginsv2")) for p in prefixes)
    (entry,) = [e for e in plugin.fastapi_apps if e["url_prefix"] == "/review"]
    for k, v in auth_env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("MILESTONES_WAREHOUSE", str(warehouse))
    host = FastAPI()
    host.mount(entry["url_prefix"], entry["app"])
    with TestClient(host) as c:
        assert c.get("/review/api/v1/whoami").status_code == 401
        r = c.get("/review/api/v1/whoami", headers={"Authorization": f"Bearer {'tok-admin-0123456789'}"})
        assert r.status_code == 200 and r.json()["role"] == "admin"
        page = c.get("/review/queue", headers={"Authorization": "Bearer tok-viewer-0123456789"})
        links = re.findall(r'href="(/[^"]*)"', page.text)
        assert links and all(link.startswith("/review/") for link in links)  # links know the mount prefix


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url: str, token: str | None = None, data: dict | None = None, cookie: str | None = None,
             method: str | None = None) -> tuple[int, str]:  # fmt: skip
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if cookie:
        headers["Cookie"] = cookie
    req = urllib.request.Request(url, data=json.dumps(data).encode() if data is not None else None, headers=headers,
                                 method=method)  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.slow
def test_mounted_in_a_real_airflow_api_server(tmp_path, warehouse):
    home = tmp_path / "airflow"
    (home / "dags").mkdir(parents=True)
    env = dict(os.environ, AIRFLOW_HOME=str(home), AIRFLOW__CORE__PLUGINS_FOLDER=str(ROOT / "plugins"),
               AIRFLOW__CORE__DAGS_FOLDER=str(home / "dags"), AIRFLOW__CORE__LOAD_EXAMPLES="False",
               AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="rev:op,view:viewer,boss:admin",
               AIRFLOW__API_AUTH__JWT_SECRET="jwt-secret-for-this-test-0123456789",
               MILESTONES_WAREHOUSE=str(warehouse), MILESTONES_DATA=str(warehouse.parent))  # fmt: skip
    for k in ("MILESTONES_REVIEW_USERS", "MILESTONES_REVIEW_TOKENS"):
        env.pop(k, None)
    airflow = shutil.which("airflow", path=str(Path(sys.executable).parent))
    assert airflow
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True)
    port = _free_port()
    log = (tmp_path / "api-server.log").open("w")
    proc = subprocess.Popen([airflow, "api-server", "--port", str(port), "--host", "127.0.0.1"], env=env,
                            stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while _request_ok(base + "/api/v2/version") is False:
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "api-server.log").read_text()[-3000:]
            time.sleep(0.5)
        passwords = json.loads((home / "simple_auth_manager_passwords.json.generated").read_text())

        def token(user: str) -> str:
            status, body = _request(base + "/auth/token", data={"username": user, "password": passwords[user]})
            assert status in (200, 201), body
            return json.loads(body)["access_token"]

        # no credentials: the plugin app refuses, like Airflow's own API
        assert _request(base + "/review/api/v1/review-queue")[0] == 401
        assert _request(base + "/api/v2/dags")[0] == 401
        rev, view, boss = token("rev"), token("view"), token("boss")
        assert json.loads(_request(base + "/review/api/v1/whoami", rev)[1]) == {"name": "rev", "role": "reviewer",
                                                                               "via": "airflow"}  # fmt: skip
        assert json.loads(_request(base + "/review/api/v1/whoami", boss)[1])["role"] == "admin"
        status, body = _request(base + "/review/api/v1/review-queue", view)
        assert status == 200
        mid = json.loads(body)["items"][0]["milestone_id"]
        # roles from Airflow: a viewer may not decide, an op (reviewer) may; only an admin changes settings
        assert _request(base + f"/review/api/v1/milestones/{mid}/decision", view, {"decision": "approve"})[0] == 403
        assert _request(base + f"/review/api/v1/milestones/{mid}/decision", rev, {"decision": "approve"})[0] == 200
        assert _request(base + "/review/api/v1/settings", rev, {"due_soon_days": 14}, method="PUT")[0] == 403
        assert _request(base + "/review/api/v1/settings", boss, {"due_soon_days": 14}, method="PUT")[0] == 200
        # a forged or foreign token is refused
        assert _request(base + "/review/api/v1/whoami", rev[:-4] + "AAAA")[0] == 401
        # the Airflow UI's cookie logs a browser in to the pages
        status, page = _request(base + "/review/queue", cookie=f"_token={view}")
        assert status == 200 and "view (viewer)" in page and 'href="/review/contracts' in page
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()
    from .helpers import query

    decided = query(warehouse, "select actor, action from raw.audit_log where action in ('decision', 'setting_change')")
    assert [(d["actor"], d["action"]) for d in decided] == [("rev", "decision"), ("boss", "setting_change")]


def _request_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status == 200
    except OSError:
        return False
