{% macro raw_input(entity) -%}
    {%- set path = var(entity ~ '_path', '') | string | trim -%}
    {%- if path == 'none' and entity == 'feedback' -%}
        ({{ empty_feedback_relation() }})
    {%- else -%}
        {{ raw_input_relation(entity) }}
    {%- endif -%}
{%- endmacro %}

{% macro raw_input_relation(entity) -%}
    {%- if raw_file_configured(entity) -%}
        {{ return(ref('raw_file_' ~ entity)) }}
    {%- else -%}
        {{ return(ref('raw_' ~ entity)) }}
    {%- endif -%}
{%- endmacro %}

{% macro empty_feedback_relation() -%}
    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as rating,
        cast(null as {{ dbt.type_string() }}) as reason_code,
        cast(null as {{ dbt.type_string() }}) as sentiment,
        cast(null as {{ dbt.type_string() }}) as feedback_date
    where 1 = 0
{%- endmacro %}
