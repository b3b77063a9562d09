-- One row per calendar day with a running count of business days, so "N business days after X" is a join.
with calendar as (
    select * from {{ source('register', 'business_calendar') }}
),

indexed as (
    select
        calendar_date,
        is_business_day,
        sum(case when is_business_day then 1 else 0 end) over (order by calendar_date) as business_day_index
    from calendar
)

select * from indexed
