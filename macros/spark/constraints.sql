{% macro spark__persist_constraints(relation, model) -%}
    {%- if config.get('file_format') in ['delta'] -%}
        {%- do dbt.spark__persist_constraints(relation, model) -%}
    {%- elif config.get('contract').enforced -%}
        {%- do spark_check_not_null_constraints(relation, model.columns) -%}
    {%- endif -%}
{%- endmacro %}

{% macro spark_check_not_null_constraints(relation, columns) -%}
    {%- set checked = [] -%}
    {%- for name, column in columns.items() -%}
        {%- if column.get('constraints', []) | selectattr('type', 'equalto', 'not_null') | list -%}
            {%- do checked.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if checked -%}
        {%- set counts -%}
            select
            {%- for name in checked %}
                sum(case when {{ name }} is null then 1 else 0 end) as {{ name }}{{ ',' if not loop.last }}
            {%- endfor %}
            from {{ relation }}
        {%- endset -%}
        {%- set row = run_query(counts).rows[0] -%}
        {%- for name in checked -%}
            {%- if (row[loop.index0] or 0) > 0 -%}
                {{ exceptions.raise_compiler_error(
                    'not_null constraint violated: ' ~ relation ~ '.' ~ name ~ ' has '
                    ~ row[loop.index0] ~ ' null value(s)') }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
