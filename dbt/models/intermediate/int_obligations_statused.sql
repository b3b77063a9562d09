-- a table: several models and tests read it; as a view it would be recomputed for each
{{ config(materialized='table') }}

-- One row per obligation occurrence with its status as of the reference date (never stored, always computed):
--   cancelled         the milestone was cancelled or its contract left the source (soft-deleted)
--   completed         the milestone was completed, or the occurrence's task is done in Jira/Asana
--   awaiting_trigger  no due date yet: it counts from an event that has not happened (acceptance, an incident…)
--   open              due today or later
--   lapsed            past and no longer actionable, kept for the record but not chased (no alerts, not
--                     overdue): a notice/option window or expiry date that passed (renewal_notice, renewal,
--                     option_exercise, termination_notice, expiration), or an obligation that fell due within
--                     the term of a contract that has since expired without renewing
--   untracked         a past occurrence of a recurring obligation, due before the register first saw the
--                     obligation: nobody was tracking it then, so it is not called overdue
--   overdue           past due and not done
with occurrences as (
    select * from {{ ref('int_obligations_expanded') }}
),

milestones as (
    select * from {{ ref('stg_register__milestones') }}
),

terms as (
    select * from {{ ref('int_contract_terms') }}
),

runs as (
    select * from {{ ref('stg_register__extraction_runs') }}
),

tasks as (
    select
        occurrence_id,
        bool_or(is_done) as is_task_done,
        -- the furthest-along task wins when an occurrence has tasks in more than one tool
        arg_max(
            task_status,
            case task_status when 'done' then 4 when 'in_progress' then 3 when 'not_started' then 2 else 1 end
        ) as task_status,
        max(completed_at) as task_completed_at
    from {{ ref('stg_register__pm_tasks') }}
    group by occurrence_id
),

final as (
    select
        o.occurrence_id,
        o.milestone_id,
        o.contract_id,
        o.recurrence_method,
        k.task_status,
        case
            when m.lifecycle_status = 'cancelled' or t.is_deleted then 'cancelled'
            when m.lifecycle_status = 'completed' or coalesce(k.is_task_done, false) then 'completed'
            when o.due_date is null then 'awaiting_trigger'
            when o.due_date >= t.as_of_date then 'open'
            when
                m.obligation_type in (
                    'renewal_notice', 'renewal', 'option_exercise', 'termination_notice', 'expiration'
                )
                then 'lapsed'
            when t.term_status = 'expired' and o.due_date <= t.expiration_date then 'lapsed'
            when o.is_recurring and o.due_date < r.logical_date then 'untracked'
            else 'overdue'
        end as obligation_status,
        t.term_status as contract_term_status,
        cast(date_diff('day', t.as_of_date, o.due_date) as integer) as days_until_due,
        o.is_recurring,
        o.anchor_date,
        o.due_date,
        t.as_of_date,
        coalesce(k.task_completed_at, m.completed_at) as completed_at
    from occurrences as o
    inner join milestones as m on o.milestone_id = m.milestone_id
    inner join terms as t on o.contract_id = t.contract_id
    left join tasks as k on o.occurrence_id = k.occurrence_id
    left join runs as r on m.first_seen_run = r.run_id
)

select * from final
