{{ config(materialized='table') }}
-- The logic of the mart association_rules, a view over this table (intermediate models never read marts).
-- One row per cluster × ordered product pair (product_a → product_b) that co-occur in the
-- cluster's baskets and pass the frequency floor (both products) and min_lift (spec §4.4).
with basket_products as (
    select * from {{ ref('int_basket_sessions') }}
),

clusters as (
    select
        customer_id,
        cluster_id
    from {{ ref('int_customer_clusters') }}
),

group_baskets_products as (
    select
        clusters.cluster_id,
        basket_products.segment,
        basket_products.global_basket_id,
        basket_products.product_id,
        basket_products.basket_age_days
    from basket_products
    inner join clusters on basket_products.customer_id = clusters.customer_id
),

{{ association_metric_ctes(['cluster_id', 'segment']) }},

final as (
    select
        cluster_id,
        segment,
        product_a,
        product_b,
        total_baskets,
        product_a_freq,
        product_b_freq,
        pair_freq,
        support,
        weighted_support,
        confidence,
        lift
    from rules
)

select * from final
