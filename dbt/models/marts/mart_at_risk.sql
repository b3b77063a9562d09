{{ config(contract={'enforced': true}) }}

-- One row per (occurrence, reason) for obligations that need attention as of the reference date:
--   overdue                    past due and not done
--   due_soon_task_not_started  due within `at_risk_days` and its task is not started (or was never created)
--   predecessor_late           the milestone it depends on is overdue/lapsed, or now due after it
--   unreviewed_low_confidence  confidence below `review_threshold`, no reviewer has confirmed it yet, and it is
--                              undated or due within `review_horizon_days` (later occurrences wait their turn)
--   high_late_risk             open, and the late-risk model (plugins/milestones/risk.py) puts its chance of
--                              completing late at `late_risk_threshold` or more
-- late_risk_score / late_risk_reasons: the model's calibrated probability and its top reasons for every open
-- occurrence it scored for this as_of (whatever the row's reason; null when not scored).
with obligations as (
    select * from {{ ref('fct_obligations') }}
    where obligation_status in ('open', 'overdue', 'awaiting_trigger')
),

late_risk as (
    select * from {{ ref('stg_register__obligation_risk') }}
),

scored as (
    select
        o.*,
        k.late_risk_reasons,
        k.late_risk_score
    from obligations as o
    left join late_risk as k on o.occurrence_id = k.occurrence_id and o.as_of_date = k.as_of_date
),

reasons as (
    select
        occurrence_id,
        'overdue' as risk_reason,
        'due ' || strftime(due_date, '%Y-%m-%d') || ', ' || cast(-days_until_due as varchar) || ' day(s) ago'
            as risk_detail
    from obligations
    where obligation_status = 'overdue'
    union all
    select
        occurrence_id,
        'due_soon_task_not_started' as risk_reason,
        'due in ' || cast(days_until_due as varchar) || ' day(s); task '
        || coalesce(task_status, 'not created') as risk_detail
    from obligations
    where
        obligation_status = 'open'
        and days_until_due <= {{ var('at_risk_days') }}
        and coalesce(task_status, 'not_started') = 'not_started'
    union all
    select
        occurrence_id,
        'predecessor_late' as risk_reason,
        'waits on ' || predecessor_milestone_id || ' (' || coalesce(predecessor_status, 'unknown')
        || coalesce(', next due ' || strftime(predecessor_due_date, '%Y-%m-%d'), '') || ')' as risk_detail
    from obligations
    where is_predecessor_late
    union all
    select
        occurrence_id,
        'unreviewed_low_confidence' as risk_reason,
        'confidence '
        || cast(round(confidence, 2) as varchar)
        || ' below '
        || cast({{ var('review_threshold') }} as varchar)
        || ', review ' || review_status as risk_detail
    from obligations
    where
        review_status in ('pending', 'rereview')
        and confidence < {{ var('review_threshold') }}
        and (due_date is null or days_until_due <= {{ var('review_horizon_days') }})
    union all
    select
        occurrence_id,
        'high_late_risk' as risk_reason,
        'late-risk score ' || cast(round(late_risk_score, 2) as varchar)
        || coalesce(': ' || nullif(late_risk_reasons, ''), '') as risk_detail
    from scored
    where
        obligation_status = 'open'
        and late_risk_score >= {{ var('late_risk_threshold', 0.5) }}
),

final as (
    select
        r.occurrence_id || '|' || r.risk_reason as at_risk_id,
        r.occurrence_id,
        o.milestone_id,
        o.contract_id,
        o.counterparty_id,
        r.risk_reason,
        r.risk_detail,
        o.counterparty,
        o.obligation_type,
        o.milestone_name,
        o.owner,
        o.owner_email,
        o.obligation_status,
        o.task_status,
        o.review_status,
        o.predecessor_milestone_id,
        o.predecessor_status,
        o.late_risk_reasons,
        o.confidence,
        o.days_until_due,
        o.late_risk_score,
        o.due_date,
        o.as_of_date
    from reasons as r
    inner join scored as o on r.occurrence_id = o.occurrence_id
)

select * from final
