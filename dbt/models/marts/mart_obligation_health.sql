{{ config(contract={'enforced': true}) }}

-- One row per calendar month of due dates, from 12 months before the reference date to the horizon, with
-- how many occurrences are on track, at risk, overdue, completed, lapsed, cancelled or untracked as of the reference
-- date (the leadership dashboard). at risk = open with a reason in mart_at_risk; on track = open otherwise.
with obligations as (
    select * from {{ ref('fct_obligations') }}
    where due_date is not null
),

at_risk as (
    select distinct occurrence_id
    from {{ ref('mart_at_risk') }}
),

months as (
    select
        cast(date_trunc('month', {{ as_of() }}) + to_months(cast(n as integer)) as date) as period_month,
        {{ as_of() }} as as_of_date
    from generate_series(-12, {{ var('horizon_months') }}) as g (n)
),

classified as (
    select
        cast(date_trunc('month', o.due_date) as date) as period_month,
        case
            when o.obligation_status = 'open' and r.occurrence_id is not null then 'at_risk'
            when o.obligation_status = 'open' then 'on_track'
            else o.obligation_status
        end as health_status
    from obligations as o
    left join at_risk as r on o.occurrence_id = r.occurrence_id
),

counted as (
    select
        period_month,
        count(*) as total_count,
        count(*) filter (where health_status = 'on_track') as on_track_count,
        count(*) filter (where health_status = 'at_risk') as at_risk_count,
        count(*) filter (where health_status = 'overdue') as overdue_count,
        count(*) filter (where health_status = 'completed') as completed_count,
        count(*) filter (where health_status = 'lapsed') as lapsed_count,
        count(*) filter (where health_status = 'cancelled') as cancelled_count,
        count(*) filter (where health_status = 'untracked') as untracked_count
    from classified
    group by period_month
),

final as (
    select
        strftime(m.period_month, '%Y-%m') as period_id,
        cast(coalesce(c.total_count, 0) as integer) as total_count,
        cast(coalesce(c.on_track_count, 0) as integer) as on_track_count,
        cast(coalesce(c.at_risk_count, 0) as integer) as at_risk_count,
        cast(coalesce(c.overdue_count, 0) as integer) as overdue_count,
        cast(coalesce(c.completed_count, 0) as integer) as completed_count,
        cast(coalesce(c.lapsed_count, 0) as integer) as lapsed_count,
        cast(coalesce(c.cancelled_count, 0) as integer) as cancelled_count,
        cast(coalesce(c.untracked_count, 0) as integer) as untracked_count,
        m.period_month < date_trunc('month', m.as_of_date) as is_past_month,
        m.period_month,
        m.as_of_date
    from months as m
    left join counted as c on m.period_month = c.period_month
)

select * from final
