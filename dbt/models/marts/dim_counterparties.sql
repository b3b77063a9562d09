{{ config(contract={'enforced': true}) }}

-- One row per counterparty (contracts without a recognised counterparty share the 'unknown' row), with its
-- contracts, obligations and next dates as of the reference date.
with contracts as (
    select * from {{ ref('dim_contracts') }}
),

obligations as (
    select * from {{ ref('fct_obligations') }}
),

names as (
    -- the most common spelling names the counterparty; ties go to the alphabetically first
    select
        counterparty_id,
        coalesce(mode(counterparty order by counterparty), '(unknown)') as counterparty_name
    from contracts
    group by counterparty_id
),

contract_stats as (
    select
        counterparty_id,
        count(*) as contract_count,
        count(*) filter (where term_status in ('active', 'perpetual', 'open_ended', 'not_started'))
            as active_contract_count,
        min(current_term_end_date) filter (where current_term_end_date >= as_of_date) as next_term_end_date
    from contracts
    group by counterparty_id
),

obligation_stats as (
    select
        counterparty_id,
        count(*) filter (where obligation_status = 'open') as open_occurrence_count,
        count(*) filter (where obligation_status = 'overdue') as overdue_occurrence_count,
        sum(amount) filter (where obligation_type = 'payment' and obligation_status in ('open', 'overdue'))
            as scheduled_payment_amount,
        min(due_date) filter (where obligation_status = 'open') as next_due_date
    from obligations
    group by counterparty_id
),

as_of as (
    select {{ as_of() }} as as_of_date
),

final as (
    select
        n.counterparty_id,
        n.counterparty_name,
        s.contract_count,
        s.active_contract_count,
        coalesce(o.open_occurrence_count, 0) as open_occurrence_count,
        coalesce(o.overdue_occurrence_count, 0) as overdue_occurrence_count,
        cast(o.scheduled_payment_amount as decimal(18, 2)) as scheduled_payment_amount,
        n.counterparty_id = 'unknown' as is_unknown,
        o.next_due_date,
        s.next_term_end_date,
        a.as_of_date
    from names as n
    inner join contract_stats as s on n.counterparty_id = s.counterparty_id
    left join obligation_stats as o on n.counterparty_id = o.counterparty_id
    cross join as_of as a
)

select * from final
