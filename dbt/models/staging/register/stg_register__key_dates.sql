-- The key dates in force: as extracted, with amendments applied (raw.effective_key_dates).
with source as (
    select * from {{ source('register', 'effective_key_dates') }}
),

renamed as (
    select
        contract_id,
        initial_term,
        renewal_term,
        renewal_notice_period,
        {{ iso_duration_months('initial_term') }} as initial_term_months,
        {{ iso_duration_days('initial_term') }} as initial_term_days,
        {{ iso_duration_months('renewal_term') }} as renewal_term_months,
        {{ iso_duration_days('renewal_term') }} as renewal_term_days,
        {{ iso_duration_months('renewal_notice_period') }} as notice_period_months,
        {{ iso_duration_days('renewal_notice_period') }} as notice_period_days,
        coalesce(is_perpetual, false) as is_perpetual,
        auto_renewal as is_auto_renewal,
        agreement_date,
        effective_date,
        expiration_date,
        next_renewal_notice_deadline as next_notice_deadline,
        amended_fields,
        amended_by
    from source
)

select * from renamed
