-- Active owner rules from the review app (raw.owner_rules), with the owner_map seed's columns. Their ids get an
-- 'admin:' prefix so they never collide with seed rule ids.
with source as (
    select * from {{ source('register', 'owner_rules') }}
),

active as (
    select
        'admin:' || rule_id as rule_id,
        nullif(trim(contract_id), '') as contract_id,
        nullif(trim(counterparty), '') as counterparty,
        nullif(trim(obligation_type), '') as obligation_type,
        owner,
        owner_kind,
        owner_email,
        owner_channel,
        manager,
        manager_email,
        jira_project,
        asana_project,
        updated_at
    from source
    where is_active
)

select * from active
