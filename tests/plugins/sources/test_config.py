"""Connection → source settings (what AIRFLOW_CONN_IRONCLAD / AIRFLOW_CONN_DOCUSIGN_CLM become); bad ones say
which field to fix. The hooks themselves run in the clm_sync e2e test (real Airflow connection parsing)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from milestones.sources.config import docusign_clm_config, ironclad_config

from extractors.errors import MilestonesError


def _conn(**kw):
    base = {"host": None, "port": None, "schema": None, "login": None, "password": None, "extra_dejson": {}}
    return SimpleNamespace(**(base | kw))


def test_ironclad_connection():
    cfg = ironclad_config(_conn(host="na1.ironcladapp.com", schema="https", login="cid", password="sec",
                                extra_dejson={"as_user_email": "bot@example.com", "record_types": "contract, msa",
                                              "page_size": "50", "writeback_properties": {"next_deadline": "nextDue"}}))  # fmt: skip
    assert cfg.base_url == "https://na1.ironcladapp.com/public/api/v1"
    assert cfg.resolved_token_url == "https://na1.ironcladapp.com/oauth/token"
    assert (cfg.record_types, cfg.page_size, cfg.properties["next_deadline"]) == (("contract", "msa"), 50, "nextDue")


def test_docusign_connection():
    cfg = docusign_clm_config(_conn(host="apina11.springcm.com", login="ik", password="-----BEGIN PRIVATE KEY-----",
                                    extra_dejson={"account_id": "acc-1", "user_id": "u-1", "auth_server": "account.docusign.com",
                                                  "folder_ids": "f1,f2"}))  # fmt: skip
    assert cfg.base_url == "https://apina11.springcm.com/v2/acc-1"
    assert cfg.token_url == "https://account.docusign.com/oauth/token"
    assert cfg.folder_ids == ("f1", "f2")


@pytest.mark.parametrize(
    "build,conn,message",
    [
        (ironclad_config, _conn(login="cid", password="sec"), "no host"),
        (ironclad_config, _conn(host="x", login="cid", password="sec"), "as_user_email"),
        (ironclad_config, _conn(host="x", extra_dejson={"access_token": "t", "page_size": "many"}), "whole number"),
        (docusign_clm_config, _conn(host="x", login="ik", password="pem"), "account_id"),
        (docusign_clm_config, _conn(host="x", login="ik", password="pem", extra_dejson={"account_id": "a", "user_id": "u"}),
         "folder_ids"),
    ],
)  # fmt: skip
def test_bad_connections(build, conn, message):
    with pytest.raises(MilestonesError, match=message):
        build(conn)
