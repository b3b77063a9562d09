with source as (
    select * from {{ source('register', 'obligation_risk') }}
),

renamed as (
    select
        as_of_date || '|' || occurrence_id as obligation_risk_id,
        occurrence_id,
        milestone_id,
        model_version,
        late_risk_reasons,
        late_risk_score,
        as_of_date,
        scored_at
    from source
)

select * from renamed
