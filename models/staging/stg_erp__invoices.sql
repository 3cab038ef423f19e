-- One row per raw invoice line, typed, with the first reason it cannot be used (null = usable).
-- Ids unknown to the customer and product masters are flagged downstream
-- (int_invoices_validated), since staging reads one source only.
with source_rows as (
    select * from {{ raw_input('invoices') }}
),

cleaned as (
    select
        {{ clean_text('invoice_id') }} as invoice_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('product_id') }} as product_id,
        {{ try_to_utc_timestamp(clean_text('invoice_date')) }} as invoiced_at,
        {{ clean_text('invoice_date') }} as invoice_date_text,
        {{ try_to_double(clean_text('quantity')) }} as quantity,
        {{ clean_text('quantity') }} as quantity_text,
        {{ raw_row_text(['invoice_id', 'invoice_date', 'customer_id', 'product_id', 'quantity']) }}
            as raw_row
    from source_rows
),

numbered as (
    select
        *,
        row_number() over (partition by raw_row order by raw_row) as copy_number
    from cleaned
),

flagged as (
    select
        invoice_id,
        customer_id,
        product_id,
        invoiced_at,
        cast(invoiced_at as date) as invoice_date,
        quantity,
        raw_row,
        case
            when invoice_id is null then 'missing_invoice_id'
            when customer_id is null then 'missing_customer_id'
            when product_id is null then 'missing_product_id'
            when invoice_date_text is null then 'missing_invoice_date'
            when invoiced_at is null then 'unparseable_invoice_date'
            when invoiced_at > {{ dbt.current_timestamp() }} then 'future_invoice_date'
            when quantity_text is null then 'missing_quantity'
            when quantity is null then 'non_numeric_quantity'
            when quantity <= 0 then 'non_positive_quantity'
            when copy_number > 1 then 'duplicate_row'
        end as quarantine_reason
    from numbered
)

select * from flagged
