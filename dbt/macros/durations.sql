{# Parts of an ISO-8601 duration as found in the register ("P3Y", "P12M", "P90D", "P2W", "P1Y6M").
   Months and days are kept apart: a month is never 30 days. #}
{% macro iso_duration_months(column) -%}
    case when {{ column }} is not null then
        coalesce(cast(nullif(regexp_extract({{ column }}, '^P(?:(\d+)Y)?', 1), '') as integer), 0) * 12
        + coalesce(cast(nullif(regexp_extract({{ column }}, '^P(?:\d+Y)?(?:(\d+)M)?', 1), '') as integer), 0)
    end
{%- endmacro %}

{% macro iso_duration_days(column) -%}
    case when {{ column }} is not null then
        coalesce(cast(nullif(regexp_extract({{ column }}, '^P(?:\d+Y)?(?:\d+M)?(?:(\d+)W)?', 1), '') as integer), 0) * 7
        + coalesce(cast(nullif(regexp_extract({{ column }}, '^P(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:(\d+)D)?', 1), '') as integer), 0)
    end
{%- endmacro %}

{# `date_expr` moved by a duration kept as (months, days); both may be negative. Calendar units never roll. #}
{% macro add_months_days(date_expr, months_expr, days_expr) -%}
    cast(
        {{ date_expr }}
        + to_months(cast(coalesce({{ months_expr }}, 0) as integer))
        + to_days(cast(coalesce({{ days_expr }}, 0) as integer))
        as date
    )
{%- endmacro %}
