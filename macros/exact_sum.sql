{#- Sum of a floating-point expression that gives the same bits on every run: each value is
    rounded to `scale` decimals and added as a decimal (exact), then returned as a double.
    A plain double sum depends on the order a parallel engine adds the values in, and its
    last-bit differences can flip a tie in a ranking between two runs on the same data. -#}
{% macro exact_sum(expr, scale=6) -%}
    cast(sum(cast({{ expr }} as decimal(38, {{ scale }}))) as {{ type_double() }})
{%- endmacro %}

{#- The same as a window aggregate: exact_window_sum('x', 'partition by customer_id'). -#}
{% macro exact_window_sum(expr, window, scale=6) -%}
    cast(sum(cast({{ expr }} as decimal(38, {{ scale }}))) over ({{ window }}) as {{ type_double() }})
{%- endmacro %}
