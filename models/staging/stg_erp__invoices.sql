-- One row per raw invoice line, typed, with the first reason it cannot be used (null = usable).
-- Ids unknown to the customer and product masters are flagged downstream
-- (int_invoices_validated), since staging reads one source only.
{%- set raw_columns = raw_input_columns('invoices') %}
{%- do missing_optional_columns('invoices', log_them=true) %}
{#- Without an invoice_id column an invoice is one customer's purchases on one day
    (docs/inputs.md): its id is derived below. A null id in a present column is still a
    missing_invoice_id. #}
{%- set has_invoice_id = 'invoice_id' in raw_columns %}
{#- one invoice per customer and day: a deterministic id from both #}
{%- set invoice_id_expression = 'invoice_id' if has_invoice_id else dbt.concat(
    ['customer_id', "'@'", dbt.cast(dbt.cast('invoiced_at', 'date'), dbt.type_string())]) %}
{%- set has_unit_price = 'unit_price' in raw_columns %}
{#- ISO, the var invoice_date_format, or the form detected from the data (macro input_date_format) #}
{%- set date_format = input_date_format('invoices', 'invoice_date') %}
{%- set row_columns = (['invoice_id'] if has_invoice_id else []) + ['invoice_date', 'customer_id',
    'product_id', 'quantity'] + (['unit_price'] if has_unit_price else []) %}

with source_rows as (
    select * from {{ raw_input('invoices') }}
),

cleaned as (
    select
        {{ clean_id(raw_column('invoice_id', raw_columns)) }} as invoice_id,
        {{ clean_id('customer_id') }} as customer_id,
        {{ clean_id('product_id') }} as product_id,
        {{ input_timestamp(clean_text('invoice_date'), date_format) }} as invoiced_at,
        {{ clean_text('invoice_date') }} as invoice_date_text,
        {{ try_to_double(decimal_text(clean_text('quantity'))) }} as quantity,
        {{ decimal_text(clean_text('quantity')) }} as quantity_text,
        {{ try_to_double(decimal_text(clean_text(raw_column('unit_price', raw_columns)))) }} as unit_price,
        {{ decimal_text(clean_text(raw_column('unit_price', raw_columns))) }} as unit_price_text,
        {{ clean_text(raw_column('reader_rejection', raw_columns)) }} as reader_rejection,
        {{ clean_text(raw_column('reader_reason', raw_columns)) }} as reader_reason,
        {{ raw_row_with_rejection(row_columns, raw_columns) }} as raw_row
    from source_rows
),

identified as (
    select
        {{ invoice_id_expression }} as invoice_id,
        customer_id,
        product_id,
        invoiced_at,
        invoice_date_text,
        quantity,
        quantity_text,
        unit_price,
        unit_price_text,
        reader_rejection,
        reader_reason,
        raw_row
    from cleaned
),

{{ staging_duplicate_numbers('identified') }},

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
            {{ staging_reader_reason() }}
            -- only an invoice_id column can hold a missing id; a derived one never does
            when {{ 'invoice_id is null' if has_invoice_id else 'false' }} then 'missing_invoice_id'
            when customer_id is null then 'missing_customer_id'
            when product_id is null then 'missing_product_id'
            when invoice_date_text is null then 'missing_invoice_date'
            when invoiced_at is null then 'unparseable_invoice_date'
            when invoiced_at > {{ dbt.current_timestamp() }} then 'future_invoice_date'
            -- a year-1 or 1900 date is a placeholder or a typo, not a purchase
            when invoiced_at < cast('{{ min_invoice_date() }}' as {{ dbt.type_timestamp() }})
                then 'implausible_invoice_date'
            when quantity_text is null then 'missing_quantity'
            when quantity is null then 'non_numeric_quantity'
            -- nan, inf and absurd magnitudes (nan compares greater than any number) would
            -- overflow the exact decimal sums downstream
            when abs(quantity) > {{ max_line_quantity() }} then 'non_finite_quantity'
            -- the cast accepts 1_000 or 0x10; a quantity must be written as a plain number
            when not {{ is_plain_number('quantity_text') }} then 'non_numeric_quantity'
            when quantity <= 0 then 'non_positive_quantity'
            {%- if has_unit_price %}
                -- a priced line must have a positive price: zero and negative prices are
                -- free goods, adjustments and write-offs, not purchases
                when
                    unit_price_text is not null
                    and (unit_price is null or not {{ is_plain_number('unit_price_text') }})
                    then 'non_numeric_unit_price'
                when unit_price <= 0 then 'non_positive_unit_price'
            {%- endif %}
            {{ staging_duplicate_reasons() }}
        end as quarantine_reason
    from numbered
)

select * from flagged
