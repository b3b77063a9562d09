{# Snapshots are stamped with the run's reference date instead of the wall clock, so `dbt_valid_from` reads
   "known as of logical date D" and re-running a date gives the same rows. The register's latest audit id is
   added as microseconds: two runs on the same date see different stamps only if the register changed in
   between (a version then never collides with the one it replaces). Overrides dbt-duckdb's now(). #}
{% macro duckdb__snapshot_get_time() -%}
    (
        {%- if var('as_of', none) -%}
            cast('{{ var("as_of") }}' as timestamp)
        {%- else -%}
            cast((select max(logical_date) from raw.extraction_runs) as timestamp)
        {%- endif %}
        + to_microseconds((select coalesce(max(audit_id), 0) from raw.audit_log))
    )
{%- endmacro %}
