"""A reviewer marks a milestone done through the API (the other way than a task done in Jira/Asana): the
register row becomes completed on the stated day, audited; errors for the wrong role, state or date.
What the completion does to dependents runs through dbt in tests/plugins/fanout/test_fanout_dependencies.py."""

from __future__ import annotations

import json

from .helpers import bearer, query


def _open_milestone(wh) -> str:  # type: ignore[no-untyped-def]
    return query(wh, "select milestone_id from raw.milestones where lifecycle_status = 'open' order by 1 limit 1")[0][
        "milestone_id"
    ]


def test_reviewer_completes_and_reopens(client, warehouse):
    mid = _open_milestone(warehouse)
    r = client.post(f"/api/v1/milestones/{mid}/complete", json={"completed_on": "2026-11-20", "comment": "signed off"},
                    headers=bearer("reviewer"))  # fmt: skip
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["lifecycle_status"] == "completed" and body["completed_at"] == "2026-11-20T00:00:00"
    assert body["dependents"] == []  # no model build yet: nothing resolved to wait on it
    row = query(warehouse, "select lifecycle_status, completed_at from raw.milestones where milestone_id = ?", [mid])[0]
    assert row["lifecycle_status"] == "completed" and row["completed_at"].isoformat() == "2026-11-20T00:00:00"
    (a,) = query(warehouse, "select actor, action, after from raw.audit_log where entity_id = ? and action = 'complete'",
                 [mid])  # fmt: skip
    assert a["actor"] == "reviewer-client" and json.loads(a["after"])["comment"] == "signed off"

    again = client.post(f"/api/v1/milestones/{mid}/complete", json={"completed_on": "2026-11-20"},
                        headers=bearer("reviewer"))  # fmt: skip
    assert again.status_code == 409
    r = client.post(f"/api/v1/milestones/{mid}/reopen", json={}, headers=bearer("reviewer"))
    assert r.status_code == 200 and r.json()["lifecycle_status"] == "open"
    row = query(warehouse, "select lifecycle_status, completed_at from raw.milestones where milestone_id = ?", [mid])[0]
    assert row == {"lifecycle_status": "open", "completed_at": None}


def test_completion_is_refused_for_viewers_unknown_ids_and_future_days(client, warehouse):
    mid = _open_milestone(warehouse)
    body = {"completed_on": "2026-11-20"}
    assert client.post(f"/api/v1/milestones/{mid}/complete", json=body).status_code == 401
    assert client.post(f"/api/v1/milestones/{mid}/complete", json=body, headers=bearer("viewer")).status_code == 403
    assert client.post("/api/v1/milestones/nope/complete", json=body, headers=bearer("reviewer")).status_code == 404
    r = client.post(f"/api/v1/milestones/{mid}/complete", json={"completed_on": "2999-01-01"}, headers=bearer("reviewer"))
    assert r.status_code == 422 and "future" in r.json()["detail"]
    assert client.post(f"/api/v1/milestones/{mid}/reopen", json={}, headers=bearer("reviewer")).status_code == 409
    row = query(warehouse, "select lifecycle_status from raw.milestones where milestone_id = ?", [mid])[0]
    assert row["lifecycle_status"] == "open"
