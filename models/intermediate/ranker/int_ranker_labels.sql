{{ config(enabled=learned_ranker_enabled()) }}
-- One row per training snapshot × customer × product the customer bought for the first time
-- in the ranker_horizon_days after the snapshot (the ranker's positive labels). First time =
-- no purchase of it in the window up to the snapshot. Every label is dated on or before the
-- reference date: the training sees nothing the scoring does not.
with snapshots as (
    select * from {{ ref('int_ranker_snapshots') }}
    where is_training
),

first_purchases as (
    select
        customer_id,
        product_id,
        min(invoice_date) as first_purchase_date
    from {{ ref('int_invoice_lines_in_scope') }}
    group by customer_id, product_id
),

final as (
    select
        snapshots.snapshot_date,
        first_purchases.customer_id,
        first_purchases.product_id,
        first_purchases.first_purchase_date
    from first_purchases
    inner join snapshots
        on
            first_purchases.first_purchase_date > snapshots.snapshot_date
            and first_purchases.first_purchase_date <= snapshots.label_end_date
)

select * from final
