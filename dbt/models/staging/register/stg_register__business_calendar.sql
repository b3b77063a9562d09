with source as (
    select * from {{ source('register', 'business_calendar') }}
),

renamed as (
    select
        holiday_name,
        is_business_day,
        calendar_date
    from source
)

select * from renamed
