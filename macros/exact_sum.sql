{% macro exact_sum(expr, scale=6) -%}
    cast(sum(cast({{ expr }} as decimal(38, {{ scale }}))) as {{ type_double() }})
{%- endmacro %}

{% macro exact_window_sum(expr, window, scale=6) -%}
    cast(sum(cast({{ expr }} as decimal(38, {{ scale }}))) over ({{ window }}) as {{ type_double() }})
{%- endmacro %}
