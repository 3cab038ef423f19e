{{ config(enabled=learned_ranker_enabled()) }}
-- One row per ranker snapshot × customer × product among the ranker_candidates / 2 most
-- popular of the customer's segment (int_ranker_segment_popularity) that the customer had not
-- bought: what customers like this one buy.
with baskets as (
    select * from {{ ref('int_ranker_snapshot_baskets') }}
),

popular as (
    select * from {{ ref('int_ranker_segment_popularity') }}
    where segment_rank <= {{ var('ranker_candidates') }} / 2
),

customers as (
    select distinct
        snapshot_date,
        customer_id,
        segment
    from baskets
),

offered as (
    select
        customers.snapshot_date,
        customers.customer_id,
        popular.product_id,
        popular.segment_rank
    from customers
    inner join popular
        on
            customers.snapshot_date = popular.snapshot_date
            and customers.segment = popular.segment
),

final as (
    select offered.*
    from offered
    left join baskets
        on
            offered.snapshot_date = baskets.snapshot_date
            and offered.customer_id = baskets.customer_id
            and offered.product_id = baskets.product_id
    where baskets.product_id is null
)

select * from final
