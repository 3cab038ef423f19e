{% macro raw_input(entity) -%}
    {{ raw_input_relation(entity) }}
{%- endmacro %}

{% macro raw_input_relation(entity) -%}
    {{ return(ref('raw_file_' ~ entity)) }}
{%- endmacro %}

{#- Where an entity's raw rows come from (docs/inputs.md): 'relation' (var <entity>_relation,
    a table or view), 'file' (var <entity>_path), 'derived' (a master built from the invoice
    lines: its path is none, or unset while the invoices are the user's), 'none' (no feedback)
    or 'sample' (the bundled seed). -#}
{% macro raw_input_kind(entity) -%}
    {%- set path = var(entity ~ '_path', '') | string | trim -%}
    {%- set relation = var(entity ~ '_relation', '') | string | trim -%}
    {%- if relation -%}{{ return('relation') }}{%- endif -%}
    {%- if path not in ('', 'none') -%}{{ return('file') }}{%- endif -%}
    {%- set users_invoices = entity != 'invoices' and raw_input_kind('invoices') != 'sample' -%}
    {%- if path == 'none' or users_invoices -%}
        {{ return('none' if entity == 'feedback' else 'derived') }}
    {%- endif -%}
    {{ return('sample') }}
{%- endmacro %}

{% macro raw_file_model(entity) -%}
    {%- set kind = raw_input_kind(entity) -%}
    {%- if kind == 'none' -%}
        {{ empty_feedback_relation() }}
    {%- elif kind == 'derived' -%}
        {{ derived_master(entity) }}
    {%- elif kind == 'relation' -%}
        {{ raw_relation_lines(entity) }}
    {%- elif kind == 'file' -%}
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
