with source as (
    select * from {{ source('register', 'itsm_incidents') }}
),

renamed as (
    select
        incident_id,
        contract_id,
        service as service_name,
        priority as priority_raw,
        -- "P1", "1", "1 - Critical", "Priority 2" → 1, 2 …; names without a number stay null
        cast(nullif(regexp_extract(priority, '(\d)', 1), '') as integer) as priority_level,
        response_breached as is_response_breached,
        resolution_breached as is_resolution_breached,
        opened_at,
        resolved_at,
        pulled_at
    from source
)

select * from renamed
