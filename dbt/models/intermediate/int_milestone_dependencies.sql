-- One row per milestone that names a predecessor (depends_on), resolved to a milestone of the same contract, by the
-- best of (match_method, in this order):
--   exact_name      the milestone's name equals depends_on (case, spacing and punctuation ignored)
--   name_in_text    a milestone name (8+ characters) appears inside the depends_on text
--   deliverable     what depends_on names after its event words ("Company's written approval of the User Acceptance
--                   Test Report" → "user acceptance test report") is, or is inside, a milestone's name or deliverable
--   row_label       that object is a schedule row label ("approval of D2") and a milestone's evidence row starts with it
--   evidence_text   that object (8+ characters) appears in a milestone's evidence sentence, unless that milestone
--                   itself waits on it (its own depends_on names it too)
-- Matches of the last three never point a milestone at itself.
-- dependency_status: resolved | ambiguous (several candidates at the best rank) | dangling (none) | self_reference |
-- cycle (following predecessors leads back to the milestone). Walks stop after 50 steps: never loops.
with recursive milestones as (
    select
        milestone_id,
        contract_id,
        depends_on,
        trim(regexp_replace(lower(milestone_name), '[^a-z0-9]+', ' ', 'g')) as name_key,
        trim(regexp_replace(lower(coalesce(deliverable, '')), '[^a-z0-9]+', ' ', 'g')) as deliverable_key,
        trim(regexp_replace(lower(coalesce(evidence_text, '')), '[^a-z0-9]+', ' ', 'g')) as evidence_key,
        trim(regexp_replace(lower(coalesce(depends_on, '')), '[^a-z0-9]+', ' ', 'g')) as own_depends_on_key
    from {{ ref('stg_register__milestones') }}
),

dependents as (
    select
        milestone_id,
        contract_id,
        depends_on,
        own_depends_on_key as depends_on_key,
        -- the thing named after the event words: "client approval of the phase 1 deliverables" → "phase 1 deliverables"
        nullif(trim(regexp_extract(
            own_depends_on_key,
            '^.*?\b(?:approval|approve|acceptance|accept|completion|complete|sign off|signoff|delivery|receipt)\s+(?:of|by)\s+(?:the\s+)?(.*)$',
            1
        )), '') as object_key
    from milestones
    where nullif(trim(depends_on), '') is not null
),

candidates as (
    select
        d.milestone_id,
        c.milestone_id as candidate_id,
        case
            when c.name_key = d.depends_on_key then 1
            when length(c.name_key) >= 8 and (' ' || d.depends_on_key || ' ') like ('% ' || c.name_key || ' %') then 2
            when
                c.milestone_id <> d.milestone_id
                and d.object_key is not null
                and (
                    c.name_key = d.object_key
                    or c.deliverable_key = d.object_key
                    or (
                        length(d.object_key) >= 8
                        and (
                            (' ' || c.name_key || ' ') like ('% ' || d.object_key || ' %')
                            or (' ' || c.deliverable_key || ' ') like ('% ' || d.object_key || ' %')
                        )
                    )
                )
                then 3
            when
                c.milestone_id <> d.milestone_id
                and regexp_full_match(coalesce(d.object_key, ''), '[a-z]{1,3} ?[0-9]{1,3}')
                and starts_with(c.evidence_key || ' ', d.object_key || ' ')
                then 4
            when
                c.milestone_id <> d.milestone_id
                and length(coalesce(d.object_key, '')) >= 8
                and (' ' || c.evidence_key || ' ') like ('% ' || d.object_key || ' %')
                and not (' ' || c.own_depends_on_key || ' ') like ('% ' || d.object_key || ' %')
                then 5
        end as match_rank
    from dependents as d
    inner join milestones as c on d.contract_id = c.contract_id
),

best as (
    select
        milestone_id,
        min(match_rank) as match_rank
    from candidates
    where match_rank is not null
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
        case bc.match_rank
            when 1 then 'exact_name'
            when 2 then 'name_in_text'
            when 3 then 'deliverable'
            when 4 then 'row_label'
            when 5 then 'evidence_text'
        end as match_method,
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
