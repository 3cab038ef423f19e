{#- Custom schemas are used as given (staging, intermediate, raw) instead of dbt's
    default "<target schema>_<custom>", and models without one land in the target's
    default schema, so analysts can `select * from market_basket` directly. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
