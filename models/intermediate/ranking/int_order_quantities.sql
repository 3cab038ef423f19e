-- A table, not a view: three ranking models read it (similarity, fallback and rule candidates),
-- and as a view each one grouped every line in scope again (a hash table of all invoice ×
-- product rows, the largest operator of int_ranking_similarity_candidates at 10M lines).
{{ config(materialized='table') }}
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
