-- a table: several models and tests read it; as a view it would be recomputed for each
{{ config(materialized='table') }}

-- One row per contract with its term as of the reference date: the current term end (rolled forward through
-- automatic renewals), the last day to give notice for it, and a term status. An expired contract that did
-- not renew has term_status 'expired'; its unperformed obligations become 'lapsed' downstream, not overdue.
with contracts as (
    select * from {{ ref('stg_register__contracts') }}
),

key_dates as (
    select * from {{ ref('stg_register__key_dates') }}
),

term_ends as (
    select * from {{ ref('int_contract_term_ends') }}
),

business_days as (
    select * from {{ ref('int_business_days_indexed') }}
),

key_notice as (
    select
        contract_id,
        notice_period_months,
        notice_period_days
    from key_dates
    where renewal_notice_period is not null
),

-- the next notice deadline still ahead: the current term's, or once that has passed, the following term's
next_notices as (
    select
        e.contract_id,
        min({{ add_months_days('e.term_end_date', '-n.notice_period_months', '-n.notice_period_days') }})
            as next_notice_deadline_date
    from term_ends as e
    inner join key_notice as n on e.contract_id = n.contract_id
    where
        e.upcoming_rank <= 2
        and {{ add_months_days('e.term_end_date', '-n.notice_period_months', '-n.notice_period_days') }}
        >= {{ as_of() }}
    group by e.contract_id
),

current_terms as (
    select
        contract_id,
        term_number as renewal_count,
        term_end_date as current_term_end_date
    from term_ends
    where is_current_term
),

joined as (
    select
        c.contract_id,
        k.initial_term,
        k.renewal_term,
        k.renewal_notice_period,
        k.notice_period_months,
        k.notice_period_days,
        coalesce(t.renewal_count, 0) as renewal_count,
        c.is_deleted,
        coalesce(k.is_perpetual, false) as is_perpetual,
        coalesce(k.is_auto_renewal, false)
        and coalesce(k.renewal_term_months, 0) * 31 + coalesce(k.renewal_term_days, 0) > 0
        and not coalesce(k.is_perpetual, false) as is_renewing,
        k.effective_date,
        k.expiration_date,
        -- a contract that does not renew ends at its expiration, whether or not that is past
        coalesce(t.current_term_end_date, k.expiration_date) as current_term_end_date,
        {{ as_of() }} as as_of_date
    from contracts as c
    left join key_dates as k on c.contract_id = k.contract_id
    left join current_terms as t on c.contract_id = t.contract_id
),

with_notice as (
    select
        *,
        case
            when renewal_notice_period is not null and current_term_end_date is not null
                then {{ add_months_days('current_term_end_date', '-notice_period_months', '-notice_period_days') }}
        end as notice_deadline_date
    from joined
),

final as (
    select
        n.contract_id,
        n.initial_term,
        n.renewal_term,
        n.renewal_notice_period,
        case
            when n.is_deleted then 'deleted'
            when n.effective_date > n.as_of_date then 'not_started'
            when n.is_perpetual then 'perpetual'
            when n.current_term_end_date is null then 'open_ended'
            when not n.is_renewing and n.current_term_end_date < n.as_of_date then 'expired'
            else 'active'
        end as term_status,
        n.renewal_count,
        n.is_deleted,
        n.is_perpetual,
        n.is_renewing,
        n.effective_date,
        n.expiration_date,
        n.current_term_end_date,
        -- schedules stop here; null = no known end (renewing, perpetual or undated)
        case when not n.is_renewing and not n.is_perpetual then n.expiration_date end as schedule_end_date,
        n.notice_deadline_date,
        x.next_notice_deadline_date,
        -- notice must arrive by the deadline: a weekend or holiday deadline moves to the business day before
        coalesce(b2.calendar_date, n.notice_deadline_date) as last_notice_business_date,
        n.as_of_date
    from with_notice as n
    left join next_notices as x on n.contract_id = x.contract_id
    left join business_days as b1 on n.notice_deadline_date = b1.calendar_date
    left join business_days as b2
        on b1.business_day_index = b2.business_day_index and b2.is_business_day
)

select * from final
