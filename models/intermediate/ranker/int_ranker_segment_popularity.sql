{{ config(enabled=learned_ranker_enabled()) }}
-- One row per ranker snapshot × segment × product bought in the segment: its buyers, their
-- share of the segment's customers and its popularity rank in the segment. Popularity is
-- buyers × (buyers of the last momentum_days + 1), so that what the segment buys now comes
-- first (the segment candidate source and a feature of every candidate).
{%- set w = var('momentum_days') | int %}
with baskets as (
    select * from {{ ref('int_ranker_snapshot_baskets') }}
),

segment_sizes as (
    select
        snapshot_date,
        segment,
        count(distinct customer_id) as segment_customers
    from baskets
    group by snapshot_date, segment
),

segment_products as (
    select
        snapshot_date,
        segment,
        product_id,
        count(*) as segment_buyers,
        sum(
            case
                when last_purchase_date > {{ dbt.dateadd('day', -1 * w, 'snapshot_date') }} then 1
                else 0
            end
        ) as segment_recent_buyers
    from baskets
    group by snapshot_date, segment, product_id
),

final as (
    select
        segment_products.*,
        cast(segment_products.segment_buyers as {{ type_double() }}) / segment_sizes.segment_customers
            as segment_share,
        row_number() over (
            partition by segment_products.snapshot_date, segment_products.segment
            order by
                segment_products.segment_buyers * (segment_products.segment_recent_buyers + 1) desc,
                segment_products.product_id
        ) as segment_rank
    from segment_products
    inner join segment_sizes
        on
            segment_products.snapshot_date = segment_sizes.snapshot_date
            and segment_products.segment = segment_sizes.segment
)

select * from final
