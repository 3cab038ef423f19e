-- Every market_basket customer gets at least one ranked recommendation unless the segment has
-- nothing left to offer (no rule product and no fallback candidate); pipeline_health counts
-- those customers (customers_with_nothing_left).
with customers as (
    select distinct customer_id from {{ ref('market_basket') }}
),

ranked as (
    select distinct customer_id from {{ ref('recommendations_ranked') }}
),

offerable as (
    select customer_id from {{ ref('int_ranking_primary_recommendations') }}
    union
    select customer_id from {{ ref('int_ranking_fallback_candidates') }}
),

uncovered as (
    select customers.customer_id
    from customers
    inner join offerable on customers.customer_id = offerable.customer_id
    left join ranked on customers.customer_id = ranked.customer_id
    where ranked.customer_id is null
)

select * from uncovered
