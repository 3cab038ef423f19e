-- sqlfluff:indentation:template_blocks_indent:false
-- One row per customer × product recommended by the ranking method's own evidence, before the
-- fallback fills the remaining slots (docs/ranking.md), ranked per customer (primary_rank):
--   ranking_method 'similarity' (default): int_ranking_similarity_candidates, source 'similarity'
--   ranking_method 'spec': the §4.5 association rules (int_ranking_rule_recommendations), 'rule'
--   ranking_method 'learned': the learned ranker (int_ranking_learned_candidates), 'learned';
--                 when the ranker was not trained (int_ranker_model), the similarity rows
-- The similarity and rule inputs are always read, so their lineage does not change with the
-- var (a method that is not chosen contributes no row); the learned ranker's models exist
-- only with ranking_method 'learned' (learned_ranker_enabled), so only then are they read.
{%- set method = ranking_method() %}

with similarity_candidates as (
    select * from {{ ref('int_ranking_similarity_candidates') }}
),

{%- if learned_ranker_enabled() %}

learned_candidates as (
    select * from {{ ref('int_ranking_learned_candidates') }}
),

trained_ranker as (
    select status from {{ ref('int_ranker_model') }}
    where status = 'trained'
),
{%- endif %}

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
    {%- if method == 'learned' %}
    where not exists (select 1 from trained_ranker)
    {%- else %}
    where {{ 'true' if method == 'similarity' else 'false' }}
    {%- endif %}
),

{%- if learned_ranker_enabled() %}

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
),
{%- endif %}

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
    {%- if learned_ranker_enabled() %}
    union all
    select * from learned_rows
    {%- endif %}
    union all
    select * from rule_rows
)

select * from final
