with source as (
    select * from {{ source('register', 'contracts') }}
),

renamed as (
    select
        contract_id,
        parent_contract_id,
        current_document_id as document_id,
        title as contract_title,
        source_system,
        source_ref,
        counterparty,
        contract_type,
        status as contract_status,
        status = 'deleted' as is_deleted,
        deleted_at
    from source
)

select * from renamed
