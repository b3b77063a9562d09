{{ config(contract={'enforced': true}) }}

-- One row per (contract, term end) in the 12-month rolling forecast (term end or notice deadline within
-- `horizon_months`), plus every contract's current term end even when it is further out: the renewal or
-- expiry date, the last day to give notice (a weekend/holiday deadline moves to the business day before)
-- and whether that day is inside the warning window (`renewal_warning_days`, default 90).
with term_ends as (
    select * from {{ ref('int_contract_term_ends') }}
),

terms as (
    select * from {{ ref('int_contract_terms') }}
),

contracts as (
    select * from {{ ref('stg_register__contracts') }}
),

key_dates as (
    select * from {{ ref('stg_register__key_dates') }}
),

business_days as (
    select * from {{ ref('int_business_days_indexed') }}
),

renewal_owners as (
    select
        m.contract_id,
        arg_min(
            o.owner,
            case m.obligation_type when 'renewal_notice' then 1 when 'renewal' then 2 else 3 end
        ) as owner
    from {{ ref('stg_register__milestones') }} as m
    inner join {{ ref('int_obligations_owned') }} as o on m.milestone_id = o.milestone_id
    where m.obligation_type in ('renewal_notice', 'renewal', 'expiration')
    group by m.contract_id
),

upcoming as (
    select
        e.term_end_id,
        e.contract_id,
        e.term_number,
        e.is_renewing,
        e.is_current_term,
        e.term_end_date,
        t.as_of_date,
        e.term_end_date <= cast(t.as_of_date + to_months({{ var('horizon_months') }}) as date) as is_in_forecast_window,
        case
            when k.renewal_notice_period is not null
                then {{ add_months_days('e.term_end_date', '-k.notice_period_months', '-k.notice_period_days') }}
        end as notice_deadline_date
    from term_ends as e
    inner join terms as t on e.contract_id = t.contract_id
    inner join key_dates as k on e.contract_id = k.contract_id
    where not t.is_deleted and e.term_end_date >= t.as_of_date
),

-- in the forecast: term ends within the horizon, every contract's current term, and a following term whose
-- notice deadline falls within the horizon
forecast as (
    select *
    from upcoming
    where
        is_current_term
        or is_in_forecast_window
        or notice_deadline_date <= cast(as_of_date + to_months({{ var('horizon_months') }}) as date)
),

with_business_day as (
    select
        u.*,
        coalesce(b2.calendar_date, u.notice_deadline_date) as last_notice_business_date
    from forecast as u
    left join business_days as b1 on u.notice_deadline_date = b1.calendar_date
    left join business_days as b2 on b1.business_day_index = b2.business_day_index and b2.is_business_day
),

final as (
    select
        u.term_end_id as renewal_window_id,
        u.contract_id,
        c.counterparty_id,
        c.contract_title,
        c.counterparty,
        r.owner,
        case when u.is_renewing then 'auto_renewal' else 'expiry' end as renewal_type,
        k.renewal_term,
        k.renewal_notice_period,
        u.term_number,
        cast(date_diff('day', u.as_of_date, u.term_end_date) as integer) as days_until_term_end,
        cast(date_diff('day', u.as_of_date, u.last_notice_business_date) as integer) as days_until_notice_deadline,
        u.is_current_term,
        u.is_in_forecast_window,
        coalesce(u.last_notice_business_date < u.as_of_date, false) as is_notice_deadline_passed,
        coalesce(
            date_diff('day', u.as_of_date, u.last_notice_business_date) between 0 and {{ var('renewal_warning_days') }},
            false
        ) as is_within_warning_window,
        u.term_end_date,
        u.notice_deadline_date,
        u.last_notice_business_date,
        cast(date_trunc('month', u.term_end_date) as date) as forecast_month,
        u.as_of_date
    from with_business_day as u
    inner join contracts as c on u.contract_id = c.contract_id
    inner join key_dates as k on u.contract_id = k.contract_id
    left join renewal_owners as r on u.contract_id = r.contract_id
)

select * from final
