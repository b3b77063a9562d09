-- One row per milestone that names a predecessor (depends_on), resolved to a milestone of the same contract:
-- first by exact name (case, spacing and punctuation ignored), else by a unique milestone name contained in
-- the depends_on text. dependency_status: resolved | ambiguous (several candidates) | dangling (none) |
-- self_reference | cycle (following predecessors leads back to the milestone).
with recursive milestones as (
    select
        milestone_id,
        contract_id,
        depends_on,
        trim(regexp_replace(lower(milestone_name), '[^a-z0-9]+', ' ', 'g')) as name_key
    from {{ ref('stg_register__milestones') }}
),

dependents as (
    select
        milestone_id,
        contract_id,
        depends_on,
        trim(regexp_replace(lower(depends_on), '[^a-z0-9]+', ' ', 'g')) as depends_on_key
    from milestones
    where nullif(trim(depends_on), '') is not null
),

candidates as (
    select
        d.milestone_id,
        c.milestone_id as candidate_id,
        case when c.name_key = d.depends_on_key then 1 else 2 end as match_rank
    from dependents as d
    inner join milestones as c
        on
            d.contract_id = c.contract_id
            and (
                d.depends_on_key = c.name_key
                or (length(c.name_key) >= 8 and (' ' || d.depends_on_key || ' ') like ('% ' || c.name_key || ' %'))
            )
),

best as (
    select
        milestone_id,
        min(match_rank) as match_rank
    from candidates
    group by milestone_id
),

best_candidates as (
    select
        c.milestone_id,
        b.match_rank,
        count(*) as candidate_count,
        min(c.candidate_id) as candidate_id
    from candidates as c
    inner join best as b on c.milestone_id = b.milestone_id and c.match_rank = b.match_rank
    group by c.milestone_id, b.match_rank
),

edges as (
    select
        milestone_id,
        candidate_id as predecessor_milestone_id
    from best_candidates
    where candidate_count = 1 and candidate_id <> milestone_id
),

walk as (
    select
        milestone_id as start_id,
        predecessor_milestone_id as current_id,
        1 as walk_depth
    from edges
    union all
    select
        w.start_id,
        e.predecessor_milestone_id as current_id,
        w.walk_depth + 1 as walk_depth
    from walk as w
    inner join edges as e on w.current_id = e.milestone_id
    where w.walk_depth < 50 and w.current_id <> w.start_id
),

in_cycle as (
    select distinct start_id as milestone_id
    from walk
    where current_id = start_id
),

final as (
    select
        d.milestone_id,
        d.contract_id,
        case when bc.candidate_count = 1 then bc.candidate_id end as predecessor_milestone_id,
        d.depends_on,
        case bc.match_rank when 1 then 'exact_name' when 2 then 'name_in_text' end as match_method,
        case
            when bc.candidate_count is null then 'dangling'
            when bc.candidate_count > 1 then 'ambiguous'
            when bc.candidate_id = d.milestone_id then 'self_reference'
            when cy.milestone_id is not null then 'cycle'
            else 'resolved'
        end as dependency_status,
        coalesce(bc.candidate_count, 0) as candidate_count
    from dependents as d
    left join best_candidates as bc on d.milestone_id = bc.milestone_id
    left join in_cycle as cy on d.milestone_id = cy.milestone_id
)

select * from final
