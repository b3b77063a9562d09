-- One row per SLA term found in a contract (obligation_type 'sla'): what is measured (response, resolution,
-- availability), for which incident priority, and the target as written (hours or a percentage).
-- Compound clauses ("respond within 1 hour and resolve within 8 hours") were split by the extractor into
-- parts 1 and 2 of one sentence; part 1 is the response target, part 2 the resolution target.
with milestones as (
    select * from {{ ref('stg_register__milestones') }}
    where obligation_type = 'sla'
),

classified as (
    select
        milestone_id,
        contract_id,
        milestone_name,
        evidence_text,
        rule_unit,
        rule_amount,
        percentage,
        lower(evidence_text) as text_lower,
        cast(nullif(regexp_extract(milestone_name, '(\d+) of \d+', 1), '') as integer) as part_number,
        cast(nullif(regexp_extract(evidence_text, '(?i)priority\s*(\d)|\bP(\d)\b', 1), '') as integer) as priority_level
    from milestones
),

final as (
    select
        milestone_id as sla_term_id,
        contract_id,
        milestone_name,
        evidence_text,
        case
            when percentage is not null or text_lower similar to '.*(uptime|availab).*' then 'availability'
            when text_lower like '%respon%' and text_lower similar to '.*(resol|restor).*'
                then case when coalesce(part_number, 1) = 1 then 'response' else 'resolution' end
            when text_lower like '%respon%' then 'response'
            when text_lower similar to '.*(resol|restor|fix).*' then 'resolution'
            else 'other'
        end as service_metric,
        priority_level,
        case rule_unit
            when 'hours' then cast(rule_amount as double)
            when 'minutes' then rule_amount / 60.0
            when 'days' then rule_amount * 24.0
        end as target_hours,
        coalesce(
            cast(percentage as double),
            cast(nullif(regexp_extract(evidence_text, '(\d{2}(?:\.\d+)?)\s*%', 1), '') as double)
        ) as target_percentage
    from classified
)

select * from final
