"""Airflow hooks for the CLM sources: credentials come only from Airflow Connections.

``AIRFLOW_CONN_IRONCLAD`` (conn id ``ironclad``) and ``AIRFLOW_CONN_DOCUSIGN_CLM`` (conn id ``docusign_clm``),
JSON form (README, "Contract sources"):

    AIRFLOW_CONN_IRONCLAD='{"conn_type": "http", "host": "na1.ironcladapp.com", "schema": "https",
      "login": "<client id>", "password": "<client secret>",
      "extra": {"as_user_email": "clm-bot@example.com", "record_types": "contract,msa", "page_size": 100}}'
    AIRFLOW_CONN_DOCUSIGN_CLM='{"conn_type": "http", "host": "apina11.springcm.com", "schema": "https",
      "login": "<integration key>", "password": "<RSA private key, PEM>",
      "extra": {"account_id": "<account GUID>", "user_id": "<user GUID>", "auth_server": "account.docusign.com",
                "folder_ids": "<folder GUID>,<folder GUID>", "attribute_group": "Contract Milestones"}}'

This module imports Airflow; the clients (ironclad.py, docusign_clm.py) take plain config and do not.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk.bases.hook import BaseHook

from .config import docusign_clm_config, ironclad_config
from .docusign_clm import DocuSignCLMSource
from .ironclad import IroncladSource

__all__ = ["IroncladHook", "DocuSignCLMHook", "get_source"]


class IroncladHook(BaseHook):
    conn_name_attr = "ironclad_conn_id"
    default_conn_name = "ironclad"
    conn_type = "http"
    hook_name = "Ironclad (contract-milestones)"

    def __init__(self, ironclad_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.conn_id = ironclad_conn_id

    def get_conn(self) -> IroncladSource:
        return IroncladSource(ironclad_config(self.get_connection(self.conn_id)))


class DocuSignCLMHook(BaseHook):
    conn_name_attr = "docusign_clm_conn_id"
    default_conn_name = "docusign_clm"
    conn_type = "http"
    hook_name = "DocuSign CLM (contract-milestones)"

    def __init__(self, docusign_clm_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.conn_id = docusign_clm_conn_id

    def get_conn(self) -> DocuSignCLMSource:
        return DocuSignCLMSource(docusign_clm_config(self.get_connection(self.conn_id)))


def get_source(name: str, conn_id: str | None = None) -> IroncladSource | DocuSignCLMSource:
    """The source named in a DAG run's params (ironclad | docusign_clm), built from its connection."""
    if name == "ironclad":
        return IroncladHook(conn_id or IroncladHook.default_conn_name).get_conn()
    if name == "docusign_clm":
        return DocuSignCLMHook(conn_id or DocuSignCLMHook.default_conn_name).get_conn()
    from extractors.errors import MilestonesError

    raise MilestonesError(f"unknown contract source {name!r}: use ironclad or docusign_clm "
                          "(the folder inbox is read by contracts_nightly)")  # fmt: skip
