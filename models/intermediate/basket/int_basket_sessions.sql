{{ config(materialized='table') }}
-- The logic of the mart basket_sessions, a view over this table (intermediate models never read marts).
-- One row per basket × product: which products each customer bought in each basket
-- (purchases no further apart than the basket window, spec §4.4), with the basket's first
-- and last purchase dates and its age at the reference date.
with lines as (
    select * from {{ ref('int_invoice_lines_in_scope') }}
),

basketed_dates as (
    select * from {{ ref('int_purchase_dates_basketed') }}
),

reference as (
    select reference_date from {{ ref('int_reference_date') }}
),

lines_in_baskets as (
    select
        lines.customer_id,
        lines.segment,
        basketed_dates.global_basket_id,
        basketed_dates.basket_number,
        lines.product_id,
        lines.invoice_id,
        lines.invoice_date,
        lines.quantity
    from lines
    inner join basketed_dates
        on
            lines.customer_id = basketed_dates.customer_id
            and lines.invoice_date = basketed_dates.invoice_date
),

-- Grouped in two steps instead of counting distinct values: first one row per invoice ×
-- product, then per basket × product and per basket. count(distinct ...) made DuckDB group
-- the lines by the distinct keys and join the counts back to the sums (at 10M lines a 6M-row
-- join on five keys beside the groups).
invoice_products as (
    select
        customer_id,
        segment,
        global_basket_id,
        basket_number,
        product_id,
        invoice_id,
        min(invoice_date) as first_invoice_date,
        max(invoice_date) as last_invoice_date,
        {{ exact_decimal_sum('quantity') }} as invoice_quantity
    from lines_in_baskets
    group by customer_id, segment, global_basket_id, basket_number, product_id, invoice_id
),

basket_products as (
    select
        customer_id,
        segment,
        global_basket_id,
        basket_number,
        product_id,
        min(first_invoice_date) as first_invoice_date,
        max(last_invoice_date) as last_invoice_date,
        count(*) as invoice_count,
        {{ exact_sum('invoice_quantity') }} as total_quantity
    from invoice_products
    group by customer_id, segment, global_basket_id, basket_number, product_id
),

basket_bounds as (
    select
        global_basket_id,
        min(first_invoice_date) as basket_start_date,
        max(last_invoice_date) as basket_end_date,
        count(*) as basket_products
    from basket_products
    group by global_basket_id
),

final as (
    select
        basket_products.customer_id,
        basket_products.segment,
        basket_products.global_basket_id,
        basket_products.basket_number,
        basket_products.product_id,
        basket_bounds.basket_start_date,
        basket_bounds.basket_end_date,
        basket_bounds.basket_products,
        -- age of the basket for time decay: days from its last purchase to the reference date
        {{ dbt.datediff('basket_bounds.basket_end_date', 'reference.reference_date', 'day') }}
            as basket_age_days,
        basket_products.invoice_count,
        basket_products.total_quantity
    from basket_products
    inner join basket_bounds on basket_products.global_basket_id = basket_bounds.global_basket_id
    cross join reference
)

select * from final
