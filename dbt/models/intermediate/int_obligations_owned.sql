-- Each milestone with its owner: the most specific rule that matches wins — contract > counterparty > obligation
-- type > default — from the owner_map seed and the admin's rules in the review app; at the same specificity an
-- admin rule wins over a seed rule.
{%- set rule_columns = ['rule_id', 'contract_id', 'counterparty', 'obligation_type', 'owner', 'owner_kind',
    'owner_email', 'owner_channel', 'manager', 'manager_email', 'jira_project', 'asana_project'] %}
with milestones as (
    select * from {{ ref('stg_register__milestones') }}
),

contracts as (
    select * from {{ ref('stg_register__contracts') }}
),

owner_map as (
    select
        {{ rule_columns | join(',\n        ') }},
        1 as origin_rank
    from {{ ref('owner_map') }}
    union all
    select
        {{ rule_columns | join(',\n        ') }},
        0 as origin_rank
    from {{ ref('stg_register__owner_rules') }}
),

candidates as (
    select
        m.milestone_id,
        o.rule_id,
        o.owner,
        o.owner_kind,
        o.owner_email,
        o.owner_channel,
        o.manager,
        o.manager_email,
        o.jira_project,
        o.asana_project,
        o.origin_rank,
        case
            when o.contract_id is not null then 3
            when o.counterparty is not null then 2
            when o.obligation_type is not null then 1
            else 0
        end as specificity
    from milestones as m
    left join contracts as c on m.contract_id = c.contract_id
    inner join owner_map as o
        on
            (o.contract_id is null or m.contract_id = o.contract_id)
            and (o.counterparty is null or c.counterparty = o.counterparty)
            and (o.obligation_type is null or m.obligation_type = o.obligation_type)
),

ranked as (
    select
        *,
        row_number() over (
            partition by milestone_id
            order by specificity desc, origin_rank asc, rule_id asc
        ) as rank_in_milestone
    from candidates
),

final as (
    select
        milestone_id,
        rule_id as owner_rule_id,
        owner,
        owner_kind,
        owner_email,
        owner_channel,
        manager,
        manager_email,
        jira_project,
        asana_project,
        rule_id = 'default' as is_default_owner
    from ranked
    where rank_in_milestone = 1
)

select * from final
