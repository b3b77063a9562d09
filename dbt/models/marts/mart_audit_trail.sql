{{ config(contract={'enforced': true}) }}

-- One row per audit event of the register (raw.audit_log is append-only),
-- with the contract and milestone it concerns resolved.
with audit_log as (
    select * from {{ source('register', 'audit_log') }}
),

milestones as (
    select
        milestone_id,
        contract_id
    from {{ source('register', 'milestones') }}
),

outbox as (
    select
        message_id,
        milestone_id
    from {{ source('register', 'outbox') }}
),

-- contract-level entities name the contract; milestone and outbox rows reach
-- it through the milestone; other writers may name it in their JSON
resolved as (
    select
        a.audit_id,
        a.entity,
        a.entity_id,
        a.run_id,
        a.actor,
        a.action,
        a.recorded_at,
        cast(a.before as varchar) as before_json,
        cast(a.after as varchar) as after_json,
        cast(a.recorded_at as date) as recorded_date,
        coalesce(
            case
                when
                    a.entity in (
                        'contract', 'key_dates', 'document', 'api_extraction'
                    )
                    then a.entity_id
            end,
            m.contract_id,
            om.contract_id,
            json_extract_string(a.after, '$.contract_id'),
            jm.contract_id
        ) as contract_id,
        coalesce(
            m.milestone_id,
            o.milestone_id,
            json_extract_string(a.after, '$.milestone_id')
        ) as milestone_id,
        a.action in (
            'decision', 'setting_change', 'review_rule_applied'
        ) as is_reviewer_action
    from audit_log as a
    left join milestones as m
        on a.entity = 'milestone' and a.entity_id = m.milestone_id
    left join outbox as o
        on a.entity = 'outbox' and a.entity_id = o.message_id
    left join milestones as om
        on o.milestone_id = om.milestone_id
    left join milestones as jm
        on json_extract_string(a.after, '$.milestone_id') = jm.milestone_id
),

final as (
    select
        audit_id,
        contract_id,
        milestone_id,
        entity,
        entity_id,
        run_id,
        actor,
        action,
        before_json,
        after_json,
        is_reviewer_action,
        recorded_date,
        recorded_at
    from resolved
)

select * from final
