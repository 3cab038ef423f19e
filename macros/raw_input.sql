{% macro raw_input(entity) -%}
    {{ raw_input_relation(entity) }}
{%- endmacro %}

{% macro raw_input_relation(entity) -%}
    {{ return(ref('raw_file_' ~ entity)) }}
{%- endmacro %}

{% macro raw_file_model(entity) -%}
    {%- set path = var(entity ~ '_path', '') | string | trim -%}
    {%- if path == 'none' and entity == 'feedback' -%}
        {{ empty_feedback_relation() }}
    {%- elif raw_file_configured(entity) -%}
        {{ raw_file_lines(entity) }}
    {%- else -%}
        select * from {{ ref('raw_' ~ entity) }}
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
