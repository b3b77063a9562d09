{{ config(contract={'enforced': true}) }}

-- One row per contract in the register (deleted ones included, flagged), with key dates, its term as of
-- the reference date (current term end through automatic renewals, notice deadline) and obligation counts.
with contracts as (
    select * from {{ ref('stg_register__contracts') }}
),

key_dates as (
    select * from {{ ref('stg_register__key_dates') }}
),

terms as (
    select * from {{ ref('int_contract_terms') }}
),

milestone_counts as (
    select
        contract_id,
        count(*) as milestone_count,
        count(*) filter (where review_status in ('pending', 'rereview')) as pending_review_count
    from {{ ref('stg_register__milestones') }}
    group by contract_id
),

occurrence_counts as (
    select
        contract_id,
        count(*) filter (where obligation_status = 'open') as open_occurrence_count,
        count(*) filter (where obligation_status = 'overdue') as overdue_occurrence_count
    from {{ ref('int_obligations_statused') }}
    group by contract_id
),

final as (
    select
        c.contract_id,
        c.parent_contract_id,
        c.counterparty_id,
        c.contract_title,
        c.counterparty,
        c.contract_type,
        c.source_system,
        c.contract_status,
        t.term_status,
        k.initial_term,
        k.renewal_term,
        k.renewal_notice_period,
        coalesce(n.milestone_count, 0) as milestone_count,
        coalesce(n.pending_review_count, 0) as pending_review_count,
        coalesce(o.open_occurrence_count, 0) as open_occurrence_count,
        coalesce(o.overdue_occurrence_count, 0) as overdue_occurrence_count,
        t.renewal_count,
        c.is_deleted,
        coalesce(k.is_perpetual, false) as is_perpetual,
        k.is_auto_renewal,
        t.is_renewing,
        k.agreement_date,
        k.effective_date,
        k.expiration_date,
        t.current_term_end_date,
        t.notice_deadline_date,
        t.last_notice_business_date,
        t.next_notice_deadline_date,
        k.next_notice_deadline,
        t.as_of_date
    from contracts as c
    left join key_dates as k on c.contract_id = k.contract_id
    left join terms as t on c.contract_id = t.contract_id
    left join milestone_counts as n on c.contract_id = n.contract_id
    left join occurrence_counts as o on c.contract_id = o.contract_id
)

select * from final
