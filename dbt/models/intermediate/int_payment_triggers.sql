-- One row per payment milestone that waits on another milestone: which milestone triggers it, how that was
-- found, and when the trigger was completed (null while it is not). trigger_method:
--   dependency            the payment's depends_on resolved to a milestone (int_milestone_dependencies)
--   acceptance_milestone  "upon (final) acceptance" that names no milestone of the contract: the contract's one
--                         acceptance milestone (with several, none is picked)
-- The trigger counts as completed when every occurrence of it is completed or cancelled and at least one is
-- completed (status pull-back from Jira/Asana, or a reviewer).
with payments as (
    select
        milestone_id,
        contract_id,
        rule_anchor,
        depends_on
    from {{ ref('stg_register__milestones') }}
    where obligation_type = 'payment'
),

dependencies as (
    select
        milestone_id,
        predecessor_milestone_id
    from {{ ref('int_milestone_dependencies') }}
    where dependency_status = 'resolved'
),

acceptance_milestones as (
    select
        contract_id,
        min(milestone_id) as milestone_id,
        count(*) as milestone_count
    from {{ ref('stg_register__milestones') }}
    where obligation_type = 'acceptance' and lifecycle_status <> 'cancelled'
    group by contract_id
),

triggers as (
    select
        p.milestone_id,
        p.contract_id,
        case
            when d.predecessor_milestone_id is not null then d.predecessor_milestone_id
            when p.rule_anchor = 'acceptance' and a.milestone_count = 1 then a.milestone_id
        end as trigger_milestone_id,
        case
            when d.predecessor_milestone_id is not null then 'dependency'
            when p.rule_anchor = 'acceptance' and a.milestone_count = 1 then 'acceptance_milestone'
        end as trigger_method
    from payments as p
    left join dependencies as d on p.milestone_id = d.milestone_id
    left join acceptance_milestones as a on p.contract_id = a.contract_id
),

trigger_states as (
    select
        milestone_id,
        bool_and(obligation_status in ('completed', 'cancelled')) and bool_or(obligation_status = 'completed')
            as is_completed,
        max(coalesce(completed_at, cast(as_of_date as timestamp))) filter (where obligation_status = 'completed')
            as completed_at
    from {{ ref('int_obligations_statused') }}
    group by milestone_id
),

final as (
    select
        t.milestone_id,
        t.contract_id,
        t.trigger_milestone_id,
        t.trigger_method,
        coalesce(s.is_completed, false) as is_triggered,
        case when s.is_completed then s.completed_at end as triggered_at
    from triggers as t
    left join trigger_states as s on t.trigger_milestone_id = s.milestone_id
    where t.trigger_milestone_id is not null
)

select * from final
