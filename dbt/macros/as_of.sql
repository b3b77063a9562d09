{# The reference date for "as of" logic: the var when given, else the latest loaded logical date. #}
{% macro as_of() -%}
    {%- if var('as_of', none) -%}
        cast('{{ var("as_of") }}' as date)
    {%- else -%}
        (select max(logical_date) from {{ source('register', 'extraction_runs') }})
    {%- endif -%}
{%- endmacro %}
