{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_type(type) }})
{%- endmacro %}

{% macro spark_type(type) -%}
    {%- set name = type | string | trim | lower -%}
    {{ return('string' if name in ('varchar', 'text', 'char', 'bpchar', 'json') else type) }}
{%- endmacro %}

{% macro spark__type_json() -%}string{%- endmacro %}
