-- One row per customer × recommended product after feedback calibration (spec §4.6, §6): the
-- published recommendations. score = min(ranked score * feedback weight, 1.0) (no feedback:
-- weight 1.0); rows with score < score_cutoff are dropped; the rest are re-ranked by score
-- desc, then their ranked order, and cut to top_k again. Without any feedback in the window the
-- table equals recommendations_ranked (spec: "published unchanged").
with ranked as (
    select * from {{ ref('int_ranking_candidates_ranked') }}
),

feedback as (
    select * from {{ ref('int_feedback_weights') }}
),

feedback_presence as (
    select count(*) as feedback_count from feedback
),

calibrated as (
    select
        ranked.*,
        feedback.rating as feedback_rating,
        coalesce(feedback.feedback_weight, 1.0) as feedback_weight,
        least(ranked.score * coalesce(feedback.feedback_weight, 1.0), 1.0) as calibrated_score
    from ranked
    left join feedback
        on
            ranked.customer_id = feedback.customer_id
            and ranked.recommended_product = feedback.product_id
),

kept as (
    select calibrated.*
    from calibrated
    cross join feedback_presence
    where
        calibrated.calibrated_score >= {{ var('score_cutoff') }}
        or feedback_presence.feedback_count = 0
),

reranked as (
    select
        kept.*,
        row_number() over (
            partition by kept.customer_id
            order by kept.calibrated_score desc, kept.rank asc, kept.recommended_product asc
        ) as calibrated_rank
    from kept
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
        support,
        weighted_support,
        confidence,
        lift,
        cast(calibrated_score as {{ type_double() }}) as score,
        recommended_qty,
        case
            when feedback_rating is null then reason
            else {{ dbt.concat([
                'reason', "'; feedback '", 'feedback_rating',
                "' (x'", ranking_format_decimal('feedback_weight', 2), "')'",
            ]) }}
        end as reason,
        cast(calibrated_rank as {{ dbt.type_int() }}) as rank
    from reranked
    where calibrated_rank <= {{ var('top_k') }}
)

select * from final
