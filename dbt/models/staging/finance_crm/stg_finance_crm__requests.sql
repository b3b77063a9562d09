with source as (
    select * from {{ source('finance_crm', 'finance_crm_outbox') }}
),

renamed as (
    select
        message_id as request_id,
        occurrence_key as occurrence_id,
        milestone_id,
        contract_id,
        channel as request_channel,
        kind as request_kind,
        recipient,
        status as request_status,
        transport as request_system,
        external_id,
        currency,
        amount,
        attempts,
        status = 'sent' as is_sent,
        due_date as request_date,
        created_at,
        sent_at
    from source
)

select * from renamed
