{{ config(contract={'enforced': true}) }}

-- One row per (month, currency): the money expected from payments due (or triggered) that month, and the
-- money invoiced that month through draft invoice requests the ERP (or the local outbox) confirmed.
with payments as (
    select * from {{ ref('mart_payment_schedule') }}
),

expected as (
    select
        expected_month as month_start_date,
        coalesce(currency, 'unknown') as currency,
        sum(invoice_amount) as expected_amount,
        count(*) as expected_payments,
        count(*) filter (where invoice_amount is null) as unpriced_payments
    from payments
    where expected_month is not null and payment_status <> 'cancelled'
    group by expected_month, coalesce(currency, 'unknown')
),

invoiced as (
    select
        cast(date_trunc('month', invoiced_at) as date) as month_start_date,
        coalesce(currency, 'unknown') as currency,
        sum(invoiced_amount) as invoiced_amount,
        count(*) as invoiced_payments
    from payments
    where invoiced_at is not null
    group by cast(date_trunc('month', invoiced_at) as date), coalesce(currency, 'unknown')
),

as_of as (
    select max(as_of_date) as as_of_date from payments
),

final as (
    select
        strftime(coalesce(e.month_start_date, i.month_start_date), '%Y-%m') || ':'
        || coalesce(e.currency, i.currency) as payment_month_id,
        coalesce(e.currency, i.currency) as currency,
        cast(coalesce(e.expected_amount, 0) as decimal(18, 2)) as expected_amount,
        cast(coalesce(i.invoiced_amount, 0) as decimal(18, 2)) as invoiced_amount,
        cast(coalesce(e.expected_payments, 0) as integer) as expected_payments,
        cast(coalesce(e.unpriced_payments, 0) as integer) as unpriced_payments,
        cast(coalesce(i.invoiced_payments, 0) as integer) as invoiced_payments,
        coalesce(e.month_start_date, i.month_start_date) as month_start_date,
        a.as_of_date
    from expected as e
    full outer join invoiced as i on e.month_start_date = i.month_start_date and e.currency = i.currency
    cross join as_of as a
)

select * from final
