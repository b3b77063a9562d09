{{ config(contract={'enforced': true}) }}

-- One row per obligation occurrence: due date, status as of the run's reference date, owner, contract,
-- type, confidence, review state, and where the obligation waits on another one, that predecessor's state.
with occurrences as (
    select * from {{ ref('int_obligations_statused') }}
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

dependencies as (
    select * from {{ ref('int_milestone_dependencies') }}
),

-- the nearest late milestone further up the chain ("waits on B, which waits on A, overdue")
chains as (
    select * from {{ ref('int_milestone_chains') }}
),

-- a milestone's state as a predecessor: done when every occurrence is, else its earliest pending occurrence
milestone_states as (
    select
        milestone_id,
        case
            when bool_and(obligation_status in ('completed', 'cancelled')) then 'completed'
            else
                arg_min(obligation_status, coalesce(due_date, date '9999-12-31'))
                filter (where obligation_status not in ('completed', 'cancelled'))
        end as milestone_state,
        min(due_date) filter (where obligation_status not in ('completed', 'cancelled')) as next_due_date
    from occurrences
    group by milestone_id
),

joined as (
    select
        o.occurrence_id,
        o.milestone_id,
        o.contract_id,
        c.counterparty_id,
        d.predecessor_milestone_id,
        c.counterparty,
        m.obligation_type,
        m.milestone_name,
        m.deliverable,
        m.responsible_party,
        m.clause_reference,
        m.evidence_text,
        m.recurrence,
        o.recurrence_method,
        w.owner,
        w.owner_kind,
        w.owner_email,
        w.owner_channel,
        w.manager,
        m.review_status,
        o.task_status,
        o.obligation_status,
        o.contract_term_status,
        d.dependency_status,
        p.milestone_state as predecessor_status,
        m.amount,
        m.percentage,
        m.confidence,
        o.days_until_due,
        o.is_recurring,
        m.needs_review,
        m.is_cleared_for_fanout,
        w.is_default_owner,
        coalesce(
            p.milestone_state in ('overdue', 'lapsed')
            or (p.milestone_state <> 'completed' and p.next_due_date > o.due_date)
            or ch.blocking_milestone_id is not null,
            false
        ) as is_predecessor_late,
        o.due_date,
        p.next_due_date as predecessor_due_date,
        o.anchor_date,
        o.as_of_date,
        o.completed_at
    from occurrences as o
    inner join milestones as m on o.milestone_id = m.milestone_id
    inner join contracts as c on o.contract_id = c.contract_id
    left join owners as w on o.milestone_id = w.milestone_id
    left join dependencies as d on o.milestone_id = d.milestone_id
    left join milestone_states as p on d.predecessor_milestone_id = p.milestone_id
    left join chains as ch on o.milestone_id = ch.milestone_id
)

select * from joined
