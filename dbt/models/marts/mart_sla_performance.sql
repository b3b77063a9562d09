{{ config(contract={'enforced': true}) }}

-- One row per (SLA term, calendar month) for the 12 months up to the reference date while the contract was
-- in force: ITSM incidents of that contract (and priority, when the term names one), breaches, attainment.
-- A breach is the ITSM tool's flag when it sends one, else time to resolution beyond the target (an incident
-- still open at the reference date counts from its opening). credits_at_risk = breaches that may earn the
-- customer a service credit; the amount is null until fees and credit tiers are in the register.
with terms as (
    select * from {{ ref('int_sla_terms') }}
),

contract_terms as (
    select * from {{ ref('int_contract_terms') }}
),

contracts as (
    select * from {{ ref('stg_register__contracts') }}
),

incidents as (
    select * from {{ ref('stg_register__itsm_incidents') }}
),

months as (
    select
        cast(date_trunc('month', {{ as_of() }}) - to_months(cast(n as integer)) as date) as period_month,
        {{ as_of() }} as as_of_date
    from generate_series(0, 11) as g (n)
),

term_months as (
    select
        s.*,
        m.period_month,
        m.as_of_date
    from terms as s
    inner join contract_terms as t on s.contract_id = t.contract_id
    cross join months as m
    where
        not t.is_deleted
        and (t.effective_date is null or m.period_month >= date_trunc('month', t.effective_date))
        and (t.schedule_end_date is null or m.period_month <= t.schedule_end_date)
),

matched as (
    select
        tm.sla_term_id,
        tm.period_month,
        i.incident_id,
        case tm.service_metric
            when 'response' then i.is_response_breached
            when 'resolution' then coalesce(
                i.is_resolution_breached,
                date_diff('minute', i.opened_at, coalesce(i.resolved_at, cast(tm.as_of_date as timestamp)))
                > tm.target_hours * 60
            )
        end as is_breached
    from term_months as tm
    inner join incidents as i
        on
            tm.contract_id = i.contract_id
            and (tm.priority_level is null or tm.priority_level = i.priority_level)
            and tm.period_month <= i.opened_at
            and i.opened_at < tm.period_month + interval 1 month
            and i.opened_at < tm.as_of_date + interval 1 day
),

counted as (
    select
        sla_term_id,
        period_month,
        count(*) as incident_count,
        count(*) filter (where is_breached) as breach_count,
        count(is_breached) as measured_count
    from matched
    group by sla_term_id, period_month
),

final as (
    select
        tm.sla_term_id || ':' || strftime(tm.period_month, '%Y-%m') as sla_performance_id,
        tm.sla_term_id,
        tm.contract_id,
        c.counterparty_id,
        c.counterparty,
        tm.milestone_name,
        tm.service_metric,
        tm.priority_level,
        tm.target_hours,
        tm.target_percentage,
        cast(coalesce(n.incident_count, 0) as integer) as incident_count,
        cast(coalesce(n.breach_count, 0) as integer) as breach_count,
        case
            when coalesce(n.measured_count, 0) > 0 then 1.0 - n.breach_count / n.measured_count
        end as attainment_rate,
        cast(
            case
                when tm.service_metric in ('response', 'resolution') then coalesce(n.breach_count, 0) else 0
            end as integer
        )
            as credits_at_risk,
        cast(null as decimal(18, 2)) as credit_amount_at_risk,
        coalesce(n.breach_count, 0) > 0 as is_breached,
        tm.period_month,
        tm.as_of_date
    from term_months as tm
    inner join contracts as c on tm.contract_id = c.contract_id
    left join counted as n on tm.sla_term_id = n.sla_term_id and tm.period_month = n.period_month
)

select * from final
