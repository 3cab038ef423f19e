{{ config(enabled=learned_ranker_enabled()) }}
-- One row per ranker snapshot × customer × product pointed to by the customer's last
-- invoice (its latest purchase day before the snapshot): the summed positive EASE weight of
-- that day's products towards it, and its rank, for the ranker_candidates / 2 best that the
-- customer had not bought. What goes with the order just placed.
with baskets as (
    select * from {{ ref('int_ranker_snapshot_baskets') }}
),

neighbours as (
    select * from {{ ref('int_ranker_snapshot_neighbours') }}
    where evidence_kind = 'product' and weight > 0
),

last_days as (
    select
        snapshot_date,
        customer_id,
        max(last_purchase_date) as last_purchase_date
    from baskets
    group by snapshot_date, customer_id
),

last_invoice_products as (
    select
        baskets.snapshot_date,
        baskets.customer_id,
        baskets.product_id
    from baskets
    inner join last_days
        on
            baskets.snapshot_date = last_days.snapshot_date
            and baskets.customer_id = last_days.customer_id
            and baskets.last_purchase_date = last_days.last_purchase_date
),

pointed_to as (
    select
        last_invoice_products.snapshot_date,
        last_invoice_products.customer_id,
        neighbours.neighbour_product_id as product_id,
        {{ exact_sum('neighbours.weight', 12) }} as last_invoice_score
    from last_invoice_products
    inner join neighbours
        on
            last_invoice_products.snapshot_date = neighbours.snapshot_date
            and last_invoice_products.product_id = neighbours.evidence_id
    group by
        last_invoice_products.snapshot_date,
        last_invoice_products.customer_id,
        neighbours.neighbour_product_id
),

not_bought as (
    select pointed_to.*
    from pointed_to
    left join baskets
        on
            pointed_to.snapshot_date = baskets.snapshot_date
            and pointed_to.customer_id = baskets.customer_id
            and pointed_to.product_id = baskets.product_id
    where baskets.product_id is null
),

ranked as (
    select
        *,
        row_number() over (
            partition by snapshot_date, customer_id
            order by last_invoice_score desc, product_id asc
        ) as last_invoice_rank
    from not_bought
),

final as (
    select * from ranked
    where last_invoice_rank <= {{ var('ranker_candidates') }} / 2
)

select * from final
