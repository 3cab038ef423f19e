{{ config(materialized='table') }}
-- One row per customer × product recommended by item-to-item similarity (docs/ranking.md):
-- an accepted, in-stock product the customer has not bought, whose EASE weights
-- (product_neighbours) summed over everything the customer bought are positive.
--   similarity_score     = sum over the customer's purchases i of weight(i -> product)
--   supporting_purchases = purchases with a positive weight towards the product
--   score                = score_cutoff + (1 - score_cutoff) * cume_dist of similarity_score
--                          over all kept candidates: in (score_cutoff, 1], so only feedback
--                          (calibration) can push a similarity row under the cutoff
-- The three purchases with the largest positive weights are the reason's evidence; the first
-- is the trigger_product. Only the best ranking_depth() products per customer are kept.
with neighbours as (
    select * from {{ ref('product_neighbours') }}
),

profiles as (
    select * from {{ ref('int_customer_ranking_profiles') }}
),

basket as (
    select
        customer_id,
        product_id
    from {{ ref('market_basket') }}
),

products as (
    select
        product_id,
        product_name,
        l2_category,
        l3_category
    from {{ ref('stg_erp__products') }}
    where quarantine_reason is null and in_stock
),

order_quantities as (
    select * from {{ ref('int_order_quantities') }}
),

contributions as (
    select
        basket.customer_id,
        neighbours.product_id as trigger_product,
        neighbours.neighbour_product_id as recommended_product,
        neighbours.weight
    from basket
    inner join neighbours on basket.product_id = neighbours.product_id
),

available_contributions as (
    select contributions.*
    from contributions
    -- the recommended product is accepted and in stock
    inner join products on contributions.recommended_product = products.product_id
    -- ... and not bought by the customer
    left join basket as already_bought
        on
            contributions.customer_id = already_bought.customer_id
            and contributions.recommended_product = already_bought.product_id
    where already_bought.product_id is null
),

scored as (
    select
        customer_id,
        recommended_product,
        -- weights carry 12 decimals: an exact sum, equal on every engine
        {{ exact_sum('weight', 12) }} as similarity_score,
        sum(case when weight > 0 then 1 else 0 end) as supporting_purchases
    from available_contributions
    group by customer_id, recommended_product
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_id
            order by similarity_score desc, recommended_product asc
        ) as similarity_rank
    from scored
    where similarity_score > 0
),

kept as (
    select
        *,
        -- the share of all kept candidates with a similarity at most this one's: comparable
        -- across customers whatever the scale of the raw sums (data, similarity_l2_ratio)
        cume_dist() over (order by similarity_score) as similarity_percentile
    from ranked
    where similarity_rank <= {{ ranking_depth() }}
),

evidence_ordered as (
    select
        available_contributions.customer_id,
        available_contributions.recommended_product,
        available_contributions.trigger_product,
        row_number() over (
            partition by available_contributions.customer_id, available_contributions.recommended_product
            order by available_contributions.weight desc, available_contributions.trigger_product asc
        ) as evidence_order
    from available_contributions
    inner join kept
        on
            available_contributions.customer_id = kept.customer_id
            and available_contributions.recommended_product = kept.recommended_product
    where available_contributions.weight > 0
),

evidence as (
    select
        customer_id,
        recommended_product,
        max(case when evidence_order = 1 then trigger_product end) as evidence_1,
        max(case when evidence_order = 2 then trigger_product end) as evidence_2,
        max(case when evidence_order = 3 then trigger_product end) as evidence_3
    from evidence_ordered
    where evidence_order <= 3
    group by customer_id, recommended_product
),

trigger_quantities as (
    select
        customer_id,
        product_id,
        {{ median('order_quantity') }} as median_order_quantity
    from order_quantities
    group by customer_id, product_id
),

named_evidence as (
    select
        kept.*,
        evidence.evidence_1,
        evidence.evidence_2,
        evidence.evidence_3,
        {{ dbt.concat(["evidence.evidence_1", "coalesce(' ' || first_product.product_name, '')"]) }}
            as evidence_1_text,
        {{ dbt.concat(["evidence.evidence_2", "coalesce(' ' || second_product.product_name, '')"]) }}
            as evidence_2_text,
        {{ dbt.concat(["evidence.evidence_3", "coalesce(' ' || third_product.product_name, '')"]) }}
            as evidence_3_text
    from kept
    inner join evidence
        on
            kept.customer_id = evidence.customer_id
            and kept.recommended_product = evidence.recommended_product
    left join products as first_product on evidence.evidence_1 = first_product.product_id
    left join products as second_product on evidence.evidence_2 = second_product.product_id
    left join products as third_product on evidence.evidence_3 = third_product.product_id
),

final as (
    select
        named_evidence.customer_id,
        profiles.segment,
        profiles.cluster_id,
        named_evidence.evidence_1 as trigger_product,
        named_evidence.recommended_product,
        products.l2_category,
        products.l3_category,
        named_evidence.similarity_score,
        {{ var('score_cutoff') }} + (1.0 - {{ var('score_cutoff') }}) * named_evidence.similarity_percentile
            as score,
        {{ ranking_whole_quantity('coalesce(trigger_quantities.median_order_quantity, 1)') }}
            as recommended_qty,
        cast(named_evidence.supporting_purchases as {{ dbt.type_int() }}) as supporting_purchases,
        {{ dbt.concat([
            "'Often bought with your '", 'named_evidence.evidence_1_text',
            "coalesce('; ' || named_evidence.evidence_2_text, '')",
            "coalesce('; ' || named_evidence.evidence_3_text, '')",
            "' (similarity '", ranking_format_decimal('named_evidence.similarity_score', 3),
            "' from '", dbt.cast('named_evidence.supporting_purchases', dbt.type_string()),
            "' of your purchases)'",
        ]) }} as reason,
        named_evidence.similarity_rank
    from named_evidence
    inner join profiles on named_evidence.customer_id = profiles.customer_id
    inner join products on named_evidence.recommended_product = products.product_id
    left join trigger_quantities
        on
            named_evidence.customer_id = trigger_quantities.customer_id
            and named_evidence.evidence_1 = trigger_quantities.product_id
)

select * from final
