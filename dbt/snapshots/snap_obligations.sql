{#
  SCD2 history of the register's obligations (one version per change), stamped with the run's reference
  date (macro duckdb__snapshot_get_time), so "what did we know on date X" is:
      select * from snapshots.snap_obligations
      where dbt_valid_from <= X and (dbt_valid_to > X or dbt_valid_to is null)
  A milestone that is removed or rejected gets its current version closed. History only moves forward: a
  run for a date older than the latest recorded one (a backfill) leaves the snapshot as it is.
#}
{% snapshot snap_obligations %}
{{ config(
    target_schema='snapshots',
    unique_key='milestone_id',
    strategy='check',
    check_cols='all',
    hard_deletes='invalidate',
) }}

{%- set history_ahead = false -%}
{%- if execute -%}
    {%- set existing = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
    {%- if existing is not none -%}
        {%- set latest = run_query("select cast(max(dbt_valid_from) as date) > " ~ as_of() ~ " from " ~ existing) -%}
        {%- set history_ahead = latest.columns[0].values()[0] -%}
    {%- endif -%}
{%- endif -%}

{%- if history_ahead %}
-- backfill of an earlier date: replay the current versions, so nothing changes
select
    milestone_id, contract_id, milestone_name, obligation_type, owner, lifecycle_status, review_status,
    amount, currency, percentage, confidence, due_date, rule_kind, rule_amount, rule_unit, rule_direction,
    rule_anchor, rule_frequency
from {{ this }}
where dbt_valid_to is null
{%- else %}
select
    m.milestone_id,
    m.contract_id,
    m.milestone_name,
    m.obligation_type,
    o.owner,
    m.lifecycle_status,
    m.review_status,
    m.amount,
    m.currency,
    m.percentage,
    m.confidence,
    m.due_date,
    m.rule_kind,
    m.rule_amount,
    m.rule_unit,
    m.rule_direction,
    m.rule_anchor,
    m.rule_frequency
from {{ ref('stg_register__milestones') }} as m
left join {{ ref('int_obligations_owned') }} as o on m.milestone_id = o.milestone_id
where m.review_status <> 'rejected'
{%- endif %}
{% endsnapshot %}
