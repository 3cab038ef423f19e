{#- The relation a staging model reads for one raw entity: the file named by the var
    `<entity>_path` (loaded by the model raw_file_<entity>, macros/raw_files.sql) when set,
    else the bundled sample seed `raw_<entity>`.
    For feedback, the value 'none' means "no feedback file": an empty relation with the
    feedback columns, so the pipeline still builds (spec §7.6). -#}
{% macro raw_input(entity) -%}
    {%- set path = var(entity ~ '_path', '') | string | trim -%}
    {%- if path == 'none' and entity == 'feedback' -%}
        ({{ empty_feedback_relation() }})
    {%- else -%}
        {{ raw_input_relation(entity) }}
    {%- endif -%}
{%- endmacro %}

{#- The relation object behind raw_input (a source or the sample seed), for macros that
    inspect it (e.g. find_price_column). -#}
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
