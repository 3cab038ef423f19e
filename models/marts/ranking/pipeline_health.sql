-- One row per monitoring metric × scope (spec §11 key metrics) with its healthy range and
-- whether the current build is in it; dbt tests at warn severity read is_healthy. Scope is
-- 'all' or a segment (silhouette). is_healthy is null for counts that only inform, and when a
-- metric has no value (one-cluster segment, no feedback).
with basket_customers as (
    select distinct customer_id from {{ ref('market_basket') }}
),

recommendations as (
    select * from {{ ref('recommendations') }}
),

ranked as (
    select * from {{ ref('recommendations_ranked') }}
),

rules as (
    select * from {{ ref('association_rules') }}
),

cluster_quality as (
    select * from {{ ref('segment_cluster_quality') }}
),

feedback_overall as (
    select acceptance_rate from {{ ref('feedback_summary') }}
    where scope = 'overall'
),

rule_customers as (
    select distinct customer_id from {{ ref('int_ranking_primary_recommendations') }}
),

fallback_customers as (
    select distinct customer_id from {{ ref('int_ranking_fallback_candidates') }}
),

{%- if learned_ranker_enabled() %}

    ranker as (
        select * from {{ ref('int_ranker_model') }}
    ),
{%- endif %}

published_counts as (
    select
        customer_id,
        count(*) as recommendation_count
    from recommendations
    group by customer_id
),

customer_status as (
    select
        basket_customers.customer_id,
        coalesce(published_counts.recommendation_count, 0) as recommendation_count,
        rule_customers.customer_id is null and fallback_customers.customer_id is null
            as has_nothing_left
    from basket_customers
    left join published_counts on basket_customers.customer_id = published_counts.customer_id
    left join rule_customers on basket_customers.customer_id = rule_customers.customer_id
    left join fallback_customers on basket_customers.customer_id = fallback_customers.customer_id
),

customer_metrics as (
    select
        count(*) as customer_count,
        avg(case when recommendation_count > 0 then 1 else 0 end) as coverage,
        avg(case when recommendation_count < {{ var('top_k') }} then 1 else 0 end)
            as below_top_k_share,
        sum(case when recommendation_count = 0 then 1 else 0 end) as without_recommendations,
        sum(case when has_nothing_left then 1 else 0 end) as nothing_left,
        -- had candidates, but feedback calibration dropped every one of them
        sum(case when recommendation_count = 0 and not has_nothing_left then 1 else 0 end)
            as dropped_by_feedback
    from customer_status
),

source_counts as (
    select
        count(distinct case when recommendation_source = 'similarity' then customer_id end)
            as via_similarity,
        count(distinct case when recommendation_source = 'rule' then customer_id end)
            as via_rules,
        count(distinct case when recommendation_source = 'learned' then customer_id end)
            as via_learned,
        count(distinct case when recommendation_source = 'fallback' then customer_id end)
            as via_fallback
    from ranked
),

{#- Metrics read from customer_metrics / source_counts:
    (metric, value column, healthy range text, health condition or none, measured in) -#}
{%- set customer_metric_rows = [
    ('customers_below_top_k_share', 'below_top_k_share',
     "< 0.05 (fewer than " ~ var('top_k') ~ " recommendations)", 'below_top_k_share < 0.05',
     'recommendations'),
    ('coverage', 'coverage', '= 1.0', 'coverage = 1.0', 'recommendations'),
    ('customers_without_recommendations', 'without_recommendations', 'informational', none,
     'recommendations'),
    ('customers_with_nothing_left', 'nothing_left',
     'informational: no evidence-based product and no unbought in-stock product in the segment',
     none, 'recommendations_ranked'),
    ('customers_dropped_by_feedback', 'dropped_by_feedback',
     'informational: every candidate fell under score_cutoff after feedback', none,
     'recommendations'),
    ('customers_in_scope', 'customer_count', 'informational', none, 'market_basket'),
] %}
{%- set source_metric_rows = [
    ('customers_via_similarity', 'via_similarity'),
    ('customers_via_rules', 'via_rules'),
    ('customers_via_learned', 'via_learned'),
    ('customers_via_fallback', 'via_fallback'),
] %}

metrics as (
    select
        'silhouette' as metric,
        segment as scope,
        silhouette as metric_value,
        '> 0.2' as healthy_range,
        silhouette > 0.2 as is_healthy,
        'segment_cluster_quality' as measured_in
    from cluster_quality
    union all
    select
        'association_rules_generated' as metric,
        'all' as scope,
        count(*) as metric_value,
        '> 100' as healthy_range,
        count(*) > 100 as is_healthy,
        'association_rules' as measured_in
    from rules
    union all
    select
        'acceptance_rate' as metric,
        'all' as scope,
        acceptance_rate as metric_value,
        '> 0.5' as healthy_range,
        acceptance_rate > 0.5 as is_healthy,
        'feedback_summary' as measured_in
    from feedback_overall
    union all
    select
        'top_k' as metric,
        'all' as scope,
        {{ var('top_k') }} as metric_value,
        'parameter of this build' as healthy_range,
        null as is_healthy,
        'dbt var top_k' as measured_in
    {%- for name, value, healthy_range, condition, measured_in in customer_metric_rows %}
        union all
        select
            '{{ name }}' as metric,
            'all' as scope,
            {{ value }} as metric_value,
            '{{ healthy_range }}' as healthy_range,
            {{ condition if condition else 'null' }} as is_healthy,
            '{{ measured_in }}' as measured_in
        from customer_metrics
    {%- endfor %}
    {%- for name, value in source_metric_rows %}
        union all
        select
            '{{ name }}' as metric,
            'all' as scope,
            {{ value }} as metric_value,
            'informational' as healthy_range,
            null as is_healthy,
            'recommendations_ranked' as measured_in
        from source_counts
    {%- endfor %}
    {%- if learned_ranker_enabled() %}
        union all
        -- whether the learned order is used, and why not when it is not (docs/ranking.md); the
        -- ranker's models exist only with ranking_method 'learned'
        select
            'learned_ranker_trained' as metric,
            'all' as scope,
            case when status = 'trained' then 1 else 0 end as metric_value,
            {{ dbt.concat(["'informational: '", 'status_reason']) }} as healthy_range,
            null as is_healthy,
            'int_ranker_model' as measured_in
        from ranker
    {%- endif %}
),

final as (
    select
        metric,
        scope,
        cast(metric_value as {{ type_double() }}) as metric_value,
        healthy_range,
        is_healthy,
        measured_in
    from metrics
)

select * from final
