-- a table: several models and tests read it; as a view it would be recomputed for each
{{ config(materialized='table') }}

-- One row per calendar day with running business-day counts, so business-day arithmetic is a join:
--   N business days after d      = the business day whose index is business_day_index(d) + N
--   N business days before d     = the business day whose index is business_days_before(d) - N + 1
--   last business day on/before d = the business day whose index is business_day_index(d)
--   first business day on/after d = the business day whose index is business_days_before(d) + 1
with calendar as (
    select * from {{ ref('stg_register__business_calendar') }}
),

indexed as (
    select
        calendar_date,
        is_business_day,
        cast(sum(case when is_business_day then 1 else 0 end) over (order by calendar_date) as integer)
            as business_day_index
    from calendar
),

final as (
    select
        business_day_index,
        business_day_index - case when is_business_day then 1 else 0 end as business_days_before,
        is_business_day,
        calendar_date
    from indexed
)

select * from final
