{% macro clean_text(expr) -%}
    nullif(trim(cast({{ expr }} as {{ dbt.type_string() }})), '')
{%- endmacro %}

{#- Spreadsheet and pandas exports write a missing value as one of these words (pandas'
    default NA strings, less 'NA', which is also a region code); compared lower-cased. -#}
{% macro missing_text_tokens() -%}
    {{ return(['nan', '-nan', 'null', 'none', 'n/a', '#n/a', '<na>']) }}
{%- endmacro %}

{% macro clean_label(expr) -%}
    case
        when lower({{ clean_text(expr) }}) in ('{{ missing_text_tokens() | join("', '") }}') then null
        else {{ clean_text(expr) }}
    end
{%- endmacro %}
