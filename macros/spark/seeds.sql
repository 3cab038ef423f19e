{#- Seeds on Spark (dbt-spark 1.11, method session). Two fixes over dbt-spark's seed macros:
    1. The seed YAML declares column_types in DuckDB's spelling (varchar), which Spark SQL
       rejects without a length (DATATYPE_MISSING_SIZE): types are translated (spark_type).
    2. The session cursor pastes bindings into the SQL unescaped, so a value with a quote
       (Painter's Tape) breaks the insert: rows are rendered as escaped literals instead. -#}
{% macro spark__create_csv_table(model, agate_table) -%}
    {%- do spark_translate_column_types(model) -%}
    {{ return(dbt.spark__create_csv_table(model, agate_table)) }}
{%- endmacro %}

{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- do spark_translate_column_types(model) -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    cast({{ spark_seed_literal(value) }} as {{ types[loop.index0] }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%}){%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first %}{% do statements.append(sql) %}{% endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{%- endmacro %}

{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- else -%}
        '{{ (value | string) | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}

{% macro spark_translate_column_types(model) -%}
    {%- set declared = model['config'].get('column_types') or {} -%}
    {%- set translated = {} -%}
    {%- for name, type in declared.items() -%}
        {%- do translated.update({name: spark_type(type)}) -%}
    {%- endfor -%}
    {%- do model['config'].update({'column_types': translated}) -%}
{%- endmacro %}
