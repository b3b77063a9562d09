with source as (
    select * from {{ source('register', 'contracts') }}
),

renamed as (
    select
        contract_id,
        parent_contract_id,
        current_document_id as document_id,
        -- one id per counterparty name, spelled however the contracts spell it
        case
            when nullif(trim(counterparty), '') is not null
                then substr(md5(lower(regexp_replace(trim(counterparty), '\s+', ' ', 'g'))), 1, 16)
            else 'unknown'
        end as counterparty_id,
        title as contract_title,
        source_system,
        source_ref,
        nullif(trim(counterparty), '') as counterparty,
        contract_type,
        status as contract_status,
        first_seen_run,
        last_seen_run,
        status = 'deleted' as is_deleted,
        deleted_at
    from source
)

select * from renamed
