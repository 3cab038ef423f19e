{{ config(materialized='table') }}
-- One row per customer × candidate before feedback (spec §4.5), up to ranking_depth() per
-- customer (top_k, plus calibration_reserve with the similarity method: the backfill for rows
-- that calibration drops). The method's own products first (int_ranking_primary_recommendations:
-- similarity or rules), by their rank; the remaining slots are filled by the category-aware
-- fallback, in its own order (affinity, popularity, product id).
-- A fallback's score (docs/ranking.md) is a band just above the score cutoff, rising with the
-- category affinity, and never above the customer's lowest rule-based score that survives the
-- cutoff:  min(score_cutoff * (1.25 + affinity), that lowest rule score, 1.0).
-- So scores never increase with rank, and re-ranking by score alone keeps this order.
with rule_recommendations as (
    select * from {{ ref('int_ranking_primary_recommendations') }}
    where primary_rank <= {{ ranking_depth() }}
),

fallback_candidates as (
    select * from {{ ref('int_ranking_fallback_candidates') }}
),

customer_rule_counts as (
    select
        customer_id,
        count(*) as rule_count,
        min(case when score >= {{ var('score_cutoff') }} then score end) as lowest_kept_rule_score
    from rule_recommendations
    group by customer_id
),

rule_rows as (
    select
        customer_id,
        recommended_product,
        cluster_id,
        segment,
        l2_category,
        l3_category,
        trigger_product,
        support,
        weighted_support,
        confidence,
        lift,
        score,
        recommended_qty,
        reason,
        primary_rank as recommendation_rank,
        recommendation_source,
        trigger_count,
        base_score,
        l3_bonus,
        cast(null as {{ type_double() }}) as category_affinity
    from rule_recommendations
),

fallback_rows as (
    select
        fallback_candidates.customer_id,
        fallback_candidates.recommended_product,
        fallback_candidates.cluster_id,
        fallback_candidates.segment,
        fallback_candidates.l2_category,
        fallback_candidates.l3_category,
        'fallback' as trigger_product,
        cast(null as {{ type_double() }}) as support,  -- noqa: RF04
        cast(null as {{ type_double() }}) as weighted_support,
        cast(null as {{ type_double() }}) as confidence,
        cast(null as {{ type_double() }}) as lift,
        least(
            {{ var('score_cutoff') }} * (1.25 + fallback_candidates.category_affinity),
            coalesce(customer_rule_counts.lowest_kept_rule_score, 1.0),
            1.0
        ) as score,
        fallback_candidates.recommended_qty,
        fallback_candidates.reason,
        coalesce(customer_rule_counts.rule_count, 0) + fallback_candidates.fallback_order
            as recommendation_rank,
        'fallback' as recommendation_source,
        0 as trigger_count,
        cast(null as {{ type_double() }}) as base_score,
        cast(null as {{ type_double() }}) as l3_bonus,
        fallback_candidates.category_affinity
    from fallback_candidates
    left join customer_rule_counts
        on fallback_candidates.customer_id = customer_rule_counts.customer_id
    where
        coalesce(customer_rule_counts.rule_count, 0) + fallback_candidates.fallback_order
        <= {{ ranking_depth() }}
),

unioned as (
    select * from rule_rows
    union all
    select * from fallback_rows
),

final as (
    select
        customer_id,
        recommended_product,
        cluster_id,
        segment,
        l2_category,
        l3_category,
        trigger_product,
        cast(support as {{ type_double() }}) as support,  -- noqa: RF04
        cast(weighted_support as {{ type_double() }}) as weighted_support,
        cast(confidence as {{ type_double() }}) as confidence,
        cast(lift as {{ type_double() }}) as lift,
        cast(score as {{ type_double() }}) as score,
        cast(recommended_qty as {{ dbt.type_int() }}) as recommended_qty,
        reason,
        -- the spec's column name (§6)
        cast(recommendation_rank as {{ dbt.type_int() }}) as rank,  -- noqa: RF04
        recommendation_source,
        cast(trigger_count as {{ dbt.type_int() }}) as trigger_count,
        cast(base_score as {{ type_double() }}) as base_score,
        cast(l3_bonus as {{ type_double() }}) as l3_bonus,
        cast(category_affinity as {{ type_double() }}) as category_affinity
    from unioned
)

select * from final
