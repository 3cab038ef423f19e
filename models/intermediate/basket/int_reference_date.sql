-- One row: the date every "days ago" in the pipeline is measured from (spec §4.1), never
-- the wall clock: max(invoice_date) of accepted invoices, or the var as_of_date when set
-- (a backtest rebuilds the past; later invoices are then ignored).
with accepted_invoices as (
    select invoice_date
    from {{ ref('int_invoices_validated') }}
    where quarantine_reason is null
),

reference as (
    select
        {% if var('as_of_date') -%}
        cast('{{ var("as_of_date") }}' as date) as reference_date,
        true as is_as_of,
        {%- else -%}
            max(invoice_date) as reference_date,
            false as is_as_of,
        {%- endif %}
        max(invoice_date) as last_invoice_date
    from accepted_invoices
),

final as (
    select
        reference_date,
        is_as_of,
        last_invoice_date,
        {{ var('recency_cutoff_days') }} as recency_cutoff_days,
        cast({{ dbt.dateadd('day', -1 * var('recency_cutoff_days'), 'reference_date') }} as date)
            as recency_start_date
    from reference
)

select * from final
