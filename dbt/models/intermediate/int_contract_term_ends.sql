-- a table: several models and tests read it; as a view it would be recomputed for each
{{ config(materialized='table') }}

-- One row per (contract, term end) around the reference date: the initial expiration and, for contracts
-- that renew automatically, every renewal term end from a year before as_of to a year past the horizon
-- (and always the current and the following term, however long the terms are).
-- Term k ends at expiration + k renewal terms, counted from the expiration itself (no drift: a term ending
-- 31 January renews to 28/29 February, then 31 March).
with key_dates as (
    select * from {{ ref('stg_register__key_dates') }}
),

bounds as (
    select
        {{ as_of() }} as as_of_date,
        cast({{ as_of() }} - interval 12 month as date) as range_start,
        cast({{ as_of() }} + to_months({{ var('horizon_months') }} + 12) as date) as range_end
),

dated as (
    select
        k.contract_id,
        k.renewal_term_months,
        k.renewal_term_days,
        k.expiration_date,
        coalesce(k.is_auto_renewal, false)
        and coalesce(k.renewal_term_months, 0) * 31 + coalesce(k.renewal_term_days, 0) > 0
        and not k.is_perpetual as is_renewing,
        -- rough term length, only to bound the search; the exact dates are computed below
        coalesce(k.renewal_term_months, 0) * 30.436875 + coalesce(k.renewal_term_days, 0) as approx_term_days
    from key_dates as k
    where k.expiration_date is not null and not k.is_perpetual
),

term_numbers as (
    select
        d.contract_id,
        d.renewal_term_months,
        d.renewal_term_days,
        d.is_renewing,
        d.expiration_date,
        unnest(
            case
                when d.is_renewing
                    then
                        generate_series(
                            greatest(
                                0,
                                cast(
                                    floor(
                                        date_diff('day', d.expiration_date, b.range_start) / d.approx_term_days
                                    ) as bigint
                                )
                                - 1
                            ),
                            greatest(
                                0,
                                cast(
                                    ceil(
                                        date_diff('day', d.expiration_date, b.range_end) / d.approx_term_days
                                    ) as bigint
                                )
                                + 1
                            )
                        )
                else [cast(0 as bigint)]
            end
        ) as term_number
    from dated as d
    cross join bounds as b
),

term_ends as (
    select
        contract_id,
        cast(term_number as integer) as term_number,
        is_renewing,
        {{ add_months_days('expiration_date', 'term_number * renewal_term_months', 'term_number * renewal_term_days') }}
            as term_end_date
    from term_numbers
),

flagged as (
    select
        t.*,
        -- 1 = the current term (first end on/after as_of), 2 = the one after it
        case
            when t.term_end_date >= b.as_of_date
                then
                    row_number()
                        over (partition by t.contract_id, t.term_end_date >= b.as_of_date order by t.term_end_date)
        end as upcoming_rank,
        t.term_end_date between b.range_start and b.range_end as is_in_range
    from term_ends as t
    cross join bounds as b
),

final as (
    select
        contract_id || ':' || cast(term_number as varchar) as term_end_id,
        contract_id,
        term_number,
        cast(upcoming_rank as integer) as upcoming_rank,
        is_renewing,
        coalesce(upcoming_rank = 1, false) as is_current_term,
        term_end_date
    from flagged
    where not is_renewing or is_in_range or upcoming_rank <= 2
)

select * from final
