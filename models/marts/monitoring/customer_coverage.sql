-- One row per customer of the master, in scope or not, with why a customer outside the scope
-- gets no recommendation: the report's coverage of the whole master (docs/report.md).
-- A master row quarantined only for its missing region or end use is still a customer (it is
-- counted as unknown_segment); rows without an id, unparseable lines and duplicates are not.
with master_rows as (
    select
        customer_id,
        customer_name,
        segment,
        quarantine_reason
    from {{ ref('stg_erp__customers') }}
    where quarantine_reason is null or quarantine_reason = 'missing_segment'
),

master as (
    select
        customer_id,
        max(customer_name) as customer_name,
        max(case when quarantine_reason is null then segment end) as segment,
        max(case when quarantine_reason is null then 1 else 0 end) as has_segment
    from master_rows
    group by customer_id
),

accepted_purchases as (
    select
        customer_id,
        max(invoice_date) as last_invoice_date
    from {{ ref('int_invoices_validated') }}
    where quarantine_reason is null
    group by customer_id
),

in_scope as (
    select distinct customer_id from {{ ref('market_basket') }}
),

published as (
    select
        customer_id,
        count(*) as recommendation_count
    from {{ ref('recommendations') }}
    group by customer_id
),

classified as (
    select
        master.customer_id,
        master.customer_name,
        master.segment,
        case
            when in_scope.customer_id is not null then 'in_scope'
            when master.has_segment = 0 then 'unknown_segment'
            -- bought, but nothing in the recency window (or fewer than min_order_count orders)
            when accepted_purchases.customer_id is not null then 'lapsed'
            else 'never_bought'
        end as coverage_status,
        accepted_purchases.last_invoice_date,
        coalesce(published.recommendation_count, 0) as recommendation_count
    from master
    left join in_scope on master.customer_id = in_scope.customer_id
    left join accepted_purchases on master.customer_id = accepted_purchases.customer_id
    left join published on master.customer_id = published.customer_id
),

final as (
    select
        customer_id,
        customer_name,
        segment,
        coverage_status,
        last_invoice_date,
        cast(recommendation_count as {{ dbt.type_bigint() }}) as recommendation_count
    from classified
)

select * from final
