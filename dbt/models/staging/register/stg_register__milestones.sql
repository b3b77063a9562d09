with source as (
    select * from {{ source('register', 'milestones') }}
),

renamed as (
    select
        milestone_id,
        contract_id,
        document_id,
        milestone_name,
        deliverable,
        responsible_party,
        condition as trigger_condition,
        clause_reference,
        obligation_type,
        rule_kind,
        rule_unit,
        rule_direction,
        rule_anchor,
        rule_frequency,
        recurrence,
        currency,
        depends_on,
        source_text as evidence_text,
        origin,
        first_seen_run,
        lifecycle_status,
        review_status,
        rule_amount,
        amount,
        percentage,
        confidence,
        span_start,
        span_end,
        page as evidence_page,
        needs_review,
        review_status in ('not_required', 'approved', 'edited', 'rereview') as is_cleared_for_fanout,
        coalesce(json_exists(human_fields, '$.due_date'), false) as is_due_date_human,
        due_date,
        rule_date,
        completed_at,
        -- whose term the milestone counts from: an amendment's notice or renewal milestone runs on its parent's term
        coalesce(due_date_derived_from, contract_id) as terms_contract_id
    from source
    -- in force only: a milestone an amendment replaced keeps its raw row and history, but is not an obligation
    where lifecycle_status <> 'removed' and superseded_by_contract_id is null
)

select * from renamed
