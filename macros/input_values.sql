{#- How a user's export writes ids and numbers (docs/inputs.md). Portable: Spark spells a
    regex back-reference $1 where DuckDB spells it \1. -#}

{#- An id: trimmed, and an integer-valued float (13085.0, as pandas and spreadsheets write a
    numeric id column with gaps) is the integer, so masters and lines agree. -#}
{% macro clean_id(expr) -%}
    {{ return(adapter.dispatch('clean_id', 'ipre')(expr)) }}
{%- endmacro %}

{% macro default__clean_id(expr) -%}
    regexp_replace({{ clean_text(expr) }}, '^([+-]?[0-9]+)[.]0+$', '\1')
{%- endmacro %}

{% macro spark__clean_id(expr) -%}
    regexp_replace({{ clean_text(expr) }}, '^([+-]?[0-9]+)[.]0+$', '$1')
{%- endmacro %}

{% macro decimal_separator() -%}
    {%- set value = var('decimal_separator', '.') | string -%}
    {%- if value not in ('.', ',') -%}
        {{ exceptions.raise_compiler_error("The var decimal_separator is '" ~ value
            ~ "': use . or , (a decimal comma, as European spreadsheets write numbers).") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- Number text as the plain-number checks and casts read it. With a decimal comma, a point
    is only a thousands separator in groups of three (1.234,5); any other point makes the
    value unreadable (it may be either), so it is quarantined rather than guessed. -#}
{% macro decimal_text(expr) -%}
    {%- if decimal_separator() == '.' -%}{{ return(expr) }}{%- endif -%}
    case
        when {{ regex_full_match(expr, '[+-]?[0-9]{1,3}([.][0-9]{3})+(,[0-9]*)?') }}
            then replace(replace({{ expr }}, '.', ''), ',', '.')
        when {{ expr }} like '%.%' then {{ expr }} || ' (a point with decimal_separator ,)'
        else replace({{ expr }}, ',', '.')
    end
{%- endmacro %}

{% macro regex_full_match(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match', 'ipre')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regex_full_match(expr, pattern) -%}
    ({{ expr }} rlike '^({{ pattern }})$')
{%- endmacro %}

{% macro duckdb__regex_full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}
