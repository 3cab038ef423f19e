{{ config(materialized='table') }}
-- A table, not a view: several models and data tests read it (docs/benchmarks.md).
-- One row per customer × association rule that may recommend something to the customer
-- (spec §4.5 filters), with ranking_method 'spec' (empty with 'similarity', which reads
-- none): a rule of the customer's cluster whose trigger (product_a) the customer bought,
-- recommending an accepted, in-stock product (product_b) the customer has not bought,
-- with support >= min_support, confidence >= min_confidence and lift >= min_lift.
-- Scored exactly as §4.5:
--   base_score = w_conf * confidence + w_supp * coalesce(weighted_support, support)
--              + w_lift * clamp((lift - 1) / (max_lift_normalise - 1), 0, 1)
--              + w_recency * recency_score
--   l3_bonus   = customer's share of units in the product's L3 * l3_tiebreak_margin
--   score      = min(base_score + l3_bonus, 1.0)
with rules as (
    select * from {{ ref('int_association_rules') }}
),

profiles as (
    select * from {{ ref('int_customer_ranking_profiles') }}
),

basket as (
    select
        customer_id,
        product_id
    from {{ ref('int_market_basket') }}
),

products as (
    select
        product_id,
        l2_category,
        l3_category
    from {{ ref('stg_erp__products') }}
    where quarantine_reason is null and in_stock
),

category_shares as (
    select * from {{ ref('int_customer_category_shares') }}
),

order_quantities as (
    select * from {{ ref('int_order_quantities') }}
),

trigger_quantities as (
    select
        customer_id,
        product_id,
        {{ median('order_quantity') }} as median_order_quantity
    from order_quantities
    group by customer_id, product_id
),

eligible_rules as (
    select *
    from rules
    where
        -- rule candidates are the spec method's; the similarity method reads none of them, so
        -- the table is empty then (the association rules themselves are still built)
        {{ 'true' if ranking_method() == 'spec' else 'false' }}
        and support >= {{ var('min_support') }}
        and confidence >= {{ var('min_confidence') }}
        and lift >= {{ var('min_lift') }}
),

customer_rules as (
    select
        profiles.customer_id,
        profiles.segment,
        profiles.cluster_id,
        profiles.recency_score,
        eligible_rules.product_a as trigger_product,
        eligible_rules.product_b as recommended_product,
        products.l2_category,
        products.l3_category,
        eligible_rules.support,
        eligible_rules.weighted_support,
        eligible_rules.confidence,
        eligible_rules.lift
    from profiles
    inner join eligible_rules on profiles.cluster_id = eligible_rules.cluster_id
    -- the trigger was bought by the customer
    inner join basket as triggers
        on
            profiles.customer_id = triggers.customer_id
            and eligible_rules.product_a = triggers.product_id
    -- the recommended product is accepted and in stock
    inner join products on eligible_rules.product_b = products.product_id
    -- ... and not bought by the customer
    left join basket as already_bought
        on
            profiles.customer_id = already_bought.customer_id
            and eligible_rules.product_b = already_bought.product_id
    where already_bought.product_id is null
),

scored as (
    select
        customer_rules.*,
        {{ ranking_clamp(
            '(customer_rules.lift - 1.0) / (' ~ var('max_lift_normalise') ~ ' - 1.0)', 0.0, 1.0
        ) }} as lift_normalised,
        coalesce(category_shares.l3_share, 0.0) as l3_share
    from customer_rules
    left join category_shares
        on
            customer_rules.customer_id = category_shares.customer_id
            and customer_rules.l2_category = category_shares.l2_category
            and customer_rules.l3_category = category_shares.l3_category
),

with_base_score as (
    select
        scored.*,
        {{ var('w_conf') }} * scored.confidence
        + {{ var('w_supp') }} * coalesce(scored.weighted_support, scored.support)
        + {{ var('w_lift') }} * scored.lift_normalised
        + {{ var('w_recency') }} * scored.recency_score as base_score,
        scored.l3_share * {{ var('l3_tiebreak_margin') }} as l3_bonus
    from scored
),

final as (
    select
        with_base_score.customer_id,
        with_base_score.segment,
        with_base_score.cluster_id,
        with_base_score.trigger_product,
        with_base_score.recommended_product,
        with_base_score.l2_category,
        with_base_score.l3_category,
        with_base_score.support,
        with_base_score.weighted_support,
        with_base_score.confidence,
        with_base_score.lift,
        with_base_score.lift_normalised,
        with_base_score.recency_score,
        with_base_score.base_score,
        with_base_score.l3_share,
        with_base_score.l3_bonus,
        least(with_base_score.base_score + with_base_score.l3_bonus, 1.0) as score,
        {{ ranking_whole_quantity('trigger_quantities.median_order_quantity') }} as recommended_qty
    from with_base_score
    left join trigger_quantities
        on
            with_base_score.customer_id = trigger_quantities.customer_id
            and with_base_score.trigger_product = trigger_quantities.product_id
)

select * from final
