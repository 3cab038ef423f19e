-- One row per market_basket customer: segment (from market_basket only, spec §8 bug 4),
-- cluster, and the recency score of §4.5: 1 / (1 + mean recency_days over the customer's
-- market_basket rows, i.e. over the products the customer bought).
with basket as (
    select * from {{ ref('int_market_basket') }}
),

-- customer_clusters also has a segment column; it is not read here, so the segment has one source
clusters as (
    select
        customer_id,
        cluster_id
    from {{ ref('int_customer_clusters') }}
),

customer_recency as (
    select
        customer_id,
        segment,
        avg(cast(recency_days as {{ type_double() }})) as mean_recency_days
    from basket
    group by customer_id, segment
),

profiles as (
    select
        customer_recency.customer_id,
        customer_recency.segment,
        clusters.cluster_id,
        customer_recency.mean_recency_days,
        1.0 / (1.0 + customer_recency.mean_recency_days) as recency_score
    from customer_recency
    left join clusters on customer_recency.customer_id = clusters.customer_id
)

select * from profiles
