{% macro exact_decimal_sum(expr, scale=6) -%}
    sum(cast({{ expr }} as decimal(38, {{ scale }})))
{%- endmacro %}

{% macro exact_sum(expr, scale=6) -%}
    cast({{ exact_decimal_sum(expr, scale) }} as {{ type_double() }})
{%- endmacro %}

{% macro exact_window_sum(expr, window, scale=6) -%}
    cast({{ exact_decimal_sum(expr, scale) }} over ({{ window }}) as {{ type_double() }})
{%- endmacro %}
