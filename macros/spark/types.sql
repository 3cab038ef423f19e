{#- Type names on Spark. Model YAML (contracts, seeds' column_types) and some models spell
    types the DuckDB way; Spark SQL rejects varchar without a length and has no json type.
    dbt builds a contract's expected schema with dbt.cast(null, data_type), so translating
    here keeps one YAML for both engines. -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_type(type) }})
{%- endmacro %}

{#- A DuckDB type name in Spark's spelling: text types without a length and json → string;
    anything else unchanged. -#}
{% macro spark_type(type) -%}
    {%- set name = type | string | trim | lower -%}
    {{ return('string' if name in ('varchar', 'text', 'char', 'bpchar', 'json') else type) }}
{%- endmacro %}

{#- Spark has no JSON column type: JSON text is kept as string. -#}
{% macro spark__type_json() -%}string{%- endmacro %}
