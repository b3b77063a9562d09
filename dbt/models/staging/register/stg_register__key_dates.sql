with source as (
    select * from {{ source('register', 'key_dates') }}
),

renamed as (
    select
        contract_id,
        initial_term,
        renewal_term,
        renewal_notice_period,
        coalesce(is_perpetual, false) as is_perpetual,
        auto_renewal as is_auto_renewal,
        agreement_date,
        effective_date,
        expiration_date,
        next_renewal_notice_deadline as next_notice_deadline
    from source
)

select * from renamed
