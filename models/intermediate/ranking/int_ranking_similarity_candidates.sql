{{ config(materialized='table') }}
-- One row per customer × product recommended by item-to-item similarity (docs/ranking.md):
-- the candidates of customer_similarity_scores (accepted, in-stock, not bought, positive EASE
-- evidence summed over everything the customer has, times momentum; the best ranking_depth()
-- per customer), made readable for the ranking:
--   score  = score_cutoff + (1 - score_cutoff) * cume_dist of similarity_score over all
--            candidates: in (score_cutoff, 1], so only feedback (calibration) can push a
--            similarity row under the cutoff
--   reason = the three purchases with the largest positive weights, with names; the first is
--            the trigger_product ('segment' when only the segment and cluster point to it)
with scores as (
    select * from {{ ref('int_customer_similarity_scores') }}
),

profiles as (
    select * from {{ ref('int_customer_ranking_profiles') }}
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

kept as (
    select
        *,
        -- the share of all kept candidates with a similarity at most this one's: comparable
        -- across customers whatever the scale of the raw sums (data, similarity_l2_ratio)
        cume_dist() over (order by similarity_score) as similarity_percentile
    from scores
),

trigger_products as (
    select distinct
        customer_id,
        evidence_1 as product_id
    from scores
    where evidence_1 is not null
),

trigger_quantities as (
    {{ ranking_trigger_quantities('order_quantities', 'trigger_products') }}
),

named_evidence as (
    select
        kept.*,
        {{ dbt.concat(["kept.evidence_1", "coalesce(' ' || first_product.product_name, '')"]) }}
            as evidence_1_text,
        {{ dbt.concat(["kept.evidence_2", "coalesce(' ' || second_product.product_name, '')"]) }}
            as evidence_2_text,
        {{ dbt.concat(["kept.evidence_3", "coalesce(' ' || third_product.product_name, '')"]) }}
            as evidence_3_text
    from kept
    left join products as first_product on kept.evidence_1 = first_product.product_id
    left join products as second_product on kept.evidence_2 = second_product.product_id
    left join products as third_product on kept.evidence_3 = third_product.product_id
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
