-- One row per customer in scope: raw RFM values and their min-max scores (spec §4.1).
-- Scores are scaled over all customers in scope; recency is negated so 1.0 = most recent.
with lines as (
    select * from {{ ref('int_invoice_lines_in_scope') }}
),

reference as (
    select reference_date from {{ ref('int_reference_date') }}
),

customer_totals as (
    select
        lines.customer_id,
        max(lines.invoice_date) as last_purchase_date,
        count(distinct lines.invoice_id) as rfm_frequency,
        coalesce({{ exact_sum('lines.line_spend') }}, 0) as rfm_monetary
    from lines
    group by lines.customer_id
),

with_recency as (
    select
        customer_totals.*,
        {{ dbt.datediff('customer_totals.last_purchase_date', 'reference.reference_date', 'day') }}
            as rfm_recency
    from customer_totals
    cross join reference
),

scored as (
    select
        customer_id,
        last_purchase_date,
        rfm_recency,
        rfm_frequency,
        rfm_monetary,
        {{ min_max_scale('-1 * rfm_recency') }} as rfm_recency_score,
        {{ min_max_scale('rfm_frequency') }} as rfm_frequency_score,
        {{ min_max_scale('rfm_monetary') }} as rfm_monetary_score
    from with_recency
)

select * from scored
