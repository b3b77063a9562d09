{{ config(contract={'enforced': true}) }}

-- One row per payment occurrence: amount or percentage as written, what triggers it, the expected date as of
-- the reference date (null while the trigger has not happened). invoiced_amount is reserved for the
-- invoicing integration (null until it exists).
with obligations as (
    select * from {{ ref('fct_obligations') }}
    where obligation_type = 'payment'
),

milestones as (
    select * from {{ ref('stg_register__milestones') }}
),

final as (
    select
        o.occurrence_id as payment_id,
        o.milestone_id,
        o.contract_id,
        o.counterparty_id,
        o.counterparty,
        o.milestone_name,
        o.responsible_party,
        o.owner,
        m.currency,
        coalesce(
            m.trigger_condition,
            m.depends_on,
            case
                when m.rule_kind = 'recurring'
                    then
                        coalesce(m.rule_frequency, m.recurrence)
                        || coalesce(
                            ', ' || cast(m.rule_amount as varchar) || ' ' || replace(m.rule_unit, '_', ' ') || ' '
                            || coalesce(m.rule_direction, 'after') || ' ' || replace(m.rule_anchor, '_', ' '),
                            ''
                        )
                when m.rule_kind = 'relative'
                    then
                        coalesce(cast(m.rule_amount as varchar) || ' ' || replace(m.rule_unit, '_', ' ') || ' ', '')
                        || coalesce(m.rule_direction || ' ', '') || coalesce(replace(m.rule_anchor, '_', ' '), '')
                when m.rule_kind = 'absolute' then 'fixed date'
            end
        ) as payment_trigger,
        m.rule_anchor as trigger_anchor,
        o.obligation_status as payment_status,
        o.recurrence_method,
        o.review_status,
        o.amount,
        o.percentage,
        cast(null as decimal(18, 2)) as invoiced_amount,
        o.days_until_due,
        o.is_recurring,
        o.is_cleared_for_fanout,
        o.due_date as expected_date,
        o.as_of_date
    from obligations as o
    inner join milestones as m on o.milestone_id = m.milestone_id
)

select * from final
