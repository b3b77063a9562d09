{{ config(contract={'enforced': true}) }}

-- One row per payment occurrence: amount or percentage as written, what triggers it, the expected date as of
-- the reference date (null while the trigger has not happened), the amount to bill (as written, else the
-- percentage of the contract value the contract's other payments imply: amount / percentage), and what the
-- fan-out has invoiced (draft invoice requests the ERP or the local outbox took, raw.finance_crm_outbox).
-- invoice_status: invoiced | requested (queued, not confirmed yet) | delivery_unknown | ready (trigger
-- completed, no request yet) | awaiting_trigger | trigger_not_linked (waits on an event no milestone of the
-- contract stands for: not invoiced automatically) | scheduled (a dated payment: billed outside this pipeline).
with obligations as (
    select * from {{ ref('fct_obligations') }}
    where obligation_type = 'payment'
),

milestones as (
    select * from {{ ref('stg_register__milestones') }}
),

triggers as (
    select * from {{ ref('int_payment_triggers') }}
),

-- implied contract value: the median of amount / percentage over the contract's payments that state both
contract_values as (
    select
        contract_id,
        cast(median(amount * 100 / percentage) as decimal(18, 2)) as contract_value
    from milestones
    where obligation_type = 'payment' and amount is not null and percentage > 0
    group by contract_id
),

-- invoice requests per payment milestone (one-off payments) and per occurrence (recurring ones)
invoice_requests as (
    select * from {{ ref('stg_finance_crm__requests') }}
    where request_channel = 'invoice' and request_status <> 'suppressed'
),

invoices_by_milestone as (
    select
        milestone_id,
        sum(amount) filter (where is_sent) as invoiced_amount,
        max(sent_at) as invoiced_at,
        bool_or(is_sent) as is_invoiced,
        bool_or(request_status = 'delivery_unknown') as is_delivery_unknown
    from invoice_requests
    group by milestone_id
),

invoices_by_occurrence as (
    select
        occurrence_id,
        sum(amount) filter (where is_sent) as invoiced_amount,
        max(sent_at) as invoiced_at,
        bool_or(is_sent) as is_invoiced,
        bool_or(request_status = 'delivery_unknown') as is_delivery_unknown
    from invoice_requests
    group by occurrence_id
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
        t.trigger_milestone_id,
        t.trigger_method,
        case
            when m.amount is not null then 'stated'
            when m.percentage is not null and v.contract_value is not null then 'percent_of_contract_value'
        end as amount_basis,
        case
            when coalesce(i.is_invoiced, io.is_invoiced) then 'invoiced'
            when coalesce(i.is_delivery_unknown, io.is_delivery_unknown) then 'delivery_unknown'
            when coalesce(i.milestone_id, io.occurrence_id) is not null then 'requested'
            when t.is_triggered then 'ready'
            when t.trigger_milestone_id is not null then 'awaiting_trigger'
            when m.depends_on is not null or o.obligation_status = 'awaiting_trigger' then 'trigger_not_linked'
            else 'scheduled'
        end as invoice_status,
        o.amount,
        o.percentage,
        v.contract_value,
        cast(coalesce(m.amount, round(m.percentage * v.contract_value / 100, 2)) as decimal(18, 2)) as invoice_amount,
        cast(coalesce(i.invoiced_amount, io.invoiced_amount) as decimal(18, 2)) as invoiced_amount,
        o.days_until_due,
        o.is_recurring,
        o.is_cleared_for_fanout,
        coalesce(t.is_triggered, false) as is_triggered,
        o.due_date as expected_date,
        cast(date_trunc('month', coalesce(o.due_date, cast(t.triggered_at as date))) as date) as expected_month,
        o.as_of_date,
        t.triggered_at,
        coalesce(i.invoiced_at, io.invoiced_at) as invoiced_at
    from obligations as o
    inner join milestones as m on o.milestone_id = m.milestone_id
    left join triggers as t on o.milestone_id = t.milestone_id
    left join contract_values as v on o.contract_id = v.contract_id
    left join invoices_by_milestone as i on o.milestone_id = i.milestone_id and not o.is_recurring
    left join invoices_by_occurrence as io on o.occurrence_id = io.occurrence_id and o.is_recurring
)

select * from final
