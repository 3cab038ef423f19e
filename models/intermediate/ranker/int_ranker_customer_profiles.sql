{{ config(enabled=learned_ranker_enabled()) }}
-- One row per ranker snapshot × customer: what the customer's history looked like at the
-- snapshot. Products bought, spend, units, purchase days (distinct invoice dates), days since
-- the last purchase and since the first, and the median unit price it paid per product (the
-- customer's usual price band).
with snapshots as (
    select * from {{ ref('int_ranker_snapshots') }}
),

baskets as (
    select * from {{ ref('int_ranker_snapshot_baskets') }}
),

lines as (
    select * from {{ ref('int_invoice_lines_in_scope') }}
),

purchase_days as (
    select
        snapshots.snapshot_date,
        lines.customer_id,
        count(distinct lines.invoice_date) as purchase_days
    from lines
    inner join snapshots on lines.invoice_date <= snapshots.snapshot_date
    group by snapshots.snapshot_date, lines.customer_id
),

histories as (
    select
        snapshot_date,
        customer_id,
        min(segment) as segment,
        count(*) as products_bought,
        {{ exact_sum('spend') }} as spend,
        {{ exact_sum('units') }} as units,
        min(first_purchase_date) as first_purchase_date,
        max(last_purchase_date) as last_purchase_date,
        {{ median('spend / nullif(units, 0)') }} as median_unit_price
    from baskets
    group by snapshot_date, customer_id
),

final as (
    select
        histories.snapshot_date,
        histories.customer_id,
        histories.segment,
        histories.products_bought,
        histories.spend,
        histories.units,
        purchase_days.purchase_days,
        {{ dbt.datediff('histories.last_purchase_date', 'histories.snapshot_date', 'day') }}
            as days_since_purchase,
        {{ dbt.datediff('histories.first_purchase_date', 'histories.snapshot_date', 'day') }}
            as days_as_customer,
        histories.median_unit_price
    from histories
    inner join purchase_days
        on
            histories.snapshot_date = purchase_days.snapshot_date
            and histories.customer_id = purchase_days.customer_id
)

select * from final
