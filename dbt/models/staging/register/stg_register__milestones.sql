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
        completed_at
    from source
    where lifecycle_status <> 'removed'
)

select * from renamed
