{{ config(contract={'enforced': true}) }}

-- One row per milestone that waits on another (the register's dependency graph): the predecessor it resolved
-- to and how, the predecessor's state, the date the predecessor's completion gave it, the late milestone up the
-- chain that holds it up, and — for links that could not be followed — the problem in words:
--   dangling        no milestone of the contract matches what depends_on names
--   ambiguous       several milestones match equally well
--   self_reference  the milestone names itself
--   cycle           following predecessors leads back to the milestone (reported, never followed)
with dependencies as (
    select * from {{ ref('int_milestone_dependencies') }}
),

milestones as (
    select * from {{ ref('stg_register__milestones') }}
),

contracts as (
    select * from {{ ref('stg_register__contracts') }}
),

dates as (
    select * from {{ ref('int_milestone_dependency_dates') }}
),

chains as (
    select * from {{ ref('int_milestone_chains') }}
),

final as (
    select
        d.milestone_id,
        d.contract_id,
        c.counterparty_id,
        d.predecessor_milestone_id,
        ch.blocking_milestone_id,
        c.counterparty,
        m.milestone_name,
        m.obligation_type,
        d.depends_on,
        p.milestone_name as predecessor_name,
        d.match_method,
        d.dependency_status,
        case d.dependency_status
            when 'dangling' then 'no milestone of this contract matches "' || d.depends_on || '"'
            when 'ambiguous' then cast(d.candidate_count as varchar) || ' milestones match "' || d.depends_on || '"'
            when 'self_reference' then 'names itself as its predecessor'
            when 'cycle' then 'dependency cycle through ' || coalesce(p.milestone_name, d.predecessor_milestone_id)
                || ': not followed'
        end as problem,
        ch.predecessor_state,
        ch.blocking_state,
        cast(d.candidate_count as integer) as candidate_count,
        cast(ch.blocking_depth as integer) as blocking_depth,
        cast(ch.chain_length as integer) as chain_length,
        dt.milestone_id is not null as is_dated_by_predecessor,
        ch.blocking_milestone_id is not null as is_blocked,
        ch.predecessor_completed_at,
        dt.anchor_date,
        coalesce(m.due_date, dt.due_date) as due_date,
        {{ as_of() }} as as_of_date
    from dependencies as d
    inner join milestones as m on d.milestone_id = m.milestone_id
    inner join contracts as c on d.contract_id = c.contract_id
    left join milestones as p on d.predecessor_milestone_id = p.milestone_id
    left join dates as dt on d.milestone_id = dt.milestone_id
    left join chains as ch on d.milestone_id = ch.milestone_id
)

select * from final
