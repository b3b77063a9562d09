with source as (
    select * from {{ source('register_evidence', 'obligation_evidence') }}
),

documents as (
    select * from {{ source('register_evidence', 'evidence_documents') }}
),

renamed as (
    select
        source.milestone_id,
        source.contract_id,
        source.evidence_id,
        source.obligation_type,
        source.evidence_status,
        source.reason as evidence_reason,
        documents.file_name as evidence_file_name,
        documents.evidence_kind,
        documents.content_hash as evidence_content_hash,
        coalesce(json_array_length(source.evidence_ids), 0) as evidence_document_count,
        source.evidence_status = 'evidence_ok' as is_evidence_ok,
        source.as_of as assessed_as_of_date,
        source.assessed_at
    from source
    left join documents on source.evidence_id = documents.evidence_id
)

select * from renamed
