{{ config(post_hook="{{ check_quarantine_share('customers') }}") }}
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
        {{ clean_id('customer_id') }} as customer_id,
        {{ clean_label(raw_column('customer_name', raw_columns)) }} as customer_name,
        {{ clean_label('region') }} as region,
        {{ clean_label('end_use') }} as end_use,
        {{ clean_text(raw_column('reader_rejection', raw_columns)) }} as reader_rejection,
        {{ clean_text(raw_column('reader_reason', raw_columns)) }} as reader_reason,
        {{ raw_row_with_rejection(row_columns, raw_columns) }} as raw_row
    from source_rows
),

{{ staging_duplicate_numbers('cleaned', id_column='customer_id',
    id_order=['region', 'end_use', 'customer_name']) }},

flagged as (
    select
        customer_id,
        customer_name,
        region,
        end_use,
        region || '_' || end_use as segment,
        raw_row,
        case
            {{ staging_reader_reason() }}
            when customer_id is null then 'missing_customer_id'
            when region is null or end_use is null then 'missing_segment'
            {{ staging_duplicate_reasons('duplicate_customer_id') }}
        end as quarantine_reason
    from numbered
)

select * from flagged
