{{ config(enabled=learned_ranker_enabled()) }}
-- One row per ranker snapshot × product bought in the window up to the snapshot: its demand
-- now and over time, as of the snapshot. Buyers of the last 7 / 30 / 90 days, new buyers
-- (first purchase of the product) of the last 30 / 90 days, days since its first sale in the
-- window, and momentum = (buyers of the last momentum_days + 1) / (window buyers ×
-- momentum_days / window days + 1), the formula of int_product_momentum at this cutoff.
{%- set w = var('momentum_days') | int %}
with baskets as (
    select * from {{ ref('int_ranker_snapshot_baskets') }}
),

window_starts as (
    select
        snapshot_date,
        min(first_purchase_date) as window_start_date
    from baskets
    group by snapshot_date
),


demand as (
    select
        baskets.snapshot_date,
        baskets.product_id,
        count(*) as window_buyers,
        sum(
            case
                when baskets.last_purchase_date > {{ dbt.dateadd('day', -1 * 7, 'baskets.snapshot_date') }}
                    then 1
                else 0
            end
        ) as buyers_7d,
        sum(
            case
                when baskets.last_purchase_date > {{ dbt.dateadd('day', -1 * 30, 'baskets.snapshot_date') }}
                    then 1
                else 0
            end
        ) as buyers_30d,
        sum(
            case
                when baskets.last_purchase_date > {{ dbt.dateadd('day', -1 * 90, 'baskets.snapshot_date') }}
                    then 1
                else 0
            end
        ) as buyers_90d,
        sum(
            case
                when baskets.last_purchase_date > {{ dbt.dateadd('day', -1 * w, 'baskets.snapshot_date') }}
                    then 1
                else 0
            end
        ) as recent_buyers,
        sum(
            case
                when baskets.first_purchase_date > {{ dbt.dateadd('day', -1 * 30, 'baskets.snapshot_date') }}
                    then 1
                else 0
            end
        ) as new_buyers_30d,
        sum(
            case
                when baskets.first_purchase_date > {{ dbt.dateadd('day', -1 * 90, 'baskets.snapshot_date') }}
                    then 1
                else 0
            end
        ) as new_buyers_90d,
        min(baskets.first_purchase_date) as first_sale_date
    from baskets
    group by baskets.snapshot_date, baskets.product_id
),

final as (
    select
        demand.*,
        {{ dbt.datediff('demand.first_sale_date', 'demand.snapshot_date', 'day') }}
            as days_since_first_sale,
        -- in doubles: Spark reads 1.0 as a decimal, whose division keeps six decimals only
        cast(demand.recent_buyers + 1 as {{ type_double() }}) / (
            cast(demand.window_buyers * {{ w }} as {{ type_double() }}) / (
                {{ dbt.datediff('window_starts.window_start_date', 'demand.snapshot_date', 'day') }}
                + 1
            )
            + 1
        ) as momentum
    from demand
    inner join window_starts on demand.snapshot_date = window_starts.snapshot_date
)

select * from final
