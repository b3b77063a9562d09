-- a table: several models and tests read it; as a view it would be recomputed for each
{{ config(materialized='table') }}

-- One row per obligation occurrence. Recurring obligations are expanded over a rolling window, from
-- 12 months before as_of to `horizon_months` after it; one-off obligations give one row (undated when the
-- trigger has not happened). How each recurring rule is expanded (recurrence_method):
--   period_end   "within 45 days after the end of each calendar quarter": every period end of the frequency,
--                shifted by the offset (calendar or business days); a period counts while it starts within
--                the contract term
--   period_start "by the 5th business day of each month": the n-th (business) day of every period
--   month_day    "each year on June 30" (anchor --06-30)
--   anniversary  "on each anniversary of the Effective Date", weekly from the effective date
--   term_end     notice/renewal/expiry dates of automatically renewing contracts: one per renewal term
--   undated      a recurring rule without a usable anchor, or an obligation counted from the end of a
--                contract that keeps renewing (awaits the actual end)
--   stepped      a known next due date (or a reviewer's date) stepped by the frequency
-- Month steps count from the first date, never from the previous occurrence, and a first date on a month's
-- last day stays on month ends (31 Jan → 28 Feb → 31 Mar).
{% set renewal_types = "'renewal_notice', 'renewal', 'expiration', 'termination_notice', 'option_exercise'" %}

-- a dependent milestone ("30 days after acceptance of X") takes the date its completed predecessor gives it
with milestones as (
    select
        m.* replace (coalesce(m.due_date, d.due_date) as due_date, coalesce(m.rule_date, d.anchor_date) as rule_date)
    from {{ ref('stg_register__milestones') }} as m
    left join {{ ref('int_milestone_dependency_dates') }} as d on m.milestone_id = d.milestone_id
    where m.review_status <> 'rejected'
),

terms as (
    select * from {{ ref('int_contract_terms') }}
),

term_ends as (
    select * from {{ ref('int_contract_term_ends') }}
),

business_days as (
    select * from {{ ref('int_business_days_indexed') }}
),

window_bounds as (
    select
        {{ as_of() }} as as_of_date,
        cast({{ as_of() }} - interval 12 month as date) as window_start,
        cast({{ as_of() }} + to_months({{ var('horizon_months') }}) as date) as window_end
),

with_frequency as (
    select
        m.*,
        t.effective_date as contract_effective_date,
        t.schedule_end_date,
        t.is_renewing,
        coalesce(
            m.rule_frequency,
            m.recurrence,
            case m.rule_anchor
                when 'month_end' then 'monthly'
                when 'quarter_end' then 'quarterly'
                when 'half_end' then 'semiannually'
                when 'year_end' then 'annually'
            end
        ) as frequency
    from milestones as m
    left join terms as t on coalesce(m.terms_contract_id, m.contract_id) = t.contract_id
),

classified as (
    select
        *,
        case frequency
            when 'monthly' then 1 when 'quarterly' then 3 when 'semiannually' then 6 when 'annually' then 12
        end as step_months,
        case frequency when 'weekly' then 7 when 'biweekly' then 14 end as step_days,
        case rule_direction when 'before' then -1 when 'on' then 0 else 1 end * coalesce(rule_amount, 0)
            as signed_offset,
        case
            when rule_anchor in ('month_end', 'quarter_end', 'half_end', 'year_end') or rule_anchor is null
                then case frequency
                    when 'monthly' then 'month_end'
                    when 'quarterly' then 'quarter_end'
                    when 'semiannually' then 'half_end'
                    when 'annually' then
                        case
                            when rule_anchor is not null then 'year_end'
                            when contract_effective_date is null then 'year_end'
                        end
                end
        end as period_anchor
    from with_frequency
),

methods as (
    select
        *,
        case
            when frequency is not null and is_due_date_human and due_date is not null then 'stepped'
            -- renewal, notice and expiry dates of a contract that renews come back every term; other
            -- obligations counted from the expiry wait for the real end, which is not known yet
            when
                is_renewing
                and (
                    (
                        rule_anchor = 'expiration_date'
                        and (obligation_type in ({{ renewal_types }}) or rule_direction = 'before')
                    )
                    or (obligation_type = 'expiration' and rule_kind = 'absolute')
                )
                then 'term_end'
            when is_renewing and rule_anchor = 'expiration_date' then 'undated'
            when frequency is null or (step_months is null and step_days is null) then 'one_off'
            when period_anchor is not null then 'period_end'
            when rule_anchor in ('month_start', 'quarter_start', 'year_start') then 'period_start'
            when rule_anchor like '--%' then 'month_day'
            when coalesce(rule_anchor, 'effective_date') = 'effective_date' and contract_effective_date is not null
                then 'anniversary'
            when due_date is not null then 'stepped'
            else 'undated'
        end as recurrence_method
    from classified
),

month_offsets as (
    select cast(n as integer) as month_offset
    from generate_series(-26, {{ var('horizon_months') }} + 1) as g (n)
),

period_end_bases as (
    select
        m.milestone_id,
        cast(last_day(cast(date_trunc('month', w.as_of_date) as date) + to_months(o.month_offset)) as date)
            as anchor_date,
        -- the first day of the period that ends on anchor_date
        cast(
            date_trunc('month', w.as_of_date)
            + to_months(o.month_offset - case m.period_anchor
                when 'month_end' then 0 when 'quarter_end' then 2 when 'half_end' then 5 else 11
            end) as date
        ) as period_start_date
    from methods as m
    cross join window_bounds as w
    cross join month_offsets as o
    where m.recurrence_method = 'period_end'
),

period_ends as (
    select
        b.milestone_id,
        b.anchor_date,
        b.period_start_date
    from period_end_bases as b
    inner join methods as m on b.milestone_id = m.milestone_id
    where
        m.period_anchor = 'month_end'
        or (m.period_anchor = 'quarter_end' and month(b.anchor_date) in (3, 6, 9, 12))
        or (m.period_anchor = 'half_end' and month(b.anchor_date) in (6, 12))
        or (m.period_anchor = 'year_end' and month(b.anchor_date) = 12)
),

period_start_bases as (
    select
        m.milestone_id,
        cast(date_trunc('month', w.as_of_date) + to_months(o.month_offset) as date) as anchor_date
    from methods as m
    cross join window_bounds as w
    cross join month_offsets as o
    where m.recurrence_method = 'period_start'
),

period_starts as (
    select
        b.milestone_id,
        b.anchor_date,
        case
            when m.rule_unit = 'business_days' then nth.calendar_date
            else least(
                cast(b.anchor_date + to_days(greatest(coalesce(m.rule_amount, 1), 1) - 1) as date),
                cast(last_day(b.anchor_date) as date)
            )
        end as due_date
    from period_start_bases as b
    inner join methods as m on b.milestone_id = m.milestone_id
    left join business_days as first_day on b.anchor_date = first_day.calendar_date
    left join business_days as nth
        on
            nth.business_day_index = first_day.business_days_before + greatest(coalesce(m.rule_amount, 1), 1)
            and nth.is_business_day
    where
        m.rule_anchor = 'month_start'
        or (m.rule_anchor = 'quarter_start' and month(b.anchor_date) in (1, 4, 7, 10))
        or (m.rule_anchor = 'year_start' and month(b.anchor_date) = 1)
),

month_days as (
    select
        m.milestone_id,
        make_date(
            cast(y.n as bigint),
            cast(substr(m.rule_anchor, 3, 2) as bigint),
            least(
                cast(substr(m.rule_anchor, 6, 2) as bigint),
                day(last_day(make_date(cast(y.n as bigint), cast(substr(m.rule_anchor, 3, 2) as bigint), 1)))
            )
        ) as anchor_date
    from methods as m
    cross join window_bounds as w
    cross join generate_series(year(w.as_of_date) - 2, year(w.as_of_date) + 3) as y (n)
    where m.recurrence_method = 'month_day' and regexp_full_match(m.rule_anchor, '--\d\d-\d\d')
),

-- anniversaries of the effective date and steps from a known due date share the arithmetic
step_seeds as (
    select
        m.milestone_id,
        m.recurrence_method,
        m.step_months,
        m.step_days,
        case when m.recurrence_method = 'anniversary' then m.contract_effective_date else m.due_date end
            as seed_date,
        w.window_start,
        w.window_end
    from methods as m
    cross join window_bounds as w
    where m.recurrence_method in ('anniversary', 'stepped')
),

step_ranges as (
    select
        *,
        case
            when step_months is not null
                then date_diff('month', seed_date, window_start - interval 13 month) / step_months
            else date_diff('day', seed_date, window_start - interval 13 month) / step_days
        end as first_step_estimate,
        case
            when step_months is not null then date_diff('month', seed_date, window_end) / step_months
            else date_diff('day', seed_date, window_end) / step_days
        end as last_step_estimate
    from step_seeds
),

step_numbers as (
    select
        milestone_id,
        recurrence_method,
        step_months,
        step_days,
        seed_date,
        unnest(generate_series(
            -- an anniversary is a year (or step) after the effective date, never the date itself
            greatest(
                cast(floor(first_step_estimate) as bigint) - 1,
                case
                    when recurrence_method = 'anniversary' and step_months is not null then 1
                    when recurrence_method = 'anniversary' then 0
                    else -100000
                end
            ),
            cast(ceil(last_step_estimate) as bigint) + 1
        )) as step_number
    from step_ranges
),

steps as (
    select
        milestone_id,
        recurrence_method,
        case
            when step_months is null then cast(seed_date + to_days(cast(step_number * step_days as integer)) as date)
            when seed_date = last_day(seed_date)
                then cast(last_day(seed_date + to_months(cast(step_number * step_months as integer))) as date)
            else cast(seed_date + to_months(cast(step_number * step_months as integer)) as date)
        end as anchor_date
    from step_numbers
),

term_end_bases as (
    select
        m.milestone_id,
        t.term_end_date as anchor_date
    from methods as m
    inner join term_ends as t on coalesce(m.terms_contract_id, m.contract_id) = t.contract_id
    where m.recurrence_method = 'term_end' and t.is_renewing
),

-- every generated anchor date, and whether the rule's offset still has to be applied to it
anchors as (
    select
        milestone_id,
        'period_end' as recurrence_method,
        anchor_date,
        period_start_date,
        cast(null as date) as fixed_due_date,
        true as applies_offset
    from period_ends
    union all
    select
        milestone_id,
        'period_start' as recurrence_method,
        anchor_date,
        anchor_date as period_start_date,
        due_date as fixed_due_date,
        false as applies_offset
    from period_starts
    union all
    select
        milestone_id,
        'month_day' as recurrence_method,
        anchor_date,
        anchor_date as period_start_date,
        cast(null as date) as fixed_due_date,
        true as applies_offset
    from month_days
    union all
    select
        milestone_id,
        recurrence_method,
        anchor_date,
        anchor_date as period_start_date,
        cast(null as date) as fixed_due_date,
        recurrence_method = 'anniversary' as applies_offset
    from steps
    union all
    select
        milestone_id,
        'term_end' as recurrence_method,
        anchor_date,
        anchor_date as period_start_date,
        cast(null as date) as fixed_due_date,
        true as applies_offset
    from term_end_bases
),

shifted as (
    select
        a.milestone_id,
        a.recurrence_method,
        a.anchor_date,
        a.period_start_date,
        case
            when a.fixed_due_date is not null or not a.applies_offset then coalesce(a.fixed_due_date, a.anchor_date)
            when m.signed_offset = 0 then a.anchor_date
            when m.rule_unit = 'business_days' then after_bd.calendar_date
            when m.rule_unit = 'days' then cast(a.anchor_date + to_days(m.signed_offset) as date)
            when m.rule_unit = 'weeks' then cast(a.anchor_date + to_days(7 * m.signed_offset) as date)
            when m.rule_unit = 'months' then cast(a.anchor_date + to_months(m.signed_offset) as date)
            when m.rule_unit = 'years' then cast(a.anchor_date + to_months(12 * m.signed_offset) as date)
            else a.anchor_date
        end as due_date
    from anchors as a
    inner join methods as m on a.milestone_id = m.milestone_id
    left join business_days as anchor_bd
        on a.anchor_date = anchor_bd.calendar_date and m.rule_unit = 'business_days'
    left join business_days as after_bd
        on
            after_bd.is_business_day
            and after_bd.business_day_index = case
                when m.signed_offset > 0 then anchor_bd.business_day_index + m.signed_offset
                else anchor_bd.business_days_before + m.signed_offset + 1
            end
),

recurring_in_window as (
    select
        s.milestone_id,
        s.recurrence_method,
        s.anchor_date,
        s.due_date
    from shifted as s
    inner join methods as m on s.milestone_id = m.milestone_id
    cross join window_bounds as w
    where
        s.due_date between w.window_start and w.window_end
        and (m.contract_effective_date is null or s.anchor_date >= m.contract_effective_date)
        and (
            m.schedule_end_date is null
            or s.recurrence_method = 'term_end'
            or s.period_start_date <= m.schedule_end_date
        )
),

single as (
    select
        milestone_id,
        recurrence_method,
        case when recurrence_method = 'one_off' then coalesce(rule_date, due_date) end as anchor_date,
        case when recurrence_method = 'one_off' then due_date end as due_date
    from methods
    where recurrence_method in ('one_off', 'undated')
),

occurrences as (
    select * from recurring_in_window
    union all
    select * from single
),

deduplicated as (
    select *
    from occurrences
    qualify row_number() over (partition by milestone_id, due_date order by anchor_date) = 1
),

final as (
    select
        o.milestone_id || ':' || coalesce(strftime(o.due_date, '%Y-%m-%d'), 'undated') as occurrence_id,
        o.milestone_id,
        m.contract_id,
        o.recurrence_method,
        m.frequency,
        m.frequency is not null or o.recurrence_method = 'term_end' as is_recurring,
        o.anchor_date,
        o.due_date
    from deduplicated as o
    inner join methods as m on o.milestone_id = m.milestone_id
)

select * from final
