-- One row per raw feedback row (spec §3.4), typed, with the reason it cannot be used.
{%- set raw_columns = raw_input_columns('feedback') %}
{%- do missing_optional_columns('feedback', log_them=true) %}
{%- set date_format = input_date_format('feedback', 'feedback_date') %}
{%- set row_columns = [] %}
{%- for name in ['customer_id', 'product_id', 'rating', 'reason_code', 'sentiment', 'feedback_date'] %}
    {%- if name in raw_columns %}{% do row_columns.append(name) %}{% endif %}
{%- endfor %}

with source_rows as (
    select * from {{ raw_input('feedback') }}
),

cleaned as (
    select
        {{ clean_id('customer_id') }} as customer_id,
        {{ clean_id('product_id') }} as product_id,
        lower({{ clean_text('rating') }}) as rating_text,
        lower({{ clean_text(raw_column('reason_code', raw_columns)) }}) as reason_code,
        lower({{ clean_text(raw_column('sentiment', raw_columns)) }}) as sentiment_text,
        {{ input_timestamp(clean_text('feedback_date'), date_format) }} as feedback_at,
        {{ clean_text(raw_column('reader_rejection', raw_columns)) }} as reader_rejection,
        {{ clean_text(raw_column('reader_reason', raw_columns)) }} as reader_reason,
        {{ raw_row_with_rejection(row_columns, raw_columns) }} as raw_row
    from source_rows
),

{{ staging_duplicate_numbers('cleaned') }},

flagged as (
    select
        customer_id,
        product_id,
        case rating_text
            when 'high' then 'High'
            when 'medium' then 'Medium'
            when 'low' then 'Low'
        end as rating,
        reason_code,
        case when sentiment_text in ('positive', 'negative') then sentiment_text end as sentiment,
        cast(feedback_at as date) as feedback_date,
        raw_row,
        case
            {{ staging_reader_reason() }}
            when customer_id is null then 'missing_customer_id'
            when product_id is null then 'missing_product_id'
            when rating_text is null or rating_text not in ('high', 'medium', 'low')
                then 'invalid_rating'
            when feedback_at is null then 'unparseable_feedback_date'
            {{ staging_duplicate_reasons() }}
        end as quarantine_reason
    from numbered
)

select * from flagged
