{#- An input that is a table or view (var <entity>_relation, declared as the source
    user_<entity> in models/staging/raw_files/_raw_files__models.yml): a table of an attached
    DuckDB database, or a Spark catalog table. Its columns are mapped as a file's are, every
    value cast to text, so that staging and quarantine are the same as for files. Portable. -#}

{% macro raw_relation_lines(entity) -%}
    {%- set relation = source('user_' ~ entity, entity) -%}
    {%- set what = entity ~ " relation '" ~ var(entity ~ '_relation') ~ "' (var " ~ entity
        ~ "_relation)" -%}
    {%- set column_map = {} -%}
    {%- if execute -%}
        {%- if load_relation(relation) is none -%}
            {{ exceptions.raise_compiler_error("The " ~ what ~ " does not exist (" ~ relation
                ~ "); on DuckDB attach its database in profiles.yml (docs/inputs.md).") }}
        {%- endif -%}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
        {%- do column_map.update(input_column_map(entity, columns, what)) -%}
        {%- do log_defaulted_columns(entity, column_map, what) -%}
    {%- else -%}
        {%- for name in raw_input_contract(entity).required -%}{%- do column_map.update({name: name}) -%}{%- endfor -%}
    {%- endif %}
select
    {%- for column in mapped_input_columns(entity, column_map) %}
    {{ column }},
    {%- endfor %}
    cast(null as {{ dbt.type_string() }}) as reader_rejection,
    cast(null as {{ dbt.type_string() }}) as reader_reason,
    cast(null as {{ dbt.type_string() }}) as raw_line
from {{ relation }}
{%- endmacro %}
