{#- A customers or products master built from the invoice lines, for an export that is one
    wide sales-lines file (docs/inputs.md, "Interactions only"): one row per id on any line,
    each attribute the value most lines give it (ties: the first in order), a missing one its
    contract default (one Unknown category, in stock); a product's price the median of its
    positive line prices. Ids are cleaned as staging cleans them, so masters and lines agree. -#}

{% macro derived_master_attributes(entity) -%}
    {{ return(['customer_name', 'region', 'end_use'] if entity == 'customers'
        else ['product_name', 'brand', 'l2_category', 'l3_category', 'functionality']) }}
{%- endmacro %}

{% macro derived_master(entity) -%}
{%- set line_columns = raw_input_columns('invoices') -%}
{%- set id_column = 'customer_id' if entity == 'customers' else 'product_id' -%}
{%- set attributes = derived_master_attributes(entity) -%}
{%- set defaults = raw_input_contract(entity).defaults -%}
{%- if execute and model.resource_type != 'unit_test' -%}
    {%- do log("No " ~ entity ~ " master: derived from the invoice lines ("
        ~ (attributes | select('in', line_columns) | join(', ') or 'ids only')
        ~ "; docs/inputs.md).", info=true) -%}
{%- endif %}
with invoice_lines as (
    select
        {{ clean_id(id_column) }} as master_id,
        {%- for attribute in attributes %}
        {{ clean_label(raw_column(attribute, line_columns)) }} as {{ attribute }},
        {%- endfor %}
        {{ try_to_double(decimal_text(clean_text(raw_column('unit_price', line_columns)))) }}
            as unit_price
    from {{ ref('raw_file_invoices') }}
),

master_ids as (
    select distinct master_id from invoice_lines where master_id is not null
),
{%- for attribute in attributes %}

{{ attribute }}_ranked as (
    select
        master_id,
        {{ attribute }},
        row_number() over (
            partition by master_id order by count(*) desc, {{ attribute }}
        ) as value_rank
    from invoice_lines
    where master_id is not null and {{ attribute }} is not null
    group by master_id, {{ attribute }}
),
{%- endfor %}

median_prices as (
    select
        master_id,
        {{ median('unit_price') }} as unit_price
    from invoice_lines
    where master_id is not null and unit_price > 0
    group by master_id
),

derived as (
    select
        master_ids.master_id as {{ id_column }},
        {%- for attribute in attributes %}
        {%- if attribute in defaults %}
        coalesce({{ attribute }}_ranked.{{ attribute }}, '{{ defaults[attribute] }}') as {{ attribute }},
        {%- else %}
        {{ attribute }}_ranked.{{ attribute }},
        {%- endif %}
        {%- endfor %}
        {%- if entity == 'products' %}
        '{{ defaults.in_stock }}' as in_stock,
        -- written as the input writes numbers: staging reads it with the same separator
        {{ "replace(" if decimal_separator() == ',' }}cast(median_prices.unit_price as {{ dbt.type_string() }})
        {{- ", '.', ',')" if decimal_separator() == ',' }} as unit_price,
        {%- endif %}
        cast(null as {{ dbt.type_string() }}) as reader_rejection,
        cast(null as {{ dbt.type_string() }}) as reader_reason,
        cast(null as {{ dbt.type_string() }}) as raw_line
    from master_ids
    {%- for attribute in attributes %}
    left join {{ attribute }}_ranked
        on master_ids.master_id = {{ attribute }}_ranked.master_id
        and {{ attribute }}_ranked.value_rank = 1
    {%- endfor %}
    left join median_prices on master_ids.master_id = median_prices.master_id
)

select * from derived
{%- endmacro %}
