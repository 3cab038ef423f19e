{{ config(materialized='table') }}
-- The logic of the mart market_basket, a view over this table (intermediate models never read marts).
-- One row per customer × product bought within the recency window (spec §4.1): purchase
-- counts, quantity, spend and recency, the customer's RFM scores, and the price band of
-- the product within the customer's segment (region_end_use).
with lines as (
    select * from {{ ref('int_invoice_lines_in_scope') }}
),

reference as (
    select reference_date from {{ ref('int_reference_date') }}
),

rfm as (
    select * from {{ ref('int_customer_rfm') }}
),

price_bands as (
    select * from {{ ref('int_segment_price_bands') }}
),

customers as (
    select
        customer_id,
        segment,
        region,
        end_use
    from {{ ref('stg_erp__customers') }}
    where quarantine_reason is null
),

products as (
    select
        product_id,
        brand,
        l2_category,
        l3_category,
        functionality,
        in_stock,
        unit_price
    from {{ ref('stg_erp__products') }}
    where quarantine_reason is null
),

-- grouped by the two ids only, the attributes joined after: grouping by eleven columns
-- hashed every attribute of every line (2.5-3x slower on the real data, docs/benchmarks.md)
customer_products_grouped as (
    select
        customer_id,
        product_id,
        count(distinct invoice_id) as purchase_frequency,
        {{ exact_sum('quantity') }} as total_quantity,
        {{ exact_sum('line_spend') }} as total_spend,
        min(invoice_date) as first_purchase_date,
        max(invoice_date) as last_purchase_date
    from lines
    group by customer_id, product_id
),

customer_products as (
    select
        customer_products_grouped.customer_id,
        customers.segment,
        customers.region,
        customers.end_use,
        customer_products_grouped.product_id,
        products.brand,
        products.l2_category,
        products.l3_category,
        products.functionality,
        products.in_stock,
        products.unit_price,
        customer_products_grouped.purchase_frequency,
        customer_products_grouped.total_quantity,
        customer_products_grouped.total_spend,
        customer_products_grouped.first_purchase_date,
        customer_products_grouped.last_purchase_date
    from customer_products_grouped
    inner join customers on customer_products_grouped.customer_id = customers.customer_id
    inner join products on customer_products_grouped.product_id = products.product_id
),

final as (
    select
        customer_products.customer_id,
        customer_products.segment,
        customer_products.region,
        customer_products.end_use,
        customer_products.product_id,
        customer_products.brand,
        customer_products.l2_category,
        customer_products.l3_category,
        customer_products.functionality,
        customer_products.in_stock,
        customer_products.unit_price,
        customer_products.purchase_frequency,
        customer_products.total_quantity,
        customer_products.total_spend,
        customer_products.first_purchase_date,
        customer_products.last_purchase_date,
        {{ dbt.datediff('customer_products.last_purchase_date', 'reference.reference_date', 'day') }}
            as recency_days,
        rfm.rfm_recency,
        rfm.rfm_frequency,
        rfm.rfm_monetary,
        rfm.rfm_recency_score,
        rfm.rfm_frequency_score,
        rfm.rfm_monetary_score,
        coalesce(price_bands.price_band, 'Unknown') as price_band,
        reference.reference_date
    from customer_products
    cross join reference
    inner join rfm on customer_products.customer_id = rfm.customer_id
    left join price_bands
        on
            customer_products.segment = price_bands.segment
            and customer_products.product_id = price_bands.product_id
)

select * from final
