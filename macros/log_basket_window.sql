{% macro log_basket_window(relation) -%}
    {%- if execute -%}
        {%- set row = run_query(
            'select window_days, median_gap_days, is_data_driven from ' ~ relation
        ).rows[0] -%}
        {{ log('basket window: ' ~ row[0] ~ ' days (data-driven: ' ~ row[2]
               ~ ', median gap: ' ~ row[1] ~ ' days)', info=true) }}
    {%- endif -%}
    select 1
{%- endmacro %}
