-- One row per obligation occurrence: recurring obligations are expanded over a rolling window
-- (from 12 months before as_of to `horizon_months` after it); one-off obligations give one row.
with milestones as (
    select * from {{ ref('stg_register__milestones') }}
    where review_status <> 'rejected'
),

key_dates as (
    select * from {{ ref('stg_register__key_dates') }}
),

business_days as (
    select * from {{ ref('int_business_days_indexed') }}
),

window_bounds as (
    select
        {{ as_of() }} as as_of_date,
        cast({{ as_of() }} - interval 12 month as date) as window_start,
        cast({{ as_of() }} + interval {{ var('horizon_months') }} month as date) as window_end
),

recurring as (
    select
        m.*,
        k.effective_date,
        k.expiration_date,
        k.is_perpetual,
        k.is_auto_renewal,
        case coalesce(m.rule_frequency, m.recurrence)
            when 'weekly' then 0
            when 'monthly' then 1
            when 'quarterly' then 3
            when 'semiannually' then 6
            when 'annually' then 12
        end as step_months
    from milestones as m
    left join key_dates as k on m.contract_id = k.contract_id
),

-- period-end anchored rules: "within 45 days after the end of each calendar quarter"
period_ends as (
    select
        r.milestone_id,
        cast(last_day(cast(date_trunc('month', w.window_start) as date) + to_months(cast(g.n as integer))) as date)
            as period_end
    from recurring as r
    cross join window_bounds as w
    cross join generate_series(0, 26) as g (n)
    where r.rule_anchor in ('month_end', 'quarter_end', 'year_end')
        and r.step_months is not null
),

period_ends_filtered as (
    select p.milestone_id, p.period_end
    from period_ends as p
    inner join recurring as r on p.milestone_id = r.milestone_id
    where (r.rule_anchor = 'month_end')
        or (r.rule_anchor = 'quarter_end' and month(p.period_end) in (3, 6, 9, 12))
        or (r.rule_anchor = 'year_end' and month(p.period_end) = 12)
),

period_anchored as (
    select
        r.milestone_id,
        case
            when r.rule_unit = 'business_days' then (
                select min(b2.calendar_date)
                from business_days as b1
                inner join business_days as b2
                    on b2.business_day_index = b1.business_day_index + r.rule_amount and b2.is_business_day
                where b1.calendar_date = p.period_end
            )
            when r.rule_unit = 'days' then cast(p.period_end + to_days(cast(coalesce(r.rule_amount, 0) as integer)) as date)
            when r.rule_unit = 'weeks' then cast(p.period_end + to_days(cast(7 * coalesce(r.rule_amount, 0) as integer)) as date)
            when r.rule_unit = 'months' then cast(p.period_end + to_months(cast(coalesce(r.rule_amount, 0) as integer)) as date)
            else p.period_end
        end as occurrence_date
    from period_ends_filtered as p
    inner join recurring as r on p.milestone_id = r.milestone_id
),

-- fixed-step recurrences from a known due date ("monthly", "annually on the anniversary")
stepped as (
    select
        r.milestone_id,
        case
            when r.step_months = 0 then cast(r.due_date + to_days(cast(7 * g.n as integer)) as date)
            else cast(r.due_date + to_months(cast(r.step_months * g.n as integer)) as date)
        end as occurrence_date
    from recurring as r
    cross join generate_series(-60, 60) as g (n)
    where r.step_months is not null
        and r.due_date is not null
        and coalesce(r.rule_anchor, '') not in ('month_end', 'quarter_end', 'year_end')
),

recurring_occurrences as (
    select milestone_id, occurrence_date from period_anchored
    union all
    select milestone_id, occurrence_date from stepped
),

recurring_in_window as (
    select o.milestone_id, o.occurrence_date
    from recurring_occurrences as o
    inner join recurring as r on o.milestone_id = r.milestone_id
    cross join window_bounds as w
    where o.occurrence_date between w.window_start and w.window_end
        and (r.effective_date is null or o.occurrence_date >= r.effective_date)
        and (
            r.expiration_date is null or r.is_perpetual or coalesce(r.is_auto_renewal, false)
            or o.occurrence_date <= r.expiration_date + interval 90 day
        )
),

one_off as (
    select milestone_id, due_date as occurrence_date
    from recurring
    where step_months is null
),

occurrences as (
    select milestone_id, occurrence_date, true as is_recurring from recurring_in_window
    union all
    select milestone_id, occurrence_date, false as is_recurring from one_off
),

final as (
    select
        m.milestone_id || ':' || coalesce(strftime(o.occurrence_date, '%Y-%m-%d'), 'undated') as occurrence_id,
        m.milestone_id,
        m.contract_id,
        o.is_recurring,
        o.occurrence_date as due_date
    from occurrences as o
    inner join milestones as m on o.milestone_id = m.milestone_id
)

select * from final
