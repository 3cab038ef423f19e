-- One row per invoice × product: the units of the product on that invoice (lines summed),
-- the "order quantity" whose median becomes recommended_qty (spec §6).
with lines as (
    select * from {{ ref('int_invoice_lines_in_scope') }}
),

orders as (
    select
        invoice_id,
        customer_id,
        segment,
        product_id,
        l2_category,
        {{ exact_sum('quantity') }} as order_quantity
    from lines
    group by invoice_id, customer_id, segment, product_id, l2_category
)

select * from orders
