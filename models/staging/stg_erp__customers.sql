-- One row per raw customer row, typed, with the reason it cannot be used (null = usable).
{%- set raw_columns = raw_input_columns('customers') %}
{%- do missing_optional_columns('customers', log_them=true) %}
{%- set row_columns = ['customer_id'] + (['customer_name'] if 'customer_name' in raw_columns
    else []) + ['region', 'end_use'] %}

with source_rows as (
    select * from {{ raw_input('customers') }}
),

cleaned as (
    select
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text(raw_column('customer_name', raw_columns)) }} as customer_name,
        {{ clean_text('region') }} as region,
        {{ clean_text('end_use') }} as end_use,
        {{ clean_text(raw_column('reader_rejection', raw_columns)) }} as reader_rejection,
        {{ raw_row_with_rejection(row_columns, raw_columns) }} as raw_row
    from source_rows
),

copies_numbered as (
    select
        *,
        -- identical raw rows: keep one, quarantine the copies
        row_number() over (partition by raw_row order by raw_row) as copy_number
    from cleaned
),

numbered as (
    select
        *,
        -- same id with different attributes: keep the first in a stable order; the kept
        -- copy of a duplicated row (copy_number 1) always comes first among its copies
        row_number() over (
            partition by customer_id
            order by region, end_use, customer_name, raw_row, copy_number
        ) as id_number
    from copies_numbered
),

flagged as (
    select
        customer_id,
        customer_name,
        region,
        end_use,
        region || '_' || end_use as segment,
        raw_row,
        case
            when reader_rejection is not null then 'unparseable_line'
            when customer_id is null then 'missing_customer_id'
            when region is null or end_use is null then 'missing_segment'
            when copy_number > 1 then 'duplicate_row'
            when id_number > 1 then 'duplicate_customer_id'
        end as quarantine_reason
    from numbered
)

select * from flagged
