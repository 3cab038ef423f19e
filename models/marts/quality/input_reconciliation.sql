-- One row per raw source: rows read, accepted and quarantined (raw = accepted + quarantined),
-- and the optional columns the input lacks (docs/inputs.md), known when the model compiles.
{%- set sources = {
    'customers': 'stg_erp__customers',
    'products': 'stg_erp__products',
    'invoices': 'int_invoices_validated',
    'feedback': 'int_feedback_validated',
} %}

with
{%- for name, checked_model in sources.items() %}
    {{ name }}_raw as (
        select cast(count(*) as {{ dbt.type_bigint() }}) as raw_rows from {{ raw_input(name) }}
    ),

    {{ name }}_checked as (
        select
            cast(sum(case when quarantine_reason is null then 1 else 0 end) as {{ dbt.type_bigint() }})
                as accepted_rows,
            cast(sum(case when quarantine_reason is not null then 1 else 0 end) as {{ dbt.type_bigint() }})
                as quarantined_rows
        from {{ ref(checked_model) }}
    ),
{% endfor %}

reconciled as (
    {%- for name in sources %}
        select
            '{{ name }}' as source_name,
            {{ name }}_raw.raw_rows,
            coalesce({{ name }}_checked.accepted_rows, 0) as accepted_rows,
            coalesce({{ name }}_checked.quarantined_rows, 0) as quarantined_rows,
            {{ missing_columns_literal(name) }} as missing_optional_columns
        from {{ name }}_raw cross join {{ name }}_checked
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from reconciled
