-- One row per segment × ordered product pair: the association metrics of
-- association_rules over all of the segment's baskets, without the cluster split, for
-- "customers who bought X also buy Y" look-ups.
with basket_products as (
    select * from {{ ref('basket_sessions') }}
),

group_baskets_products as (
    select
        segment,
        global_basket_id,
        product_id,
        basket_age_days
    from basket_products
),

{{ association_metric_ctes(['segment']) }},

final as (
    select
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
