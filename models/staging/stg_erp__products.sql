{{ config(post_hook="{{ check_quarantine_share('products') }}") }}
-- One row per raw product row, typed, with the reason it cannot be used (null = usable).
{%- set price_column = find_price_column(raw_input_relation('products')) %}
{%- set price_expression = try_to_double(decimal_text(clean_text(price_column))) if price_column
    else 'cast(null as ' ~ type_double() ~ ')' %}
{%- set raw_columns = raw_input_columns('products') %}
{%- do missing_optional_columns('products', log_them=true) %}
{%- set row_columns = [] %}
{%- for name in ['product_id', 'product_name', 'brand', 'l2_category', 'l3_category',
                 'functionality', 'in_stock'] + ([price_column] if price_column else []) %}
    {%- if name in raw_columns %}{% do row_columns.append(name) %}{% endif %}
{%- endfor %}

with source_rows as (
    select * from {{ raw_input('products') }}
),

cleaned as (
    select
        {{ clean_id('product_id') }} as product_id,
        {{ clean_label(raw_column('product_name', raw_columns)) }} as product_name,
        {{ clean_label(raw_column('brand', raw_columns)) }} as brand,
        {{ clean_label('l2_category') }} as l2_category,
        {{ clean_label('l3_category') }} as l3_category,
        {{ clean_label('functionality') }} as functionality,
        {{ try_to_boolean('in_stock') }} as in_stock_parsed,
        {{ clean_text('in_stock') }} as in_stock_text,
        {{ price_expression }} as unit_price,
        {{ clean_text(raw_column('reader_rejection', raw_columns)) }} as reader_rejection,
        {{ clean_text(raw_column('reader_reason', raw_columns)) }} as reader_reason,
        {{ raw_row_with_rejection(row_columns, raw_columns) }} as raw_row
    from source_rows
),

{{ staging_duplicate_numbers('cleaned', id_column='product_id') }},

flagged as (
    select
        product_id,
        product_name,
        brand,
        l2_category,
        l3_category,
        functionality,
        -- an availability nobody can read is treated as out of stock: never recommend it
        coalesce(in_stock_parsed, false) as in_stock,
        in_stock_parsed is null as in_stock_unreadable,
        -- not merchandise (postage, fees, adjustments): kept in the master, never in a basket
        {{ is_excluded_product('product_id') }} as is_excluded,
        case when unit_price >= 0 then unit_price end as unit_price,
        raw_row,
        case
            {{ staging_reader_reason() }}
            when product_id is null then 'missing_product_id'
            {{ staging_duplicate_reasons('duplicate_product_id') }}
        end as quarantine_reason
    from numbered
)

select * from flagged
