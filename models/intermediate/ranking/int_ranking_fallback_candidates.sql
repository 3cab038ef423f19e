{{ config(materialized='table') }}
-- One row per customer × fallback candidate (spec §4.5 category-aware fallback): a product
-- bought by someone in the customer's segment (market_basket), accepted and in stock, that the
-- customer has not bought and that no rule already recommends to the customer.
-- category_affinity = the customer's share of units in the product's L2 (0 when none);
-- segment_popularity = distinct customers of the segment who bought the product.
-- fallback_order: affinity desc, then popularity desc, then product id.
-- Only candidates that can reach the customer's ranked list are kept: the method's own
-- products leave n = ranking_depth() - (their count) open slots, and within one L2 the order
-- is popularity then product id for every customer, so the best n survivors of an L2 are
-- among its first n + (products of that L2 the customer cannot get) by popularity. Customers
-- without an open slot get no row. This keeps the table at about (L2 categories × n) rows per
-- customer who needs a fallback instead of customers × segment products (137 million rows at
-- 1M invoice lines), with the same ranked list.
-- recommended_qty: the customer's median order quantity over the products of that L2; when
-- the customer never bought the L2, the segment's median order quantity of the product;
-- rounded to a whole unit, at least 1.
with profiles as (
    select * from {{ ref('int_customer_ranking_profiles') }}
),

basket as (
    select * from {{ ref('int_market_basket') }}
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
        segment,
        recommended_product,
        primary_rank
    from {{ ref('int_ranking_primary_recommendations') }}
),

open_slots as (
    -- slots the method's own products leave in the customer's ranked list: only that many
    -- fallback products can be used, and customers with no open slot need none
    select
        profiles.customer_id,
        {{ ranking_depth() }} - count(rule_recommendations.recommended_product) as open_slot_count
    from profiles
    left join rule_recommendations
        on
            profiles.customer_id = rule_recommendations.customer_id
            and rule_recommendations.primary_rank <= {{ ranking_depth() }}
    group by profiles.customer_id
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

segment_product_popularity as (
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

segment_products as (
    select
        *,
        -- join key that also matches a missing L2
        coalesce(l2_category, '<none>') as l2_key,
        row_number() over (
            partition by segment, l2_category
            order by segment_popularity desc, product_id asc
        ) as popularity_rank_in_l2
    from segment_product_popularity
),

customers_with_open_slots as (
    select customer_id from open_slots
    where open_slot_count > 0
),

unavailable as (
    -- products a customer cannot get as a fallback: bought, or already recommended by the
    -- method; only for customers with an open slot (the others need no fallback), each with
    -- the customer's segment, so that counting them per L2 below is a plain join on
    -- (segment, product). Joining through profiles instead closes a loop that DuckDB may
    -- start with customers × segment products (130 million rows at 1M invoice lines).
    select
        basket.customer_id,
        basket.segment,
        basket.product_id
    from basket
    inner join customers_with_open_slots
        on basket.customer_id = customers_with_open_slots.customer_id
    union
    select
        rule_recommendations.customer_id,
        rule_recommendations.segment,
        rule_recommendations.recommended_product as product_id
    from rule_recommendations
    inner join customers_with_open_slots
        on rule_recommendations.customer_id = customers_with_open_slots.customer_id
),

unavailable_per_l2 as (
    select
        unavailable.customer_id,
        segment_products.l2_key,
        count(*) as unavailable_products
    from unavailable
    inner join segment_products
        on
            unavailable.segment = segment_products.segment
            and unavailable.product_id = segment_products.product_id
    group by unavailable.customer_id, segment_products.l2_key
),

segment_l2s as (
    select distinct
        segment,
        l2_key
    from segment_products
),

customer_l2_depths as (
    select
        profiles.customer_id,
        profiles.segment,
        profiles.cluster_id,
        segment_l2s.l2_key,
        open_slots.open_slot_count + coalesce(unavailable_per_l2.unavailable_products, 0)
            as candidate_depth
    from profiles
    inner join open_slots on profiles.customer_id = open_slots.customer_id
    inner join segment_l2s on profiles.segment = segment_l2s.segment
    left join unavailable_per_l2
        on
            profiles.customer_id = unavailable_per_l2.customer_id
            and segment_l2s.l2_key = unavailable_per_l2.l2_key
    where open_slots.open_slot_count > 0
),

candidates as (
    select
        customer_l2_depths.customer_id,
        customer_l2_depths.segment,
        customer_l2_depths.cluster_id,
        segment_products.product_id as recommended_product,
        segment_products.l2_category,
        segment_products.l3_category,
        segment_products.segment_popularity
    from customer_l2_depths
    inner join segment_products
        on
            customer_l2_depths.segment = segment_products.segment
            and customer_l2_depths.l2_key = segment_products.l2_key
            and customer_l2_depths.candidate_depth >= segment_products.popularity_rank_in_l2
    left join unavailable
        on
            customer_l2_depths.customer_id = unavailable.customer_id
            and segment_products.product_id = unavailable.product_id
    where unavailable.product_id is null
),

customer_l2_quantities as (
    -- medians only where a candidate needs one (a median sorts its group: over every
    -- customer it is the most expensive step at 10M lines)
    select
        order_quantities.customer_id,
        order_quantities.l2_category,
        {{ median('order_quantities.order_quantity') }} as median_order_quantity
    from order_quantities
    inner join customers_with_open_slots
        on order_quantities.customer_id = customers_with_open_slots.customer_id
    group by order_quantities.customer_id, order_quantities.l2_category
),

candidate_segment_products as (
    select distinct
        segment,
        recommended_product
    from candidates
),

segment_product_quantities as (
    select
        order_quantities.segment,
        order_quantities.product_id,
        {{ median('order_quantities.order_quantity') }} as median_order_quantity
    from order_quantities
    inner join candidate_segment_products
        on
            order_quantities.segment = candidate_segment_products.segment
            and order_quantities.product_id = candidate_segment_products.recommended_product
    group by order_quantities.segment, order_quantities.product_id
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
