-- One row per obligation that needs completion evidence (insurance certificate, audit report, report) or has
-- evidence attached: its evidence status, why, and the file the status rests on. Removed, cancelled and
-- rejected obligations are left out, as in fct_obligations.
with evidence as (
    select * from {{ ref('stg_register__obligation_evidence') }}
),

milestones as (
    select * from {{ ref('stg_register__milestones') }}
),

contracts as (
    select * from {{ ref('dim_contracts') }}
),

joined as (
    select
        evidence.milestone_id,
        evidence.contract_id,
        contracts.counterparty_id,
        contracts.counterparty,
        milestones.obligation_type,
        milestones.milestone_name,
        milestones.deliverable,
        milestones.responsible_party,
        evidence.evidence_status,
        evidence.evidence_reason,
        evidence.evidence_id,
        evidence.evidence_file_name,
        evidence.evidence_kind,
        evidence.evidence_content_hash,
        cast(evidence.evidence_document_count as integer) as evidence_document_count,
        evidence.is_evidence_ok,
        milestones.due_date,
        evidence.assessed_as_of_date,
        evidence.assessed_at,
        {{ as_of() }} as as_of_date
    from evidence
    inner join milestones on evidence.milestone_id = milestones.milestone_id
    inner join contracts on evidence.contract_id = contracts.contract_id
    where
        milestones.lifecycle_status not in ('removed', 'cancelled')
        and milestones.review_status <> 'rejected'
)

select * from joined
