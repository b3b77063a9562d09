{{ config(contract={'enforced': true}) }}

-- One row per contract in the register (deleted ones included, flagged), with key dates and counts.
with contracts as (
    select * from {{ ref('stg_register__contracts') }}
),

key_dates as (
    select * from {{ ref('stg_register__key_dates') }}
),

milestone_counts as (
    select
        contract_id,
        count(*) as milestone_count,
        count(*) filter (where review_status = 'pending') as pending_review_count
    from {{ ref('stg_register__milestones') }}
    group by contract_id
),

final as (
    select
        c.contract_id,
        c.parent_contract_id,
        c.contract_title,
        c.counterparty,
        c.contract_type,
        c.source_system,
        c.contract_status,
        k.initial_term,
        k.renewal_term,
        k.renewal_notice_period,
        coalesce(n.milestone_count, 0) as milestone_count,
        coalesce(n.pending_review_count, 0) as pending_review_count,
        c.is_deleted,
        coalesce(k.is_perpetual, false) as is_perpetual,
        k.is_auto_renewal,
        k.agreement_date,
        k.effective_date,
        k.expiration_date,
        k.next_notice_deadline
    from contracts as c
    left join key_dates as k on c.contract_id = k.contract_id
    left join milestone_counts as n on c.contract_id = n.contract_id
)

select * from final
