-- One row per customer × product bought on at least reorder_min_purchases distinct days in
-- scope: the typical interval (median of the gaps between consecutive purchase days), its
-- spread (median absolute deviation of the gaps from that median) and the usual quantity
-- (median units per purchase day). Medians are robust: one late or early reorder moves
-- neither (docs/reorders.md).
with purchase_days as (
    select * from {{ ref('int_reorder_purchase_days') }}
),

-- counted before any median: medians are holistic (every value of a group is kept), and at
-- 10M lines about 5M customer × product groups held them, spilling 4 GB, where about 250k
-- groups have a rhythm (docs/benchmarks.md)
counted as (
    select
        customer_id,
        product_id,
        count(*) as n_purchase_days,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date
    from purchase_days
    group by customer_id, product_id
    having count(*) >= {{ var('reorder_min_purchases') }}
),

rhythm_days as (
    select
        purchase_days.customer_id,
        purchase_days.product_id,
        purchase_days.day_quantity,
        purchase_days.gap_days
    from purchase_days
    inner join counted
        on
            purchase_days.customer_id = counted.customer_id
            and purchase_days.product_id = counted.product_id
),

-- a median skips nulls: the typical interval is the median of the gaps alone
medians as (
    select
        customer_id,
        product_id,
        {{ median('day_quantity') }} as usual_quantity,
        {{ median('gap_days') }} as typical_interval_days
    from rhythm_days
    group by customer_id, product_id
),

deviations as (
    select
        rhythm_days.customer_id,
        rhythm_days.product_id,
        {{ median('abs(rhythm_days.gap_days - medians.typical_interval_days)') }}
            as interval_spread_days
    from rhythm_days
    inner join medians
        on
            rhythm_days.customer_id = medians.customer_id
            and rhythm_days.product_id = medians.product_id
    where rhythm_days.gap_days is not null
    group by rhythm_days.customer_id, rhythm_days.product_id
),

final as (
    select
        counted.customer_id,
        counted.product_id,
        counted.n_purchase_days,
        counted.first_purchase_date,
        counted.last_purchase_date,
        cast(medians.typical_interval_days as {{ type_double() }}) as typical_interval_days,
        cast(deviations.interval_spread_days as {{ type_double() }}) as interval_spread_days,
        cast(medians.usual_quantity as {{ type_double() }}) as usual_quantity
    from counted
    inner join medians
        on
            counted.customer_id = medians.customer_id
            and counted.product_id = medians.product_id
    inner join deviations
        on
            counted.customer_id = deviations.customer_id
            and counted.product_id = deviations.product_id
)

select * from final
