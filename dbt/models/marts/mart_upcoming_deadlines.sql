{{ config(contract={'enforced': true}) }}

-- One row per (deadline bucket, owner, counterparty, obligation type): open obligations due in the next
-- 0-30, 31-60 and 61-90 days as of the run's reference date (day 0 = due today).
with obligations as (
    select * from {{ ref('fct_obligations') }}
    where obligation_status = 'open' and days_until_due between 0 and 90
),

bucketed as (
    select
        *,
        case
            when days_until_due <= 30 then '0-30'
            when days_until_due <= 60 then '31-60'
            else '61-90'
        end as deadline_bucket
    from obligations
),

final as (
    select
        deadline_bucket || '|' || owner || '|' || counterparty_id || '|' || obligation_type as upcoming_id,
        counterparty_id,
        deadline_bucket,
        owner,
        coalesce(min(counterparty), '(none)') as counterparty,
        obligation_type,
        cast(count(*) as integer) as obligation_count,
        cast(count(*) filter (where not is_cleared_for_fanout) as integer) as awaiting_review_count,
        cast(count(distinct contract_id) as integer) as contract_count,
        min(due_date) as next_due_date,
        min(as_of_date) as as_of_date
    from bucketed
    group by deadline_bucket, owner, counterparty_id, obligation_type
)

select * from final
