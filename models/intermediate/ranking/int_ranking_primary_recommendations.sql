-- One row per customer × product recommended by the ranking method's own evidence, before the
-- fallback fills the remaining slots (docs/ranking.md), ranked per customer (primary_rank):
--   ranking_method 'similarity' (default): int_ranking_similarity_candidates, source 'similarity'
--   ranking_method 'spec': the §4.5 association rules (int_ranking_rule_recommendations), 'rule'
--   ranking_method 'learned': the learned ranker (int_ranking_learned_candidates), 'learned';
--                 when the ranker was not trained (int_ranker_model), the similarity rows
-- Every input is always read, so the lineage does not change with the var; a method that is
-- not chosen contributes no row.
{%- set method = ranking_method() %}

with similarity_candidates as (
    select * from {{ ref('int_ranking_similarity_candidates') }}
),

learned_candidates as (
    select * from {{ ref('int_ranking_learned_candidates') }}
),

trained_ranker as (
    select status from {{ ref('int_ranker_model') }}
    where status = 'trained'
),

rule_recommendations as (
    select * from {{ ref('int_ranking_rule_recommendations') }}
),

similarity_rows as (
    select
        customer_id,
        segment,
        cluster_id,
        trigger_product,
        recommended_product,
        l2_category,
        l3_category,
        cast(null as {{ type_double() }}) as support,  -- noqa: RF04
        cast(null as {{ type_double() }}) as weighted_support,
        cast(null as {{ type_double() }}) as confidence,
        cast(null as {{ type_double() }}) as lift,
        score,
        recommended_qty,
        reason,
        similarity_rank as primary_rank,
        supporting_purchases as trigger_count,
        similarity_score as base_score,
        cast(null as {{ type_double() }}) as l3_bonus,
        'similarity' as recommendation_source
    from similarity_candidates
    where
        {{ 'true' if method == 'similarity' else 'false' }}
        or (
            {{ 'true' if method == 'learned' else 'false' }}
            and not exists (select 1 from trained_ranker)
        )
),

learned_rows as (
    select
        customer_id,
        segment,
        cluster_id,
        trigger_product,
        recommended_product,
        l2_category,
        l3_category,
        cast(null as {{ type_double() }}) as support,  -- noqa: RF04
        cast(null as {{ type_double() }}) as weighted_support,
        cast(null as {{ type_double() }}) as confidence,
        cast(null as {{ type_double() }}) as lift,
        score,
        recommended_qty,
        reason,
        ranker_rank as primary_rank,
        supporting_purchases as trigger_count,
        ranker_score as base_score,
        cast(null as {{ type_double() }}) as l3_bonus,
        'learned' as recommendation_source
    from learned_candidates
    where {{ 'true' if method == 'learned' else 'false' }}
),

rule_rows as (
    select
        customer_id,
        segment,
        cluster_id,
        trigger_product,
        recommended_product,
        l2_category,
        l3_category,
        support,
        weighted_support,
        confidence,
        lift,
        score,
        recommended_qty,
        reason,
        rule_rank as primary_rank,
        trigger_count,
        base_score,
        l3_bonus,
        'rule' as recommendation_source
    from rule_recommendations
    where {{ 'true' if method == 'spec' else 'false' }}
),

final as (
    select * from similarity_rows
    union all
    select * from learned_rows
    union all
    select * from rule_rows
)

select * from final
