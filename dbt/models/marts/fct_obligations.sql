{{ config(contract={'enforced': true}) }}

-- One row per obligation occurrence, with its status as of the run's reference date.
with occurrences as (
    select * from {{ ref('int_obligations_expanded') }}
),

milestones as (
    select * from {{ ref('stg_register__milestones') }}
),

contracts as (
    select * from {{ ref('stg_register__contracts') }}
),

owners as (
    select * from {{ ref('int_obligations_owned') }}
),

tasks as (
    select
        occurrence_id,
        bool_or(is_done) as is_task_done,
        max(task_status) as task_status,
        max(completed_at) as task_completed_at
    from {{ ref('stg_register__pm_tasks') }}
    group by occurrence_id
),

joined as (
    select
        o.occurrence_id,
        o.milestone_id,
        o.contract_id,
        c.counterparty,
        m.obligation_type,
        m.milestone_name,
        m.deliverable,
        m.responsible_party,
        m.clause_reference,
        m.evidence_text,
        m.recurrence,
        w.owner,
        w.owner_kind,
        w.owner_email,
        w.owner_channel,
        w.manager,
        m.review_status,
        t.task_status,
        case
            when m.lifecycle_status = 'cancelled' or c.is_deleted then 'cancelled'
            when m.lifecycle_status = 'completed' or coalesce(t.is_task_done, false) then 'completed'
            when o.due_date is null then 'awaiting_trigger'
            when o.due_date < {{ as_of() }} then 'overdue'
            else 'open'
        end as obligation_status,
        m.amount,
        m.percentage,
        m.confidence,
        case when o.due_date is not null then cast(date_diff('day', {{ as_of() }}, o.due_date) as integer) end
            as days_until_due,
        o.is_recurring,
        m.needs_review,
        m.is_cleared_for_fanout,
        w.is_default_owner,
        o.due_date,
        {{ as_of() }} as as_of_date,
        coalesce(t.task_completed_at, m.completed_at) as completed_at
    from occurrences as o
    inner join milestones as m on o.milestone_id = m.milestone_id
    inner join contracts as c on o.contract_id = c.contract_id
    left join owners as w on o.milestone_id = w.milestone_id
    left join tasks as t on o.occurrence_id = t.occurrence_id
)

select * from joined
