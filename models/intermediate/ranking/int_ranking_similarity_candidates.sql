{{ config(materialized='table') }}
-- One row per customer × product recommended by item-to-item similarity (docs/ranking.md):
-- an accepted, in-stock product the customer has not bought, whose EASE weights
-- (product_neighbours) summed over everything the customer bought are positive.
--   evidence_score       = sum over the customer's purchases i of weight(i -> product)
--   similarity_score     = evidence_score * momentum (int_product_momentum.momentum_factor, the
--                          recent-demand ratio to the power of its measured persistence), for a positive
--                          evidence_score only: recent demand reorders, it never creates evidence
--   supporting_purchases = purchases with a positive weight towards the product
--   score                = score_cutoff + (1 - score_cutoff) * cume_dist of similarity_score
--                          over all kept candidates: in (score_cutoff, 1], so only feedback
--                          (calibration) can push a similarity row under the cutoff
--   group_evidence_score = the part of evidence_score from the customer's segment and cluster
-- The three purchases with the largest positive weights are the reason's evidence; the first
-- is the trigger_product ('segment' when only the segment and cluster point to the product).
-- Only the best ranking_depth() products per customer are kept.
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

momentum as (
    select
        product_id,
        momentum_factor as momentum
    from {{ ref('int_product_momentum') }}
),

customer_evidence as (
    -- what the customer "has": the products bought, the segment and the cluster
    select
        customer_id,
        'product' as evidence_kind,
        product_id as evidence_id
    from basket
    union all
    select
        customer_id,
        'segment' as evidence_kind,
        segment as evidence_id
    from profiles
    union all
    select
        customer_id,
        'cluster' as evidence_kind,
        cluster_id as evidence_id
    from profiles
),

contributions as (
    select
        customer_evidence.customer_id,
        customer_evidence.evidence_kind,
        customer_evidence.evidence_id as trigger_product,
        neighbours.neighbour_product_id as recommended_product,
        neighbours.weight,
        -- weights carry 12 decimals: as whole units of 1e-12 they add exactly and fast, with
        -- the same result on every engine and in any order
        cast(round(neighbours.weight * 1e12, 0) as {{ dbt.type_bigint() }}) as weight_units
    from customer_evidence
    inner join neighbours
        on
            customer_evidence.evidence_kind = neighbours.evidence_kind
            and customer_evidence.evidence_id = neighbours.evidence_id
),

summed_all as (
    -- summed before any filter: the filters below then probe one row per customer × product
    -- instead of one per contribution (10 to 50 times fewer at 10M invoice lines)
    select
        customer_id,
        recommended_product,
        sum(weight_units) as evidence_units,
        sum(case when evidence_kind = 'product' then 0 else weight_units end) as group_units,
        sum(case when evidence_kind = 'product' and weight > 0 then 1 else 0 end)
            as supporting_purchases
    from contributions
    group by customer_id, recommended_product
),

summed as (
    select
        summed_all.customer_id,
        summed_all.recommended_product,
        cast(summed_all.evidence_units as {{ type_double() }}) / 1e12 as evidence_score,
        cast(summed_all.group_units as {{ type_double() }}) / 1e12 as group_evidence_score,
        summed_all.supporting_purchases
    from summed_all
    -- the recommended product is accepted and in stock
    inner join products on summed_all.recommended_product = products.product_id
    -- ... and not bought by the customer
    left join basket as already_bought
        on
            summed_all.customer_id = already_bought.customer_id
            and summed_all.recommended_product = already_bought.product_id
    where already_bought.product_id is null and summed_all.evidence_units > 0
),

scored as (
    select
        summed.*,
        coalesce(momentum.momentum, 1.0) as momentum,
        -- rounded so that the ranking never depends on the last bit of a product
        round(summed.evidence_score * coalesce(momentum.momentum, 1.0), 12) as similarity_score
    from summed
    left join momentum on summed.recommended_product = momentum.product_id
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_id
            order by similarity_score desc, recommended_product asc
        ) as similarity_rank
    from scored
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
        contributions.customer_id,
        contributions.recommended_product,
        contributions.trigger_product,
        row_number() over (
            partition by contributions.customer_id, contributions.recommended_product
            order by contributions.weight desc, contributions.trigger_product asc
        ) as evidence_order
    from contributions
    inner join kept
        on
            contributions.customer_id = kept.customer_id
            and contributions.recommended_product = kept.recommended_product
    where contributions.weight > 0 and contributions.evidence_kind = 'product'
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
        {{ dbt.concat(["evidence.evidence_1", "coalesce(' ' || first_product.product_name, '')"]) }}
            as evidence_1_text,
        {{ dbt.concat(["evidence.evidence_2", "coalesce(' ' || second_product.product_name, '')"]) }}
            as evidence_2_text,
        {{ dbt.concat(["evidence.evidence_3", "coalesce(' ' || third_product.product_name, '')"]) }}
            as evidence_3_text
    from kept
    left join evidence
        on
            kept.customer_id = evidence.customer_id
            and kept.recommended_product = evidence.recommended_product
    left join products as first_product on evidence.evidence_1 = first_product.product_id
    left join products as second_product on evidence.evidence_2 = second_product.product_id
    left join products as third_product on evidence.evidence_3 = third_product.product_id
),

explained as (
    select
        named_evidence.*,
        profiles.segment,
        profiles.cluster_id,
        case
            when named_evidence.evidence_1 is null
                then {{ dbt.concat(["'Popular with customers of your segment '", 'profiles.segment']) }}
            else {{ dbt.concat([
                "'Often bought with your '", 'named_evidence.evidence_1_text',
                "coalesce('; ' || named_evidence.evidence_2_text, '')",
                "coalesce('; ' || named_evidence.evidence_3_text, '')",
                "case when named_evidence.group_evidence_score > 0"
                ~ " then '; popular in your segment' else '' end",
            ]) }}
        end as evidence_text
    from named_evidence
    inner join profiles on named_evidence.customer_id = profiles.customer_id
),

final as (
    select
        explained.customer_id,
        explained.segment,
        explained.cluster_id,
        -- the purchase with the largest weight; 'segment' when only the segment and cluster
        -- point to the product
        coalesce(explained.evidence_1, 'segment') as trigger_product,
        explained.recommended_product,
        products.l2_category,
        products.l3_category,
        explained.evidence_score,
        explained.group_evidence_score,
        explained.momentum,
        explained.similarity_score,
        {{ var('score_cutoff') }} + (1.0 - {{ var('score_cutoff') }}) * explained.similarity_percentile
            as score,
        {{ ranking_whole_quantity('coalesce(trigger_quantities.median_order_quantity, 1)') }}
            as recommended_qty,
        cast(explained.supporting_purchases as {{ dbt.type_int() }}) as supporting_purchases,
        {{ dbt.concat([
            'explained.evidence_text',
            "' (evidence '", ranking_format_decimal('explained.evidence_score', 3),
            "' from '", dbt.cast('explained.supporting_purchases', dbt.type_string()),
            "' of your purchases; recent demand x'", ranking_format_decimal('explained.momentum', 2),
            "')'",
        ]) }} as reason,
        explained.similarity_rank
    from explained
    inner join products on explained.recommended_product = products.product_id
    left join trigger_quantities
        on
            explained.customer_id = trigger_quantities.customer_id
            and explained.evidence_1 = trigger_quantities.product_id
)

select * from final
