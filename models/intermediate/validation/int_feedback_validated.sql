-- One row per raw feedback row with its final quarantine reason (null = accepted).
with feedback as (
    select * from {{ ref('stg_crm__feedback') }}
),

customers as (
    select customer_id from {{ ref('stg_erp__customers') }}
    where quarantine_reason is null
),

products as (
    select product_id from {{ ref('stg_erp__products') }}
    where quarantine_reason is null
),

validated as (
    select
        feedback.customer_id,
        feedback.product_id,
        feedback.rating,
        feedback.reason_code,
        feedback.sentiment,
        feedback.feedback_date,
        feedback.raw_row,
        coalesce(
            feedback.quarantine_reason,
            case
                when customers.customer_id is null then 'unknown_customer_id'
                when products.product_id is null then 'unknown_product_id'
            end
        ) as quarantine_reason
    from feedback
    left join customers on feedback.customer_id = customers.customer_id
    left join products on feedback.product_id = products.product_id
)

select * from validated
