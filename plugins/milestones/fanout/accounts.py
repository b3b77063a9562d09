"""Which CRM/ERP account a contract belongs to: the `counterparty_accounts` seed (dbt/seeds), read from the
published warehouse (`reference.counterparty_accounts`). A row for a contract_id wins over a row for its
counterparty (matched without case, spacing or punctuation). No row: the contract has no account, and
nothing is sent to a CRM or ERP for it."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

import duckdb

__all__ = ["Account", "AccountMap", "read_account_map", "table_columns"]

_NORM = re.compile(r"[^a-z0-9]+")


def _norm(text: str | None) -> str:
    return _NORM.sub(" ", (text or "").lower()).strip()


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return {r[0] for r in rows}


@dataclass(frozen=True)
class Account:
    rule_id: str
    salesforce_account_id: str | None = None
    salesforce_opportunity_id: str | None = None
    hubspot_deal_id: str | None = None
    netsuite_customer_id: str | None = None
    zuora_account_id: str | None = None

    def get(self, name: str) -> str | None:
        value = getattr(self, name, None)
        return str(value).strip() or None if value is not None else None


_ID_FIELDS = tuple(f.name for f in fields(Account) if f.name != "rule_id")


@dataclass(frozen=True)
class AccountMap:
    by_contract: dict[str, Account]
    by_counterparty: dict[str, Account]

    def lookup(self, contract_id: str, counterparty: str | None) -> Account | None:
        return self.by_contract.get(contract_id) or self.by_counterparty.get(_norm(counterparty))

    def __len__(self) -> int:
        return len(self.by_contract) + len(self.by_counterparty)


def read_account_map(con: duckdb.DuckDBPyConnection) -> AccountMap:
    cols = table_columns(con, "reference", "counterparty_accounts")
    if not {"rule_id", "contract_id", "counterparty"} <= cols:
        return AccountMap({}, {})
    present = [c for c in _ID_FIELDS if c in cols]
    sql = f"select rule_id, contract_id, counterparty, {', '.join(present) or 'null'} from reference.counterparty_accounts"
    by_contract: dict[str, Account] = {}
    by_counterparty: dict[str, Account] = {}
    for row in con.execute(sql).fetchall():
        rule_id, contract_id, counterparty, *ids = row
        acct = Account(
            str(rule_id),
            **{k: (str(v) if v is not None else None) for k, v in zip(present, ids, strict=False)},
        )
        if contract_id:
            by_contract[str(contract_id)] = acct
        elif counterparty:
            by_counterparty[_norm(str(counterparty))] = acct
    return AccountMap(by_contract, by_counterparty)
