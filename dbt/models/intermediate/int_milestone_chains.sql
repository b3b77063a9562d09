-- One row per milestone with a resolved predecessor: the predecessor's state, and the nearest milestone up its
-- chain that is late (overdue or lapsed) and holds it up, through predecessors that are neither done nor late
-- themselves ("C waits on B, which waits on A, which is overdue": C is blocked by A at depth 2).
-- A milestone's state: completed when every occurrence is done or cancelled, else its earliest pending occurrence's.
-- Only resolved links are followed (cycle members never are) and walks stop after 50 steps: never loops.
with recursive dependencies as (
    select
        milestone_id,
        predecessor_milestone_id
    from {{ ref('int_milestone_dependencies') }}
    where dependency_status = 'resolved'
),

occurrences as (
    select * from {{ ref('int_obligations_statused') }}
),

milestone_states as (
    select
        milestone_id,
        case
            when bool_and(obligation_status in ('completed', 'cancelled')) then 'completed'
            else
                arg_min(obligation_status, coalesce(due_date, date '9999-12-31'))
                filter (where obligation_status not in ('completed', 'cancelled'))
        end as milestone_state,
        min(due_date) filter (where obligation_status not in ('completed', 'cancelled')) as next_due_date,
        max(completed_at) as completed_at
    from occurrences
    group by milestone_id
),

chain as (
    select
        milestone_id,
        predecessor_milestone_id as upstream_milestone_id,
        1 as chain_depth
    from dependencies
    union all
    select
        c.milestone_id,
        d.predecessor_milestone_id as upstream_milestone_id,
        c.chain_depth + 1 as chain_depth
    from chain as c
    inner join milestone_states as s on c.upstream_milestone_id = s.milestone_id
    inner join dependencies as d on c.upstream_milestone_id = d.milestone_id
    where c.chain_depth < 50 and s.milestone_state not in ('completed', 'cancelled', 'overdue', 'lapsed')
),

blockers as (
    select
        c.milestone_id,
        c.upstream_milestone_id as blocking_milestone_id,
        s.milestone_state as blocking_state,
        c.chain_depth as blocking_depth,
        s.next_due_date as blocking_due_date
    from chain as c
    inner join milestone_states as s on c.upstream_milestone_id = s.milestone_id
    where s.milestone_state in ('overdue', 'lapsed')
    qualify row_number() over (partition by c.milestone_id order by c.chain_depth) = 1
),

chain_lengths as (
    select
        milestone_id,
        max(chain_depth) as chain_length
    from chain
    group by milestone_id
),

final as (
    select
        d.milestone_id,
        d.predecessor_milestone_id,
        p.milestone_state as predecessor_state,
        b.blocking_milestone_id,
        b.blocking_state,
        b.blocking_depth,
        l.chain_length,
        p.next_due_date as predecessor_due_date,
        b.blocking_due_date,
        p.completed_at as predecessor_completed_at
    from dependencies as d
    left join milestone_states as p on d.predecessor_milestone_id = p.milestone_id
    left join blockers as b on d.milestone_id = b.milestone_id
    left join chain_lengths as l on d.milestone_id = l.milestone_id
)

select * from final
