-- One row per customer × fallback candidate (spec §4.5 category-aware fallback): a product
-- bought by someone in the customer's segment (market_basket), accepted and in stock, that the
-- customer has not bought and that no rule already recommends to the customer.
-- category_affinity = the customer's share of units in the product's L2 (0 when none);
-- segment_popularity = distinct customers of the segment who bought the product.
-- fallback_order: affinity desc, then popularity desc, then product id.
-- recommended_qty: the customer's median order quantity over the products of that L2; when
-- the customer never bought the L2, the segment's median order quantity of the product;
-- rounded to a whole unit, at least 1.
with profiles as (
    select * from {{ ref('int_customer_ranking_profiles') }}
),

basket as (
    select * from {{ ref('market_basket') }}
),

products as (
    select
        product_id,
        l2_category,
        l3_category
    from {{ ref('stg_erp__products') }}
    where quarantine_reason is null and in_stock
),

rule_recommendations as (
    select
        customer_id,
        recommended_product
    from {{ ref('int_ranking_rule_recommendations') }}
),

category_shares as (
    select distinct
        customer_id,
        l2_category,
        l2_share
    from {{ ref('int_customer_category_shares') }}
),

order_quantities as (
    select * from {{ ref('int_order_quantities') }}
),

segment_products as (
    select
        basket.segment,
        basket.product_id,
        products.l2_category,
        products.l3_category,
        count(distinct basket.customer_id) as segment_popularity
    from basket
    inner join products on basket.product_id = products.product_id
    group by basket.segment, basket.product_id, products.l2_category, products.l3_category
),

customer_l2_quantities as (
    select
        customer_id,
        l2_category,
        {{ ranking_median('order_quantity') }} as median_order_quantity
    from order_quantities
    group by customer_id, l2_category
),

segment_product_quantities as (
    select
        segment,
        product_id,
        {{ ranking_median('order_quantity') }} as median_order_quantity
    from order_quantities
    group by segment, product_id
),

candidates as (
    select
        profiles.customer_id,
        profiles.segment,
        profiles.cluster_id,
        segment_products.product_id as recommended_product,
        segment_products.l2_category,
        segment_products.l3_category,
        segment_products.segment_popularity
    from profiles
    inner join segment_products on profiles.segment = segment_products.segment
    left join basket as already_bought
        on
            profiles.customer_id = already_bought.customer_id
            and segment_products.product_id = already_bought.product_id
    left join rule_recommendations
        on
            profiles.customer_id = rule_recommendations.customer_id
            and segment_products.product_id = rule_recommendations.recommended_product
    where
        already_bought.product_id is null
        and rule_recommendations.recommended_product is null
),

with_affinity as (
    select
        candidates.*,
        coalesce(category_shares.l2_share, 0.0) as category_affinity,
        {{ ranking_whole_quantity(
            'coalesce(customer_l2_quantities.median_order_quantity,'
            ~ ' segment_product_quantities.median_order_quantity, 1)'
        ) }} as recommended_qty
    from candidates
    left join category_shares
        on
            candidates.customer_id = category_shares.customer_id
            and candidates.l2_category = category_shares.l2_category
    left join customer_l2_quantities
        on
            candidates.customer_id = customer_l2_quantities.customer_id
            and candidates.l2_category = customer_l2_quantities.l2_category
    left join segment_product_quantities
        on
            candidates.segment = segment_product_quantities.segment
            and candidates.recommended_product = segment_product_quantities.product_id
),

final as (
    select
        with_affinity.*,
        {{ dbt.concat([
            "'Category-affinity fallback: '", "coalesce(l2_category, 'Unknown')",
            "' affinity='", ranking_format_decimal('category_affinity', 2),
        ]) }} as reason,
        row_number() over (
            partition by with_affinity.customer_id
            order by
                with_affinity.category_affinity desc,
                with_affinity.segment_popularity desc,
                with_affinity.recommended_product asc
        ) as fallback_order
    from with_affinity
)

select * from final
