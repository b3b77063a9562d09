-- One row per dependent milestone whose predecessor has completed: the predecessor's completion date is the
-- dependent's anchor date, and the dependent's own rule moves it ("Phase 2 within 10 business days after approval
-- of Phase 1" → completion + 10 business days; "payment upon final acceptance" → the completion day itself).
-- Business days are counted as in extractors/calendar.py (the anchor day is not counted; a weekend or holiday
-- anchor counts from the next business day). Only one-off dependents without a date of their own are dated; a
-- reviewer's date always wins.
-- Completion: the predecessor milestone marked completed (reviewer), or its task done in Jira/Asana (status
-- pull-back) — for a one-off predecessor, whose task stays the same across due-date moves. The earliest wins.
with dependencies as (
    select * from {{ ref('int_milestone_dependencies') }}
    where dependency_status = 'resolved'
),

milestones as (
    select * from {{ ref('stg_register__milestones') }}
),

tasks as (
    select * from {{ ref('stg_register__pm_tasks') }}
),

business_days as (
    select * from {{ ref('int_business_days_indexed') }}
),

task_completions as (
    select
        milestone_id,
        min(completed_at) as completed_at
    from tasks
    where is_done and completed_at is not null
    group by milestone_id
),

predecessor_completions as (
    select
        m.milestone_id,
        least(
            case when m.lifecycle_status = 'completed' then m.completed_at end,
            case
                when coalesce(m.rule_frequency, m.recurrence) is null and coalesce(m.rule_kind, '') <> 'recurring'
                    then t.completed_at
            end
        ) as completed_at
    from milestones as m
    left join task_completions as t on m.milestone_id = t.milestone_id
),

anchored as (
    select
        d.milestone_id,
        d.predecessor_milestone_id,
        m.rule_unit,
        case m.rule_direction when 'before' then -1 when 'on' then 0 else 1 end * coalesce(m.rule_amount, 0)
            as signed_offset,
        p.completed_at as predecessor_completed_at,
        cast(p.completed_at as date) as anchor_date
    from dependencies as d
    inner join milestones as m on d.milestone_id = m.milestone_id
    inner join predecessor_completions as p on d.predecessor_milestone_id = p.milestone_id
    where
        p.completed_at is not null
        and m.due_date is null
        and not m.is_due_date_human
        and coalesce(m.rule_frequency, m.recurrence) is null
        and coalesce(m.rule_kind, 'relative') in ('relative', 'none')
),

final as (
    select
        a.milestone_id,
        a.predecessor_milestone_id,
        a.signed_offset,
        a.anchor_date,
        case
            when a.signed_offset = 0 then a.anchor_date
            when a.rule_unit = 'business_days' then after_bd.calendar_date
            when a.rule_unit = 'days' then cast(a.anchor_date + to_days(a.signed_offset) as date)
            when a.rule_unit = 'weeks' then cast(a.anchor_date + to_days(7 * a.signed_offset) as date)
            when a.rule_unit = 'months' then cast(a.anchor_date + to_months(a.signed_offset) as date)
            when a.rule_unit = 'quarters' then cast(a.anchor_date + to_months(3 * a.signed_offset) as date)
            when a.rule_unit = 'years' then cast(a.anchor_date + to_months(12 * a.signed_offset) as date)
            else a.anchor_date
        end as due_date,
        a.predecessor_completed_at
    from anchored as a
    left join business_days as anchor_bd
        on a.anchor_date = anchor_bd.calendar_date and a.rule_unit = 'business_days'
    left join business_days as after_bd
        on
            after_bd.is_business_day
            and after_bd.business_day_index = case
                when a.signed_offset > 0 then anchor_bd.business_day_index + a.signed_offset
                else anchor_bd.business_days_before + a.signed_offset + 1
            end
)

select * from final
