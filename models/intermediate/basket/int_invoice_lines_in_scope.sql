{{ config(materialized='table') }}
-- A table, not a view: about ten models read it (docs/benchmarks.md).
-- One row per accepted invoice line used by the pipeline: dated within the recency cutoff
-- before the reference date (and not after it), bought by a customer with at least
-- min_order_count distinct invoices in that window, of a product that is not in
-- excluded_products. Customer and product attributes joined.
with accepted_invoices as (
    select *
    from {{ ref('int_invoices_validated') }}
    where quarantine_reason is null
),

reference as (
    select * from {{ ref('int_reference_date') }}
),

customers as (
    select * from {{ ref('stg_erp__customers') }}
    where quarantine_reason is null
),

products as (
    -- excluded products (postage, fees) are sold but never merchandise to recommend
    select * from {{ ref('stg_erp__products') }}
    where quarantine_reason is null and not is_excluded
),

in_window as (
    -- lines of excluded products are not orders either: they count toward no min_order_count
    select
        accepted_invoices.invoice_id,
        accepted_invoices.invoiced_at,
        accepted_invoices.invoice_date,
        accepted_invoices.customer_id,
        accepted_invoices.product_id,
        accepted_invoices.quantity,
        products.brand,
        products.l2_category,
        products.l3_category,
        products.functionality,
        products.in_stock,
        products.unit_price
    from accepted_invoices
    cross join reference
    inner join products on accepted_invoices.product_id = products.product_id
    -- "older than recency_cutoff_days" is excluded: a line exactly that old is kept
    where
        accepted_invoices.invoice_date <= reference.reference_date
        and accepted_invoices.invoice_date >= reference.recency_start_date
),

customer_orders as (
    select
        customer_id,
        count(distinct invoice_id) as order_count
    from in_window
    group by customer_id
),

joined as (
    select
        in_window.invoice_id,
        in_window.invoiced_at,
        in_window.invoice_date,
        in_window.customer_id,
        customers.segment,
        customers.region,
        customers.end_use,
        in_window.product_id,
        in_window.brand,
        in_window.l2_category,
        in_window.l3_category,
        in_window.functionality,
        in_window.in_stock,
        in_window.unit_price,
        in_window.quantity,
        in_window.quantity * in_window.unit_price as line_spend
    from in_window
    inner join customer_orders on in_window.customer_id = customer_orders.customer_id
    inner join customers on in_window.customer_id = customers.customer_id
    where customer_orders.order_count >= {{ var('min_order_count') }}
)

select * from joined
