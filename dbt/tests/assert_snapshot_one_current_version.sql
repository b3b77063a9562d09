-- Every obligation has at most one current version in the SCD2 history, and versions never overlap.
with versions as (
    select
        milestone_id,
        dbt_valid_from,
        dbt_valid_to,
        lead(dbt_valid_from) over (partition by milestone_id order by dbt_valid_from, dbt_updated_at) as next_valid_from
    from {{ ref('snap_obligations') }}
),

current_counts as (
    select milestone_id
    from versions
    where dbt_valid_to is null
    group by milestone_id
    having count(*) > 1
)

select
    milestone_id,
    'more than one current version' as problem
from current_counts
union all
select
    milestone_id,
    'overlapping versions' as problem
from versions
where next_valid_from is not null and (dbt_valid_to is null or dbt_valid_to > next_valid_from)
