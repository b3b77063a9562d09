with source as (
    select * from {{ source('register', 'extraction_runs') }}
),

renamed as (
    select
        run_id,
        extractor_version,
        model_version,
        status as run_status,
        contracts_seen,
        contracts_processed,
        contracts_skipped,
        contracts_quarantined,
        milestones_loaded,
        logical_date,
        started_at,
        finished_at
    from source
)

select * from renamed
