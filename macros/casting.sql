{#- Portable parsing helpers. Each returns null instead of failing, so that staging can
    route the row to quarantine with a reason. -#}

{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'ipre')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double{%- endmacro %}

{% macro type_json() -%}
    {{ return(adapter.dispatch('type_json', 'ipre')()) }}
{%- endmacro %}

{% macro default__type_json() -%}json{%- endmacro %}

{% macro try_to_double(expr) -%}
    {{ dbt.safe_cast(dbt.cast(expr, dbt.type_string()), type_double()) }}
{%- endmacro %}

{% macro try_to_utc_timestamp(expr) -%}
    {{ return(adapter.dispatch('try_to_utc_timestamp', 'ipre')(expr)) }}
{%- endmacro %}

{% macro default__try_to_utc_timestamp(expr) -%}
    to_utc_timestamp({{ dbt.safe_cast(dbt.cast(expr, dbt.type_string()), dbt.type_timestamp()) }}, 'UTC')
{%- endmacro %}

{% macro duckdb__try_to_utc_timestamp(expr) -%}
    (try_cast(cast({{ expr }} as varchar) as timestamptz) at time zone 'UTC')
{%- endmacro %}

{% macro try_to_boolean(expr) -%}
    case
        when lower(trim(cast({{ expr }} as {{ dbt.type_string() }}))) in ('true', 'yes', '1', 'y', 't')
            then true
        when lower(trim(cast({{ expr }} as {{ dbt.type_string() }}))) in ('false', 'no', '0', 'n', 'f')
            then false
    end
{%- endmacro %}

{% macro raw_row_text(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("'" ~ column ~ "='") -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
        {%- if not loop.last %}{% do parts.append("'; '") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}

{% macro relation_column_names(relation) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {#- a unit test's given input is a CTE, not a relation: its columns are not known here -#}
    {%- if not relation.schema or (relation.identifier or "").startswith("__dbt__cte__") -%}{{ return([]) }}{%- endif -%}
    {%- set file_backed = relation.external is defined and relation.external -%}
    {%- if not file_backed and load_relation(relation) is none -%}{{ return([]) }}{%- endif -%}
    {%- set result = run_query('select * from ' ~ relation ~ ' where 1 = 0') -%}
    {{ return(result.column_names | map('lower') | list) }}
{%- endmacro %}

{% macro find_price_column(relation) -%}
    {%- set names = relation_column_names(relation) -%}
    {%- for candidate in ['unit_price', 'price', 'list_price', 'unit_cost', 'sale_price'] -%}
        {%- if candidate in names -%}{{ return(candidate) }}{%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{% macro is_plain_number(expr) -%}
    {{ return(adapter.dispatch('is_plain_number', 'ipre')(expr)) }}
{%- endmacro %}

{% macro default__is_plain_number(expr) -%}
    ({{ expr }} rlike '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$')
{%- endmacro %}

{% macro duckdb__is_plain_number(expr) -%}
    regexp_full_match({{ expr }}, '[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?')
{%- endmacro %}

{% macro max_line_quantity() -%}1e9{%- endmacro %}

{% macro min_invoice_date() -%}
    {%- set value = var('min_invoice_date', '2000-01-01') | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', value) -%}
        {{ exceptions.raise_compiler_error(
            "The var min_invoice_date is '" ~ value ~ "': give a date as YYYY-MM-DD.") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{% macro raw_row_with_rejection(columns, raw_columns) -%}
    {%- if raw_columns is not none and 'reader_rejection' in raw_columns -%}
        coalesce(reader_rejection || ' | line: ' || coalesce(raw_line, '<null>'), {{ raw_row_text(columns) }})
    {%- else -%}
        {{ raw_row_text(columns) }}
    {%- endif -%}
{%- endmacro %}
