{#- The excluded_products var as a list of text ids: a YAML list (numbers become text) or
    comma-separated text (how SageMaker and the command line pass it). -#}
{% macro ipre_id_list(value) -%}
    {%- set items = value.split(',') if value is string else value -%}
    {%- set ids = [] -%}
    {%- for item in items -%}
        {%- if item is not none and (item | string | trim) -%}{%- do ids.append(item | string | trim) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(ids) }}
{%- endmacro %}

{% macro is_excluded_product(column) -%}
    {%- set ids = ipre_id_list(var('excluded_products')) -%}
    {%- if ids -%}
        coalesce({{ column }} in ('{{ ids | join("', '") }}'), false)
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}
