{{ config(materialized='table') }}
-- A table, not a view: several models and data tests read it (docs/benchmarks.md).
-- One row per customer × product recommended by at least one rule: the best of its triggers
-- (highest score, then highest confidence, then lowest trigger id), how many triggers pointed
-- at it, the reason text, and its rank among the customer's rule-based products
-- (score desc, then product id: deterministic ties).
with candidates as (
    select * from {{ ref('int_ranking_rule_candidates') }}
),

ordered_triggers as (
    select
        candidates.*,
        row_number() over (
            partition by candidates.customer_id, candidates.recommended_product
            order by candidates.score desc, candidates.confidence desc, candidates.trigger_product asc
        ) as trigger_order,
        count(*) over (partition by candidates.customer_id, candidates.recommended_product) as trigger_count
    from candidates
),

best_triggers as (
    select * from ordered_triggers
    where trigger_order = 1
),

explained as (
    select
        best_triggers.*,
        {{ dbt.concat([
            'trigger_product', "' → '", 'recommended_product',
            "' (support='", ranking_format_decimal('support', 3),
            "', confidence='", ranking_format_decimal('confidence', 3),
            "', lift='", ranking_format_decimal('lift', 2), "')'",
        ]) }} as rule_text
    from best_triggers
),

final as (
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
        lift_normalised,
        recency_score,
        base_score,
        l3_bonus,
        score,
        recommended_qty,
        trigger_count,
        case
            when trigger_count = 1 then rule_text
            when trigger_count = 2 then {{ dbt.concat(['rule_text', "' (+1 other trigger)'"]) }}
            else {{ dbt.concat([
                'rule_text', "' (+'", dbt.cast('trigger_count - 1', dbt.type_string()),
                "' other triggers)'",
            ]) }}
        end as reason,
        row_number() over (
            partition by customer_id order by score desc, recommended_product asc
        ) as rule_rank
    from explained
)

select * from final
