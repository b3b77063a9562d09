"""Access control: every route needs credentials (401), each role is refused what it may not do (403).

Accounts and tokens are created by the fixtures (conftest.py) from the hashes the env vars would hold.
"""

from __future__ import annotations

import base64
import re

import pytest

from .helpers import PASSWORDS, basic, bearer, query

CONTRACT = "sla-northwind-hollis-crane-2026"


def _concrete(path: str, milestone_id: str) -> str:
    return (path.replace("{contract_id}", CONTRACT).replace("{milestone_id}", milestone_id)
            .replace("{owner}", "service-desk").replace("{rule_id}", "r1").replace("{page}", "1")
            .replace("{name}", "review.js"))  # fmt: skip


def _routes(app):
    for r in app.routes:
        for m in sorted(getattr(r, "methods", None) or []):
            if m != "HEAD":
                yield m, r.path


@pytest.fixture
def some_milestone(warehouse):
    return query(warehouse, "select milestone_id from raw.milestones where contract_id = ? and review_status = 'pending' "
                            "order by milestone_id limit 1", [CONTRACT])[0]["milestone_id"]  # fmt: skip


def test_every_route_but_login_needs_credentials(client, some_milestone):
    seen = 0
    for method, path in _routes(client.app):
        if path == "/login":
            continue
        r = client.request(method, _concrete(path, some_milestone), follow_redirects=False)
        assert r.status_code == 401, (method, path, r.status_code)
        seen += 1
    assert seen >= 25  # the enumeration really covered the app
    r = client.get("/queue", headers={"Accept": "text/html"})
    assert r.status_code == 401 and 'action="/login"' in r.text  # pages answer 401 with the login form
    r = client.get("/api/v1/review-queue")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")


BAD_CREDENTIALS = [
    {"Authorization": "Bearer not-a-token"},
    {"Authorization": "Bearer "},
    {"Authorization": "Basic " + base64.b64encode(b"rita:wrong").decode()},
    {"Authorization": "Basic " + base64.b64encode(b"nobody:x").decode()},
    {"Authorization": "Basic !!!notbase64"},
    {"Authorization": "Digest abc"},
    {"Cookie": "milestones_review_session=forged.signature"},
    {"Cookie": "_token=eyJhbGciOiJIUzUxMiJ9.e30.bad"},
]


@pytest.mark.parametrize("headers", BAD_CREDENTIALS, ids=lambda h: next(iter(h.values()))[:24])
def test_bad_credentials_are_401(client, headers):
    assert client.get("/api/v1/review-queue", headers=headers).status_code == 401


# (method, path, body, minimum role)
MATRIX = [
    ("GET", "/api/v1/review-queue", None, "viewer"),
    ("GET", "/api/v1/contracts", None, "viewer"),
    ("GET", f"/api/v1/contracts/{CONTRACT}/milestones", None, "viewer"),
    ("GET", f"/api/v1/contracts/{CONTRACT}/audit", None, "viewer"),
    ("GET", "/api/v1/settings", None, "viewer"),
    ("GET", "/api/v1/whoami", None, "viewer"),
    ("GET", "/queue", None, "viewer"),
    ("GET", f"/contracts/{CONTRACT}", None, "viewer"),
    ("POST", "/api/v1/milestones/{mid}/decision", {"decision": "approve"}, "reviewer"),
    ("POST", f"/api/v1/contracts/{CONTRACT}/milestones",
     {"span_start": 0, "span_end": 40, "fields": {"obligation_type": "reporting", "milestone_name": "Added"}}, "reviewer"),
    ("PUT", "/api/v1/settings", {"due_soon_days": 21}, "admin"),
    ("PUT", "/api/v1/owner-rules/r1", {"owner": "finance-ap", "obligation_type": "payment"}, "admin"),
    ("GET", "/admin", None, "admin"),
]
ORDER = ("viewer", "reviewer", "admin")


@pytest.mark.parametrize("role", ORDER)
@pytest.mark.parametrize("method,path,body,needed", MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX])
def test_role_matrix(client, some_milestone, role, method, path, body, needed):
    r = client.request(method, path.replace("{mid}", some_milestone), headers=bearer(role), json=body)
    if ORDER.index(role) < ORDER.index(needed):
        assert r.status_code == 403, (role, method, path, r.text)
        assert needed in r.json()["detail"]
    else:
        assert r.status_code in (200, 201), (role, method, path, r.text)


def test_denied_requests_change_nothing(client, warehouse, some_milestone):
    before = query(warehouse, "select count(*) as n from raw.audit_log")[0]["n"]
    assert client.post(f"/api/v1/milestones/{some_milestone}/decision", headers=bearer("viewer"),
                       json={"decision": "reject"}).status_code == 403  # fmt: skip
    assert client.put("/api/v1/settings", headers=bearer("reviewer"), json={"review_threshold": 0.1}).status_code == 403
    assert query(warehouse, "select count(*) as n from raw.audit_log")[0]["n"] == before
    assert query(warehouse, "select review_status from raw.milestones where milestone_id = ?",
                 [some_milestone])[0]["review_status"] == "pending"  # fmt: skip
    assert query(warehouse, "select count(*) as n from raw.review_settings")[0]["n"] == 0


def test_basic_auth_works_for_the_api(client):
    r = client.get("/api/v1/whoami", headers=basic("rita"))
    assert r.status_code == 200 and r.json() == {"name": "rita", "role": "reviewer", "via": "basic"}


def _login(client, user):
    r = client.post("/login", data={"username": user, "password": PASSWORDS[user], "next": "/queue"},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == "/queue"
    assert "milestones_review_session" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]


def test_login_session_and_csrf(client, some_milestone):
    bad = client.post("/login", data={"username": "rita", "password": "nope"})
    assert bad.status_code == 401 and "Wrong user name or password" in bad.text
    _login(client, "rita")
    page = client.get(f"/contracts/{CONTRACT}")
    assert page.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    url = f"/contracts/{CONTRACT}/milestones/{some_milestone}/decision"
    # a cross-site form post carries the cookie but cannot know the token
    assert client.post(url, data={"decision": "approve"}, follow_redirects=False).status_code == 403
    assert client.post(url, data={"decision": "approve", "csrf_token": "forged"}, follow_redirects=False).status_code == 403
    ok = client.post(url, data={"decision": "approve", "csrf_token": csrf}, follow_redirects=False)
    assert ok.status_code == 303 and "done=approved" in ok.headers["location"]
    # cookie-authenticated JSON API writes need the token as a header
    api = f"/api/v1/milestones/{some_milestone}/decision"
    assert client.post(api, json={"decision": "reject"}).status_code == 403
    assert client.post(api, json={"decision": "reject"}, headers={"X-CSRF-Token": csrf}).status_code == 200
    # logging out ends the session
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert client.get("/queue").status_code == 401


def test_login_redirect_is_local_only(client):
    r = client.post("/login", data={"username": "vera", "password": PASSWORDS["vera"], "next": "https://evil.example/"},
                    follow_redirects=False)  # fmt: skip
    assert r.headers["location"] == "/queue"
    r = client.post("/login", data={"username": "vera", "password": PASSWORDS["vera"], "next": "//evil.example/x"},
                    follow_redirects=False)  # fmt: skip
    assert r.headers["location"] == "/queue"


def test_viewer_pages_show_no_decision_forms(client):
    _login(client, "vera")
    page = client.get(f"/contracts/{CONTRACT}")
    assert page.status_code == 200 and 'data-testid="approve"' not in page.text and "edit-form" not in page.text
    _login(client, "rita")
    page = client.get(f"/contracts/{CONTRACT}")
    assert 'data-testid="approve"' in page.text and "Admin</a>" not in page.text


def test_a_user_removed_from_the_env_loses_a_live_session(warehouse, make_config, auth_env):
    from fastapi.testclient import TestClient
    from milestones.review.app import create_app

    with TestClient(create_app(make_config(warehouse))) as c:
        _login(c, "rita")
        cookie = c.cookies.get("milestones_review_session")
    only_vera = ",".join(e for e in auth_env["MILESTONES_REVIEW_USERS"].split(",") if e.startswith("vera:"))
    with TestClient(create_app(make_config(warehouse, MILESTONES_REVIEW_USERS=only_vera))) as c:
        c.cookies.set("milestones_review_session", cookie)
        assert c.get("/api/v1/whoami").status_code == 401


def test_calendar_accepts_a_token_in_the_query_but_other_routes_do_not(client, warehouse):
    from .helpers import TOKENS

    feed = warehouse.parent / "outbox" / "calendars" / "owners" / "service-desk.ics"
    feed.parent.mkdir(parents=True)
    feed.write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    assert client.get(f"/api/v1/calendar/service-desk.ics?token={TOKENS['viewer']}").status_code == 200
    assert client.get("/api/v1/calendar/service-desk.ics?token=wrong").status_code == 401
    assert client.get(f"/api/v1/review-queue?token={TOKENS['viewer']}").status_code == 401


CONFIG_ERRORS = [
    ({"MILESTONES_REVIEW_USERS": "bob:reviewer:hunter2"}, "plain passwords are not accepted"),
    ({"MILESTONES_REVIEW_USERS": "bob:boss:scrypt$1$2$3$4$5"}, "use one of viewer, reviewer, admin"),
    ({"MILESTONES_REVIEW_USERS": "bob"}, "NAME:ROLE:HASH"),
    ({"MILESTONES_REVIEW_TOKENS": "ci:viewer:plaintext-token"}, "never put the token itself"),
    ({"MILESTONES_REVIEW_SECRET_KEY": "short"}, "shorter than 32"),
    ({"MILESTONES_REVIEW_READ_FROM": "cache"}, "'warehouse' or 'published'"),
    ({"MILESTONES_REVIEW_AIRFLOW_ROLES": "ADMIN"}, "NAME:ROLE"),
    ({"MILESTONES_API_MAX_BODY_MB": "lots"}, "MILESTONES_API_MAX_BODY_MB"),
]


@pytest.mark.parametrize("env,needle", CONFIG_ERRORS, ids=[next(iter(e)) for e, _ in CONFIG_ERRORS])
def test_bad_settings_refuse_to_start(env, needle):
    from milestones.review.config import get_config

    from extractors.errors import MilestonesError

    with pytest.raises(MilestonesError, match=re.escape(needle)):
        get_config(env)


def test_hashes_and_sessions():
    from milestones.review.auth import hash_password, make_session, read_session, verify_password
    from milestones.review.config import get_config

    h = hash_password("correct horse")
    assert verify_password("correct horse", h) and not verify_password("correct hors", h)
    assert hash_password("correct horse") != h  # salted
    cfg = get_config({"MILESTONES_REVIEW_SECRET_KEY": "k" * 40}).auth
    cookie = make_session(cfg, "rita", now=1_000_000)
    assert read_session(cfg, cookie, now=1_000_100) == "rita"
    assert read_session(cfg, cookie, now=1_000_000 + 9 * 3600) is None  # expired after 8 h
    assert read_session(cfg, cookie[:-2] + "xx", now=1_000_100) is None  # tampered
    other = get_config({"MILESTONES_REVIEW_SECRET_KEY": "j" * 40}).auth
    assert read_session(other, cookie, now=1_000_100) is None  # another key
