{#- Median of a numeric expression (aggregate), interpolating between the two middle values
    for an even count on every engine. -#}
{% macro median(expr) -%}
    {{ return(adapter.dispatch('median', 'ipre')(expr)) }}
{%- endmacro %}

{% macro default__median(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}

{% macro duckdb__median(expr) -%}
    quantile_cont({{ expr }}, 0.5)
{%- endmacro %}
