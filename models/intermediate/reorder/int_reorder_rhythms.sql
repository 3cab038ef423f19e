-- One row per customer × product bought on at least reorder_min_purchases distinct days in
-- scope: the typical interval (median of the gaps between consecutive purchase days), its
-- spread (median absolute deviation of the gaps from that median) and the usual quantity
-- (median units per purchase day). Medians are robust: one late or early reorder moves
-- neither (docs/reorders.md).
with purchase_days as (
    select * from {{ ref('int_reorder_purchase_days') }}
),

counted as (
    select
        customer_id,
        product_id,
        count(*) as n_purchase_days,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        {{ median('day_quantity') }} as usual_quantity
    from purchase_days
    group by customer_id, product_id
    having count(*) >= {{ var('reorder_min_purchases') }}
),

gaps as (
    select
        purchase_days.customer_id,
        purchase_days.product_id,
        purchase_days.gap_days
    from purchase_days
    inner join counted
        on
            purchase_days.customer_id = counted.customer_id
            and purchase_days.product_id = counted.product_id
    where purchase_days.gap_days is not null
),

intervals as (
    select
        customer_id,
        product_id,
        {{ median('gap_days') }} as typical_interval_days
    from gaps
    group by customer_id, product_id
),

deviations as (
    select
        gaps.customer_id,
        gaps.product_id,
        {{ median('abs(gaps.gap_days - intervals.typical_interval_days)') }}
            as interval_spread_days
    from gaps
    inner join intervals
        on
            gaps.customer_id = intervals.customer_id
            and gaps.product_id = intervals.product_id
    group by gaps.customer_id, gaps.product_id
),

final as (
    select
        counted.customer_id,
        counted.product_id,
        counted.n_purchase_days,
        counted.first_purchase_date,
        counted.last_purchase_date,
        cast(intervals.typical_interval_days as {{ type_double() }}) as typical_interval_days,
        cast(deviations.interval_spread_days as {{ type_double() }}) as interval_spread_days,
        cast(counted.usual_quantity as {{ type_double() }}) as usual_quantity
    from counted
    inner join intervals
        on
            counted.customer_id = intervals.customer_id
            and counted.product_id = intervals.product_id
    inner join deviations
        on
            counted.customer_id = deviations.customer_id
            and counted.product_id = deviations.product_id
)

select * from final
