{#- Median of a numeric expression (aggregate), interpolating between the two middle values
    for an even count on every engine. -#}
{% macro median(expr) -%}
    {{ return(adapter.dispatch('median', 'ipre')(expr)) }}
{%- endmacro %}

{#- SQL-standard ordered-set aggregate (Postgres, Snowflake, Spark 3.4+, …). -#}
{% macro default__median(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}

{% macro duckdb__median(expr) -%}
    quantile_cont({{ expr }}, 0.5)
{%- endmacro %}
