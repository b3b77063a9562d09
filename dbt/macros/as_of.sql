{# The reference date of every "as of" model: the `as_of` var when given (the DAG passes the run's logical
   date), else the latest logical date loaded into the register, so a plain `dbt build` is reproducible. #}
{% macro as_of() -%}
    {%- if var('as_of', none) -%}
        cast('{{ var("as_of") }}' as date)
    {%- else -%}
        (select max(logical_date) from {{ source('register', 'extraction_runs') }})
    {%- endif -%}
{%- endmacro %}
