-- Within a customer, among rows that can survive the cutoff (score >= score_cutoff), a better
-- rank never has a lower score: rule rows are sorted by score and fallback rows never score
-- above the customer's surviving rule rows, so re-ranking by score keeps the ranked order.
with ranked as (
    select
        customer_id,
        recommended_product,
        rank,
        score
    from {{ ref('recommendations_ranked') }}
    where score >= {{ var('score_cutoff') }}
),

with_previous as (
    select
        ranked.*,
        lag(ranked.score) over (partition by ranked.customer_id order by ranked.rank) as previous_score
    from ranked
),

violations as (
    select * from with_previous
    where score > previous_score
)

select * from violations
