{{ config(materialized='table', enabled=learned_ranker_enabled()) }}
-- One row per ranker snapshot × customer × product the customer had bought by the snapshot
-- date (within the pipeline's window): market_basket as it stood at each cutoff, the input of
-- every candidate source and feature. A snapshot sees nothing dated after it. Sums are exact
-- (decimal), so that the features, and the model, are the same on every run.
with snapshots as (
    select * from {{ ref('int_ranker_snapshots') }}
),

lines as (
    select * from {{ ref('int_invoice_lines_in_scope') }}
),

final as (
    select
        snapshots.snapshot_date,
        lines.customer_id,
        lines.product_id,
        min(lines.segment) as segment,
        count(distinct lines.invoice_date) as purchase_days,
        min(lines.invoice_date) as first_purchase_date,
        max(lines.invoice_date) as last_purchase_date,
        {{ exact_sum('lines.quantity') }} as units,
        {{ exact_sum('lines.line_spend') }} as spend
    from lines
    inner join snapshots on lines.invoice_date <= snapshots.snapshot_date
    group by snapshots.snapshot_date, lines.customer_id, lines.product_id
)

select * from final
