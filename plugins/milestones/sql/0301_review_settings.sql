-- Review and access control (issue #6): admin-managed settings and owner rules.
-- Every change to these tables is made by the review app together with a raw.audit_log row
-- (action 'setting_change'); rows are never deleted (an owner rule is deactivated instead).

create table raw.review_settings (
    setting_key varchar primary key,   -- review_threshold | always_review_types | due_soon_days
    setting_value json not null,       -- e.g. 0.85, ["payment", "compliance"], 30
    updated_by varchar not null,
    updated_at timestamp not null
);

-- Owner rules set by an admin, with the same columns and precedence as the dbt seed owner_map.csv
-- (most specific match wins: contract > counterparty > obligation type > default); an active rule here
-- is meant to win over a seed rule of the same specificity.
create table raw.owner_rules (
    rule_id varchar primary key,
    contract_id varchar,
    counterparty varchar,
    obligation_type varchar,
    owner varchar not null,
    owner_kind varchar,
    owner_email varchar,
    owner_channel varchar,
    manager varchar,
    manager_email varchar,
    jira_project varchar,
    asana_project varchar,
    is_active boolean not null,
    updated_by varchar not null,
    updated_at timestamp not null
);
