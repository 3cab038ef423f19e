{{ config(enabled=learned_ranker_enabled()) }}
-- One row per ranker snapshot × customer × new product the customer had not bought: the
-- ranker_candidates / 5 products first sold within the momentum_days before the snapshot
-- with the most buyers (ties by product id), offered to every customer. What the catalogue
-- has just added; the ranker learns for whom.
{%- set w = var('momentum_days') | int %}
with baskets as (
    select * from {{ ref('int_ranker_snapshot_baskets') }}
),

demand as (
    select * from {{ ref('int_ranker_product_demand') }}
),

new_products as (
    select
        snapshot_date,
        product_id,
        row_number() over (
            partition by snapshot_date
            order by window_buyers desc, product_id asc
        ) as new_product_rank
    from demand
    where days_since_first_sale < {{ w }}
),

customers as (
    select distinct
        snapshot_date,
        customer_id
    from baskets
),

offered as (
    select
        customers.snapshot_date,
        customers.customer_id,
        new_products.product_id,
        new_products.new_product_rank
    from customers
    inner join new_products on customers.snapshot_date = new_products.snapshot_date
    where new_products.new_product_rank <= {{ var('ranker_candidates') }} / 5
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
