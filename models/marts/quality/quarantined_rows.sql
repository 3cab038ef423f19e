-- One row per raw input row that the pipeline could not use, with the reason and the raw
-- row itself, so that nothing is dropped silently.
with customers as (
    select
        'customers' as source_name,
        quarantine_reason,
        raw_row
    from {{ ref('stg_erp__customers') }}
    where quarantine_reason is not null
),

products as (
    select
        'products' as source_name,
        quarantine_reason,
        raw_row
    from {{ ref('stg_erp__products') }}
    where quarantine_reason is not null
),

invoices as (
    select
        'invoices' as source_name,
        quarantine_reason,
        raw_row
    from {{ ref('int_invoices_validated') }}
    where quarantine_reason is not null
),

feedback as (
    select
        'feedback' as source_name,
        quarantine_reason,
        raw_row
    from {{ ref('int_feedback_validated') }}
    where quarantine_reason is not null
),

unioned as (
    select * from customers
    union all
    select * from products
    union all
    select * from invoices
    union all
    select * from feedback
),

final as (
    select
        source_name,
        quarantine_reason as reason_code,
        raw_row
    from unioned
)

select * from final
